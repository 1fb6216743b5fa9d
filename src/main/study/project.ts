/**
 * A study in the project: the study is one run (job kind study.run) whose result is the study
 * document; once it is done, each section becomes a run of its own (kind study.section, params
 * naming the study run, the section and the model, with the model's and dataset's hashes), so the
 * project's runs list shows the study with all its runs.
 */
import type { ProjectStore, RunRecord } from '../store';
import type { Json } from '../store/values';
import { STUDY_SECTION_RUN_KIND } from './plan';
import type { StudyDocument } from './run';

/** The study document a finished study run holds. */
export function studyDocumentOf(store: ProjectStore, studyRunId: number): StudyDocument {
  const result = store.results.listForRun(studyRunId).find((r) => r.name === 'study');
  if (!result) throw new Error(`run ${studyRunId} has no study result`);
  return result.summary as unknown as StudyDocument;
}

/** Record one done run per section of a finished study run; returns their ids in section order. */
export function recordSectionRuns(store: ProjectStore, studyRun: RunRecord): number[] {
  const doc = studyDocumentOf(store, studyRun.id);
  return doc.sections.map((s) => {
    const m = doc.provenance.models.find((x) => x.label === s.model);
    const run = store.runs.create({
      kind: STUDY_SECTION_RUN_KIND,
      params: { studyRunId: studyRun.id, section: s.kind, model: s.model, title: s.title },
      modelHash: m?.contentHash,
      datasetHash: m?.datasetHash,
      backend: studyRun.backend ?? doc.provenance.backend.name,
    });
    store.runs.markRunning(run.id);
    store.runs.complete(run.id, [{ name: s.kind, summary: s as unknown as Json }]);
    return run.id;
  });
}

/** The section runs recorded for a study run. */
export function sectionRunsOf(store: ProjectStore, studyRunId: number): RunRecord[] {
  return store.runs
    .list({ kind: STUDY_SECTION_RUN_KIND })
    .filter((r) => (r.params as { studyRunId?: number } | null)?.studyRunId === studyRunId)
    .sort((a, b) => a.id - b.id);
}
