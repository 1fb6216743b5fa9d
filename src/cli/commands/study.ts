/**
 * `circuit-workbench study --task T --models A B [...] --out DIR`: the research outline end to end
 * on one or more models, as a job (study.run) in a project (--project FILE, default DIR/study.cwb),
 * written to DIR as report.html, figures/*.svg, tables/*.csv and study.json.
 * `study --rerun DIR/study.json [--out DIR2]` runs the recorded plan again and checks every
 * number against the recorded ones.
 */
import path from 'node:path';
import { workbenchJobRegistry } from '../../main/jobs/handlers';
import { JobRunner } from '../../main/jobs';
import { ProjectStore } from '../../main/store';
import { compareNumbers } from '../../main/study/compare';
import { checkModelDirs, DEFAULT_PARAMS, makePlan, STUDY_JOB_KIND, type StudyPlan } from '../../main/study/plan';
import { recordSectionRuns, studyDocumentOf } from '../../main/study/project';
import { readStudy } from '../../main/study/write';
import { CliError, requireString, type Command, type OptionValues } from '../command';
import { studyModelsFromOptions } from '../modelOption';

/** A rerun must reproduce every number within this. */
export const RERUN_TOLERANCE = 1e-6;

/** Named options for the parameters one changes most; any other through --param key=value. */
const NAMED: Record<string, keyof typeof DEFAULT_PARAMS> = { n: 'n', seed: 'seed', 'top-heads': 'topHeads', tau: 'acdcTau', 'ig-steps': 'eapIgSteps', 'rome-steps': 'romeSteps', prompts: 'predictionPrompts' };

function paramsFrom(values: OptionValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const num = (raw: string, name: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new CliError(`--${name} must be a number, got ${JSON.stringify(raw.slice(0, 40))}`);
    return n;
  };
  for (const [opt, key] of Object.entries(NAMED)) if (typeof values[opt] === 'string') out[key] = num(values[opt] as string, opt);
  if (typeof values.split === 'string') out.split = values.split;
  if (typeof values.corruption === 'string') out.corruption = values.corruption;
  const templates = (values.template as string[] | undefined) ?? [];
  if (templates.length) out.templates = templates.flatMap((t) => t.split(',')).filter(Boolean);
  for (const kv of (values.param as string[] | undefined) ?? []) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new CliError(`--param must look like key=value, got ${JSON.stringify(kv.slice(0, 40))}`);
    const key = kv.slice(0, at);
    const raw = kv.slice(at + 1);
    out[key] = key === 'split' || key === 'corruption' ? raw : key === 'templates' ? raw.split(',').filter(Boolean) : num(raw, `param ${key}`);
  }
  return out;
}

/** Run the plan as a study job in the project; returns the study run and its section runs. */
async function runInProject(plan: StudyPlan, outDir: string, projectFile: string, progress: boolean) {
  const store = ProjectStore.open(projectFile, { create: true });
  const runner = new JobRunner({ store, registry: workbenchJobRegistry() });
  const handle = runner.start(STUDY_JOB_KIND, { plan, outDir }, {});
  const onSigint = (): void => void runner.cancel(handle.runId);
  process.once('SIGINT', onSigint);
  const stop = runner.onEvent((e) => {
    if (progress && e.type === 'progress') process.stderr.write(`\rstudy: ${Math.round(100 * e.fraction)}% ${e.message ?? ''}`.padEnd(80));
  });
  try {
    const record = await handle.done;
    if (progress) process.stderr.write('\n');
    if (record.status !== 'done') throw new CliError(`the study (run ${record.id} in ${projectFile}) ended ${record.status}${record.error ? `: ${record.error.split('\n')[0]}` : ''}`);
    const sectionRuns = recordSectionRuns(store, record);
    return { runId: record.id, sectionRuns, doc: studyDocumentOf(store, record.id) };
  } finally {
    stop();
    process.off('SIGINT', onSigint);
    await runner.shutdown();
    store.close();
  }
}

