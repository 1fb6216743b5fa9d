/**
 * Relays the open project's job events (status and progress of every run) to listeners, across
 * project switches, as the API's JobEventView: the router pushes them to every connection, so
 * every window and tab sees every job live.
 */
import type { JobEventView } from '../../../shared/api/protocol';
import type { JobEvent } from '../../jobs';
import type { OpenProject } from './openProject';

export type JobEventListener = (event: JobEventView) => void;

export class JobEventRelay {
  private readonly listeners = new Set<JobEventListener>();
  private detach: (() => void) | null = null;

  listen(listener: JobEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follow `project`'s runner from now on (null: none open). */
  follow(project: OpenProject | null): void {
    this.detach?.();
    this.detach = null;
    if (!project) return;
    const kinds = new Map<number, string>();
    const kindOf = (runId: number): string => {
      let kind = kinds.get(runId);
      if (kind === undefined) {
        try {
          kind = project.store.runs.get(runId).kind;
        } catch {
          kind = 'unknown';
        }
        kinds.set(runId, kind);
      }
      return kind;
    };
    this.detach = project.runner.onEvent((event: JobEvent) => {
      const view: JobEventView =
        event.type === 'status'
          ? { runId: event.runId, kind: kindOf(event.runId), status: event.status, ...(event.error !== undefined ? { error: event.error } : {}) }
          : { runId: event.runId, kind: kindOf(event.runId), fraction: event.fraction, ...(event.message !== undefined ? { message: event.message } : {}) };
      for (const listener of this.listeners) listener(view);
    });
  }
}
