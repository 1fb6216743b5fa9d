/**
 * What the API does with a run's result once the run ends, besides storing it: an editing run
 * saves its edit and edited model, a discovery run that asked saves its circuit, a finished study
 * records one run per section. The handler that started the run does it through this table, and
 * so do a resumed run (run.resume) and a run again (run.rerun).
 */
import type { RunRecord } from '../../store';
import { EDITING_JOB_KINDS } from '../../jobs/handlers/editing';
import type { OpenProject } from '../project/openProject';
import { DISCOVERY_KINDS, saveDiscovered } from './discovery';
import { saveRunEdit } from './editing';
import { STUDY_JOB_KIND } from '../../study/plan';
import { recordSectionRuns } from '../../study/project';

type Finisher = (project: OpenProject, record: RunRecord) => void;

/** Built on first use: the handler modules import each other, so nothing is read at load time. */
let finishers: Map<string, Finisher> | undefined;

export function finishRun(project: OpenProject, record: RunRecord): void {
  finishers ??= new Map<string, Finisher>([
    ...Object.values(EDITING_JOB_KINDS).map((kind): [string, Finisher] => [kind, (p, r) => void saveRunEdit(p, r)]),
    ...DISCOVERY_KINDS.map((kind): [string, Finisher] => [kind, (p, r) => void saveDiscovered(p, r)]),
    [STUDY_JOB_KIND, (p, r) => void (p.store.runs.get(r.id)?.status === 'done' && recordSectionRuns(p.store, r))],
  ]);
  finishers.get(record.kind)?.(project, record);
}
