/** API errors as data: a code the UI can branch on and a message a person can read. */

export type ApiErrorCode =
  /** The message or its params failed validation; `path` names the field. */
  | 'invalid_request'
  | 'unknown_operation'
  /** The caller cancelled the request. */
  | 'cancelled'
  /** The service behind the operation is not loaded or not wired in yet. */
  | 'not_available'
  | 'not_found'
  /** A request id already in flight on this connection. */
  | 'conflict'
  /** The operation ran and failed; the message says why. */
  | 'failed'
  /** The connection to main or to the server broke. */
  | 'transport';

export const API_ERROR_CODES: readonly ApiErrorCode[] = [
  'invalid_request',
  'unknown_operation',
  'cancelled',
  'not_available',
  'not_found',
  'conflict',
  'failed',
  'transport',
];

export interface ApiErrorPayload {
  code: ApiErrorCode;
  message: string;
  /** For invalid_request: where in the message the problem is, e.g. "params.topK". */
  path?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toPayload(): ApiErrorPayload {
    return this.path === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, path: this.path };
  }

  static fromPayload(p: ApiErrorPayload): ApiError {
    return new ApiError(p.code, p.message, p.path);
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'cancelled';
}

/** One sentence for the jobs panel and dialogs: what happened, in plain words. */
export function plainMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'cancelled':
      return 'Cancelled.';
    case 'transport':
      return `Lost the connection to the workbench: ${error.message}`;
    case 'invalid_request':
      return `The request was not valid: ${error.message}`;
    case 'unknown_operation':
      return `The workbench does not know this operation: ${error.message}`;
    default:
      return error.message;
  }
}
