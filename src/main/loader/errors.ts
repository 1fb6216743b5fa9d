/** Every problem with a model directory or weight file surfaces as one error type that names the file. */
export class ModelLoadError extends Error {
  /** The file (or directory) the problem is in, as the caller passed it. */
  readonly file: string;
  /** The problem alone, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'ModelLoadError';
    this.file = file;
    this.problem = problem;
  }
}

/** Throw the signal's reason (an AbortError) when the caller cancelled. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
  }
}
