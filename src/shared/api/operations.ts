/**
 * The operation table: every API operation declared once, with its params schema and result type.
 * Adding an operation = one entry here + one handler in src/main/api/handlers (the handler table
 * is typed so that a missing handler is a compile error). Preload methods, client calls and the
 * validation tests are all derived from this table.
 */
import { integer, object, oneOf, optional, string, type AnySchema, type Infer, type ObjectSchema } from './schema';
import type {
  AppInfo,
  EchoResult,
  ExportResult,
  ModelInfo,
  PredictResult,
  ProjectSummary,
  RecentProjects,
  SleepResult,
} from './types';

/** A phantom carrier for the result type (no runtime value needed). */
export interface ResultType<R> {
  readonly __result?: R;
}
const returns = <R>(): ResultType<R> => ({});

export interface OperationSpec<P extends ObjectSchema<Record<string, AnySchema>>, R> {
  /** 'call': answers quickly. 'job': long-running, streams progress, shown in the jobs panel. */
  kind: 'call' | 'job';
  summary: string;
  params: P;
  result: ResultType<R>;
}

const path = string({ min: 1, max: 4096 });
const empty = object({});

export const operations = {
  'app.info': {
    kind: 'call',
    summary: 'App version, the live backend and memory use.',
    params: empty,
    result: returns<AppInfo>(),
  },
  'model.info': {
    kind: 'call',
    summary: 'The loaded model: configuration and parameter count.',
    params: empty,
    result: returns<ModelInfo>(),
  },
  'model.predict': {
    kind: 'call',
    summary: 'The top-k next tokens for a prompt.',
    params: object({ prompt: string({ min: 1, max: 20_000 }), topK: optional(integer({ min: 1, max: 100 })) }),
    result: returns<PredictResult>(),
  },
  'project.create': {
    kind: 'call',
    summary: 'Create a new project file and make it current.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.open': {
    kind: 'call',
    summary: 'Open a project file and make it current.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.saveAs': {
    kind: 'call',
    summary: 'Copy the current project to a new file and continue there.',
    params: object({ path }),
    result: returns<ProjectSummary>(),
  },
  'project.recent': {
    kind: 'call',
    summary: 'Recently opened projects, newest first.',
    params: empty,
    result: returns<RecentProjects>(),
  },
  'project.export': {
    kind: 'job',
    summary: 'Export the current project (JSON bundle).',
    params: object({ path, format: oneOf(['json'] as const) }),
    result: returns<ExportResult>(),
  },
  echo: {
    kind: 'call',
    summary: 'Returns its message (transport test).',
    params: object({ message: string({ max: 10_000 }) }),
    result: returns<EchoResult>(),
  },
  sleep: {
    kind: 'job',
    summary: 'Waits, reporting progress, until done or cancelled (cancellation test).',
    params: object({ ms: integer({ min: 0, max: 600_000 }), steps: optional(integer({ min: 1, max: 1000 })) }),
    result: returns<SleepResult>(),
  },
} as const satisfies Record<string, OperationSpec<ObjectSchema<Record<string, AnySchema>>, unknown>>;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type ParamsOf<K extends OpName> = Infer<Operations[K]['params']>;
export type ResultOf<K extends OpName> = Operations[K]['result'] extends ResultType<infer R> ? R : never;

export const OP_NAMES = Object.keys(operations) as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(operations, name);
}
