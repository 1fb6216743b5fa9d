/** Progress reporting and cancellation shared by every analysis that can take more than a second. */

export interface AnalysisOptions {
  /** Called after each unit of work: `done` of `total` units (a unit is one batched run or one head). */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the analysis between units with an AbortError; tensors allocated so far are freed. */
  signal?: AbortSignal;
}

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

/** The error every cancelled analysis rejects with. */
export function cancelledError(): Error {
  const err = new Error('the analysis was cancelled');
  err.name = 'AbortError';
  return err;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

/** Counts units of work, reports them and checks for cancellation before each one. */
export class Progress {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly opts: AnalysisOptions,
  ) {}

  /** Check cancellation; call before starting a unit. */
  check(): void {
    throwIfAborted(this.opts.signal);
  }

  /** One unit finished. Yields to the event loop so an abort from a timer or a message can land. */
  async step(units = 1): Promise<void> {
    this.done += units;
    this.opts.onProgress?.(Math.min(this.done, this.total), this.total);
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(this.opts.signal);
  }
}
