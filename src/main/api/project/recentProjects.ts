/**
 * The recently opened projects, newest first, kept in `recent.json` in the app's data folder.
 * A missing or unreadable list is an empty one (it is a convenience, never worth failing over).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProjectSummary } from '../../../shared/api/types';

const MAX_RECENT = 10;

export class RecentProjects {
  constructor(private readonly file: string) {}

  list(): ProjectSummary[] {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (!Array.isArray(raw)) return [];
      return raw.filter((p): p is ProjectSummary => typeof p?.path === 'string' && typeof p?.name === 'string').slice(0, MAX_RECENT);
    } catch {
      return [];
    }
  }

  /** Put `project` first (once), keep the newest MAX_RECENT; written atomically. */
  add(project: ProjectSummary): void {
    const list = [project, ...this.list().filter((p) => p.path !== project.path)].slice(0, MAX_RECENT);
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}