export const studyCommand: Command = {
  name: 'study',
  summary: 'run the research outline on one or more models: report.html, figures (SVG), tables (CSV) and study.json in DIR; --rerun checks a study reproduces',
  usage: 'study --task ioi|comparison|latest --models A [B ...] [--download] --out DIR [--project FILE] [--n 32] [--seed 0] [--split heldout] [--template ID] [--corruption NAME] [--top-heads 3] [--tau 0.05] [--ig-steps 5] [--rome-steps 20] [--prompts 5] [--param key=value] [--progress] | study --rerun DIR/study.json [--out DIR2]',
  options: {
    task: { type: 'string', short: 't' },
    models: { type: 'string', multiple: true },
    download: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    project: { type: 'string' },
    rerun: { type: 'string' },
    n: { type: 'string', short: 'n' },
    seed: { type: 'string' },
    split: { type: 'string' },
    template: { type: 'string', multiple: true },
    corruption: { type: 'string' },
    'top-heads': { type: 'string' },
    tau: { type: 'string' },
    'ig-steps': { type: 'string' },
    'rome-steps': { type: 'string' },
    prompts: { type: 'string' },
    param: { type: 'string', multiple: true },
    progress: { type: 'boolean' },
  },
  async run(values, positionals) {
    let plan: StudyPlan;
    let outDir: string;
    let recorded: unknown;
    if (typeof values.rerun === 'string') {
      if (values.task !== undefined || values.models !== undefined || positionals.length > 0) throw new CliError('--rerun takes the task and models from study.json: drop --task and --models');
      const file = path.resolve(values.rerun);
      const read = await readStudy(file);
      plan = read.plan;
      recorded = read.doc;
      outDir = path.resolve(typeof values.out === 'string' ? values.out : path.join(path.dirname(file), 'rerun'));
    } else {
      const specs = [...((values.models as string[] | undefined) ?? []), ...positionals];
      if (specs.length === 0) throw new CliError('give one or more models: --models A [B ...] (folders or Hugging Face ids)');
      plan = makePlan({ task: requireString(values, 'task'), models: await studyModelsFromOptions(specs, values), params: paramsFrom(values) }, 'study options');
      outDir = path.resolve(requireString(values, 'out'));
    }
    checkModelDirs(plan);
    const projectFile = path.resolve(typeof values.project === 'string' ? values.project : path.join(outDir, 'study.cwb'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(projectFile), { recursive: true });
    const started = performance.now();
    const { runId, sectionRuns, doc } = await runInProject(plan, outDir, projectFile, values.progress === true);
    const seconds = (performance.now() - started) / 1000;
    const data: Record<string, unknown> = { out: outDir, report: path.join(outDir, 'report.html'), studyJson: path.join(outDir, 'study.json'), project: projectFile, runId, sectionRuns, seconds, models: plan.models, sections: doc.sections.map((s) => ({ kind: s.kind, model: s.model, figures: s.figures.length, tables: s.tables.length })) };
    const lines = [`study of ${plan.task} on ${plan.models.map((m) => m.label).join(', ')}: ${doc.sections.length} sections in ${seconds.toFixed(1)} s`, `report ${data.report}`, `project ${projectFile} (study run ${runId}, ${sectionRuns.length} section runs)`];
    if (recorded) {
      const original = recorded as { sections: unknown; provenance: { models: unknown } };
      const diff = compareNumbers({ sections: original.sections, models: original.provenance.models }, { sections: doc.sections, models: doc.provenance.models });
      data.rerun = diff;
      lines.push(`rerun: ${diff.numbers} numbers, largest difference ${diff.maxAbsDiff.toExponential(2)}${diff.worstPath ? ` at ${diff.worstPath}` : ''}`);
      if (diff.mismatches.length || !(diff.maxAbsDiff <= RERUN_TOLERANCE)) {
        throw new CliError(`the rerun does not reproduce the study (tolerance ${RERUN_TOLERANCE}): largest difference ${diff.maxAbsDiff} at ${diff.worstPath}; ${diff.mismatches.slice(0, 3).join('; ')}`);
      }
    }
    return { data, text: lines.join('\n') };
  },
};
