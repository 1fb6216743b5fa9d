/** The handler signature and the context every handler receives. */
import type { OpName, ParamsOf, ResultOf } from '../../../shared/api/operations';
import type { Progress } from '../../../shared/api/protocol';
import type { Services } from '../services';

export interface HandlerContext {
  services: Services;
  /** Aborted when the caller cancels or disconnects; long handlers check it between steps. */
  signal: AbortSignal;
  progress(progress: Progress): void;
}

export type Handler<K extends OpName> = (params: ParamsOf<K>, ctx: HandlerContext) => Promise<ResultOf<K>>;

/** One handler per operation: a missing one is a compile error. */
export type HandlerTable = { [K in OpName]: Handler<K> };
