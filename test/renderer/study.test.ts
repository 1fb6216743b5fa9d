/**
 * The plain parts of New study: its defaults agree with the study's own (main's DEFAULT_PARAMS),
 * the folder it proposes, the models it offers, the params it sends (checked against the API's own
 * validation), the report addresses the server accepts, and the study run views.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, STUDY_JOB_KIND, STUDY_SECTION_RUN_KIND } from '../../src/main/study/plan';
import { RECORD_ONLY_KINDS } from '../../src/renderer/src/lib/jobs';
import { SECTION_KINDS, SECTION_TITLES, type StudySection } from '../../src/main/study/types';
import type { ModelEntry, RunEntry } from '../../src/shared/api/projectTypes';
import { validateParams } from '../../src/shared/api/validate';
import { parseStudyReportPath, studyReportUrl } from '../../src/shared/studyReport';
import { runPanels } from '../../src/renderer/src/lib/runViews';
import { defaultStudyFolder, folderOf, MORE_STUDY_PARAMS, moreStudyDefaults, studyDefault, studyModelChoices, studyParams, studyReportOf, studySectionSuffix } from '../../src/renderer/src/lib/study';

const model = (id: number, name: string, path: string | null, loaded = false): ModelEntry => ({ id, name, path, loaded, contentHash: `h${id}` });
const run = (fields: Partial<RunEntry>): RunEntry => ({ id: 1, kind: STUDY_JOB_KIND, status: 'done', progress: 1, progressMessage: null, options: {}, datasetName: null, createdAt: '', endedAt: null, error: null, resumable: false, hasCheckpoint: false, ...fields });

describe('New study, plain parts', () => {
  it('starts from the study\'s own defaults', () => {
    expect([studyDefault('n'), studyDefault('seed')]).toEqual([DEFAULT_PARAMS.n, DEFAULT_PARAMS.seed]);
    // "More parameters" offers every other numeric parameter of the plan, at the plan's default
    const numeric = Object.entries(DEFAULT_PARAMS).filter(([k, v]) => typeof v === 'number' && k !== 'n' && k !== 'seed');
    expect(moreStudyDefaults()).toEqual(Object.fromEntries(numeric));
    expect(MORE_STUDY_PARAMS.map((p) => p.key).sort()).toEqual(numeric.map(([k]) => k).sort());
  });

  it('proposes a stamped folder under studies/ beside the project file', () => {
    const when = new Date(Date.UTC(2026, 10, 3, 4, 5, 6));
    expect(defaultStudyFolder('/data/cwb/default.cwb', 'comparison', when)).toBe('/data/cwb/studies/comparison-20261103-040506');
    expect(defaultStudyFolder('C:\\Users\\a\\p.cwb', 'ioi', when)).toBe('C:\\Users\\a\\studies\\ioi-20261103-040506');
    expect(folderOf('p.cwb')).toBe('.');
    expect(folderOf('/p.cwb')).toBe('/');
  });

  it('offers models with a folder, and the loaded one first even without a folder', () => {
    const models = [model(1, 'a', '/m/a'), model(2, 'edited', null), model(3, 'b', '/m/b', true)];
    expect(studyModelChoices(models).map((m) => m.name)).toEqual(['b', 'a']);
    expect(studyModelChoices([model(2, 'edited', null, true), model(1, 'a', '/m/a')]).map((m) => m.name)).toEqual(['edited', 'a']);
  });

  it('sends the loaded model alone as the default, other choices as folders, and params the API accepts', () => {
    const [loaded, other] = studyModelChoices([model(3, 'b', '/m/b', true), model(1, 'a', '/m/a')]);
    const alone = studyParams({ task: 'comparison', outDir: ' /out/s1 ', n: 4, seed: 2, chosen: [loaded] });
    expect(alone).toEqual({ task: 'comparison', outDir: '/out/s1', n: 4, seed: 2 });
    expect(validateParams('study.run', alone)).toEqual(alone);
    const both = studyParams({ task: 'ioi', outDir: '/out/s2', n: 1, seed: 0, chosen: [loaded, other] });
    expect(both).toEqual({ task: 'ioi', outDir: '/out/s2', n: 1, seed: 0, modelDirs: ['/m/b', '/m/a'] });
    expect(validateParams('study.run', both)).toEqual(both);
  });

  it('sends only the parameters changed from their defaults, in a form the API accepts', () => {
    const [loaded] = studyModelChoices([model(3, 'b', '/m/b', true)]);
    const base = { task: 'ioi', outDir: '/o', n: 4, seed: 0, chosen: [loaded] };
    expect(studyParams({ ...base, more: moreStudyDefaults() })).toEqual({ task: 'ioi', outDir: '/o', n: 4, seed: 0 });
    const changed = studyParams({ ...base, more: { ...moreStudyDefaults(), acdcTau: 0.2, topHeads: 2 } });
    expect(changed).toEqual({ task: 'ioi', outDir: '/o', n: 4, seed: 0, params: { acdcTau: 0.2, topHeads: 2 } });
    expect(validateParams('study.run', changed)).toEqual(changed);
    // The corruption goes only when one is chosen (empty: the task's default)
    expect(studyParams({ ...base, corruption: '' })).toEqual({ task: 'ioi', outDir: '/o', n: 4, seed: 0 });
    const premise = studyParams({ ...base, task: 'comparison', corruption: 'premise' });
    expect(premise).toEqual({ task: 'comparison', outDir: '/o', n: 4, seed: 0, corruption: 'premise' });
    expect(validateParams('study.run', premise)).toEqual(premise);
  });

  it('says why it cannot start, naming the field', () => {
    const [loaded] = studyModelChoices([model(3, 'b', '/m/b', true)]);
    const edited = studyModelChoices([model(2, 'edited', null, true)])[0];
    const base = { task: 'ioi', outDir: '/o', n: 4, seed: 0, chosen: [loaded] };
    const problem = (p: ReturnType<typeof studyParams>): string => ('problem' in p ? p.problem : '');
    expect(problem(studyParams({ ...base, outDir: '  ' }))).toMatch(/output folder/);
    expect(problem(studyParams({ ...base, n: 0 }))).toMatch(/\(n\)/);
    expect(problem(studyParams({ ...base, n: 2.5 }))).toMatch(/\(n\)/);
    expect(problem(studyParams({ ...base, seed: -1 }))).toMatch(/Seed/);
    expect(problem(studyParams({ ...base, more: { ...moreStudyDefaults(), acdcTau: -1 } }))).toBe('ACDC threshold tau must be a number from 0 to 1000000.');
    expect(problem(studyParams({ ...base, more: { ...moreStudyDefaults(), topHeads: 2.5 } }))).toBe('Top heads studied (plots 3-5) must be a whole number from 1 to 64.');
    expect(problem(studyParams({ ...base, more: { ...moreStudyDefaults(), romeSteps: null as unknown as number } }))).toMatch(/^ROME: Adam steps must be/); // an emptied field
    expect(problem(studyParams({ ...base, chosen: [] }))).toMatch(/at least one model/);
    expect(problem(studyParams({ ...base, chosen: [edited, loaded] }))).toMatch(/^edited has no folder/);
    // The loaded edited model alone is the API's default model: allowed.
    expect(studyParams({ ...base, chosen: [edited] })).toEqual({ task: 'ioi', outDir: '/o', n: 4, seed: 0 });
  });

  it('builds report addresses the server reads back, and refuses every other name', () => {
    expect(parseStudyReportPath(studyReportUrl(12))).toEqual({ runId: 12, file: 'report.html' });
    expect(parseStudyReportPath(studyReportUrl(3, 'figures/plot1-lens-A.svg'))).toEqual({ runId: 3, file: 'figures/plot1-lens-A.svg' });
    expect(parseStudyReportPath('/study-report/3/tables/t.csv')).toEqual({ runId: 3, file: 'tables/t.csv' });
    expect(parseStudyReportPath('/study-report/3/study.json')).toEqual({ runId: 3, file: 'study.json' });
    for (const bad of ['/study-report/3/../x', '/study-report/3/figures/../../x.svg', '/study-report/3/figures/%2e%2e.svg', '/study-report/3/figures/.hidden.svg', '/study-report/0/report.html', '/study-report/x/report.html', '/study-report/3/tables/t.svg', '/study-report/3/figures/a/b.svg', '/study-report/3/default.cwb', '/study-report/3/report.html/x', '/study-report/3/']) {
      expect(parseStudyReportPath(bad), bad).toBeNull();
    }
  });

  it('finds a study run\'s report, with an address only once it is done', () => {
    expect(studyReportOf(run({ id: 7, options: { outDir: '/o/s/' } }))).toEqual({ outDir: '/o/s/', report: '/o/s/report.html', url: '/study-report/7/report.html' });
    expect(studyReportOf(run({ id: 7, status: 'cancelled', options: { outDir: '/o/s' } }))?.url).toBeNull();
    expect(studyReportOf(run({ kind: 'circuit.acdc', options: { outDir: '/o/s' } }))).toBeNull();
  });

  it('keeps section runs (records, not jobs) out of the jobs panel', () => {
    expect([...RECORD_ONLY_KINDS]).toEqual([STUDY_SECTION_RUN_KIND]);
  });

  it('names a section run by its section and model', () => {
    expect(studySectionSuffix(run({ kind: STUDY_SECTION_RUN_KIND, options: { studyRunId: 4, section: 'patching', model: 'default-model' } }))).toBe(' · patching · default-model (study #4)');
    expect(studySectionSuffix(run({ kind: STUDY_JOB_KIND, options: { section: 'patching' } }))).toBe('');
  });
});

describe('study run views', () => {
  const section = (kind: StudySection['kind'], model: string | null): StudySection => ({
    kind,
    model,
    title: SECTION_TITLES[kind],
    text: '',
    figures: [],
    tables: [{ id: `${kind}-t`, title: `${kind} table`, columns: ['head', 'effect'], rows: [['L0H1', 0.25], ['L1H2', null]] }],
  });

  it('show a section run\'s tables cell for cell', () => {
    const panels = runPanels(STUDY_SECTION_RUN_KIND, [{ name: 'patching', summary: section('patching', 'A') }]);
    expect(panels).toHaveLength(1);
    const p = panels![0];
    if (p.type !== 'table') throw new Error('not a table');
    expect(p.title).toBe('patching table (A)');
    expect(p.columns).toEqual(['head', 'effect']);
    expect(p.rows).toEqual([['L0H1', 0.25], ['L1H2', '–']]);
  });

  it('list a study\'s sections with their figure and table counts', () => {
    const sections = SECTION_KINDS.map((k) => section(k, k === 'predictions' ? null : 'A'));
    sections[0].figures.push({ id: 'f', title: 'f', kind: 'bar', x: [], xName: '', yName: '', series: [] });
    const panels = runPanels(STUDY_JOB_KIND, [{ name: 'study', summary: { plan: { task: 'ioi' }, sections } }]);
    const p = panels?.find((x) => x.id === 'study-sections');
    if (!p || p.type !== 'table') throw new Error('no sections table');
    expect(p.rows).toEqual(sections.map((s) => [s.title, s.model ?? 'all models', s.figures.length, 1]));
    expect(p.rows[0][2]).toBe(1);
  });
});
