/** Errors of the job runner. */

/** Thrown inside a handler (by ctx.throwIfCancelled / ctx.signal.throwIfAborted) once its job is cancelled. */
export class JobCancelledError extends Error {
  constructor(readonly runId: number) {
    super(`run ${runId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

export class UnknownJobKindError extends Error {
  constructor(kind: string, known: string[]) {
    super(`no job handler is registered for kind "${kind}" (registered: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownJobKindError';
  }
}

export class JobStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobStateError';
  }
}
