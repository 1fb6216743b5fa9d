/**
 * Job kinds -> handler modules. Handlers are named by module URL (not passed as functions)
 * because they run in a worker thread, which imports the module itself.
 */
import { UnknownJobKindError } from './errors';

export interface HandlerRef {
  /** File URL of an ES module whose `exportName` export is a JobHandler. */
  module: string;
  exportName: string;
}

export class JobRegistry {
  private readonly handlers = new Map<string, HandlerRef>();

  register(kind: string, module: URL | string, exportName = 'default'): this {
    if (!kind) throw new Error('job kind must be a non-empty string');
    if (this.handlers.has(kind)) throw new Error(`job kind "${kind}" is already registered`);
    this.handlers.set(kind, { module: String(module), exportName });
    return this;
  }

  has(kind: string): boolean {
    return this.handlers.has(kind);
  }

  get(kind: string): HandlerRef {
    const ref = this.handlers.get(kind);
    if (!ref) throw new UnknownJobKindError(kind, this.kinds());
    return ref;
  }

  kinds(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
