/**
 * What every analysis/circuit job does first, inside its worker thread: open the model (its own
 * copy: workers share nothing), encode the dataset items, and map the analysis' unit progress
 * onto the job's [0, 1] progress after the load.
 */
import type { TaskItem } from '../../datasets/types';
import { encodeTaskItems, type PromptBatch } from '../../analysis/promptBatch';
import { promptMemoryBound } from '../../engine/promptLimit';
import { openModel, type ModelSession } from '../../services/modelSession';
import type { JobContext } from '../types';

/** Share of the progress bar spent loading the model. */
const LOAD_SHARE = 0.1;

export interface DatasetJobParams {
  /** Model folder (HF layout) the job runs on. */
  modelDir: string;
  /** The dataset's items, in order (copied into the run's params: the run records exactly what it saw). */
  items: TaskItem[];
}

export async function openJobModel(modelDir: string, ctx: JobContext): Promise<ModelSession> {
  ctx.progress(0, 'Loading the model');
  const session = await openModel(modelDir, { onProgress: (f) => ctx.progress(f * LOAD_SHARE, 'Loading the model') });
  ctx.throwIfCancelled();
  return session;
}

export function encodeItems(session: ModelSession, items: readonly TaskItem[]): PromptBatch {
  return encodeTaskItems(items, session.tokenizer, session.config, promptMemoryBound(session.config, session.backend));
}

/** An AnalysisOptions.onProgress that fills the rest of the bar, with a message. */
export function unitProgress(ctx: JobContext, message: string): (done: number, total: number) => void {
  return (done, total) => ctx.progress(LOAD_SHARE + (1 - LOAD_SHARE) * (total > 0 ? done / total : 0), `${message} (${done} of ${total})`);
}

/** Release the model's tensors when the job ends (the worker exits anyway; this keeps tests honest). */
export function closeJobModel(session: ModelSession): void {
  session.model.dispose();
}
