/**
 * The wire protocol, identical over Electron IPC and WebSocket: tagged-union messages with
 * request ids, a `cancel` message, and `progress` messages streamed for a request until its
 * `result` or `error`. Both directions are parsed, never trusted.
 */
import { API_ERROR_CODES, ApiError, type ApiErrorPayload } from './errors';
import { ValidationError } from './schema';
import type { ProjectSummary } from './types';

export interface Progress {
  done: number;
  total: number;
  /** What is happening now, in plain words. */
  message?: string;
  /** The project run this request is following, once it has one (jobs on the project's runner). */
  runId?: number;
}

/** A project run's status or progress, pushed to every connection (every window and tab). */
export interface JobEventView {
  runId: number;
  kind: string;
  status?: 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
  /** 0..1 */
  fraction?: number;
  message?: string;
  error?: string | null;
}

export type ClientMessage =
  | { type: 'request'; id: string; op: string; params: unknown }
  | { type: 'cancel'; id: string };

/** Pushed by main without a request (e.g. the menu opened a project). */
export type AppEvent = { kind: 'project.changed'; project: ProjectSummary } | { kind: 'notice'; message: string } | { kind: 'job'; job: JobEventView };

export type ServerMessage =
  | { type: 'result'; id: string; result: unknown }
  | { type: 'error'; id: string | null; error: ApiErrorPayload }
  | { type: 'progress'; id: string; progress: Progress }
  | { type: 'event'; event: AppEvent };

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Largest message either side accepts. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

function record(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApiError('invalid_request', `${what} must be a JSON object`, 'message');
  }
  return raw as Record<string, unknown>;
}

function requestId(m: Record<string, unknown>): string {
  const id = m.id;
  if (typeof id !== 'string' || !REQUEST_ID_PATTERN.test(id)) {
    throw new ApiError('invalid_request', 'message.id must be 1 to 64 letters, digits or _.:-', 'message.id');
  }
  return id;
}

function onlyKeys(m: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(m)) {
    if (!allowed.includes(key)) {
      throw new ApiError('invalid_request', `message.${key} is not a known field (expected ${allowed.join(', ')})`, `message.${key}`);
    }
  }
}

/** The id of a message if it has a well-formed one, so an error reply can be addressed. */
export function peekRequestId(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as Record<string, unknown>).id;
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : null;
}

/** Parse a message from a client; throws ApiError('invalid_request') naming the bad field. */
export function parseClientMessage(raw: unknown): ClientMessage {
  const m = record(raw, 'message');
  if (m.type === 'request') {
    onlyKeys(m, ['type', 'id', 'op', 'params']);
    const id = requestId(m);
    if (typeof m.op !== 'string' || m.op.length === 0 || m.op.length > 100) {
      throw new ApiError('invalid_request', 'message.op must be an operation name', 'message.op');
    }
    return { type: 'request', id, op: m.op, params: m.params };
  }
  if (m.type === 'cancel') {
    onlyKeys(m, ['type', 'id']);
    return { type: 'cancel', id: requestId(m) };
  }
  throw new ApiError('invalid_request', `message.type must be "request" or "cancel", got ${JSON.stringify(m.type) ?? 'nothing'}`, 'message.type');
}

function parseErrorPayload(raw: unknown): ApiErrorPayload {
  const e = record(raw, 'error');
  const code = e.code as ApiErrorPayload['code'];
  if (!API_ERROR_CODES.includes(code) || typeof e.message !== 'string') {
    throw new ApiError('transport', 'malformed error from the server');
  }
  return typeof e.path === 'string' ? { code, message: e.message, path: e.path } : { code, message: e.message };
}

/** Parse a message from main or the server (the client trusts nothing either). */
export function parseServerMessage(raw: unknown): ServerMessage {
  const m = record(raw, 'server message');
  switch (m.type) {
    case 'result':
      return { type: 'result', id: requestId(m), result: m.result };
    case 'error':
      return { type: 'error', id: m.id === null ? null : requestId(m), error: parseErrorPayload(m.error) };
    case 'progress': {
      const p = record(m.progress, 'progress');
      if (typeof p.done !== 'number' || typeof p.total !== 'number') throw new ApiError('transport', 'malformed progress from the server');
      const progress: Progress = { done: p.done, total: p.total };
      if (typeof p.message === 'string') progress.message = p.message;
      if (typeof p.runId === 'number' && Number.isSafeInteger(p.runId)) progress.runId = p.runId;
      return { type: 'progress', id: requestId(m), progress };
    }
    case 'event':
      return { type: 'event', event: record(m.event, 'event') as AppEvent };
    default:
      throw new ApiError('transport', `unknown server message type ${JSON.stringify(m.type)}`);
  }
}

/** Turn a schema ValidationError into the API's error, prefixed with the operation. */
export function invalidParams(op: string, error: ValidationError): ApiError {
  return new ApiError('invalid_request', `${op}: ${error.message}`, error.path);
}
