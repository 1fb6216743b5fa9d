/**
 * What the File menu does: ask for a path with a native dialog, then call the same API operation
 * the renderer would. Success tells every window (project.changed) and refreshes Open Recent;
 * failure is shown in a dialog in plain words.
 */
import { ApiError, plainMessage } from '../../shared/api/errors';
import type { OpName } from '../../shared/api/operations';
import type { ProjectSummary } from '../../shared/api/types';
import type { ApiRouter } from '../api/router';
import type { AppLike, DialogLike, FileFilter } from './electronApi';
import type { MenuActions } from './menu';

const PROJECT_FILES: FileFilter[] = [{ name: 'Circuit Workbench project', extensions: ['cwb'] }];
const JSON_FILES: FileFilter[] = [{ name: 'JSON', extensions: ['json'] }];

export interface MenuActionDeps {
  router: ApiRouter;
  dialog: DialogLike;
  app: Pick<AppLike, 'addRecentDocument'>;
  /** Rebuild the menu (Open Recent changed). */
  refreshMenu: () => void;
}

export function createMenuActions({ router, dialog, app, refreshMenu }: MenuActionDeps): MenuActions & { settled: () => Promise<void> } {
  let last: Promise<void> = Promise.resolve();

  const failed = (title: string, error: unknown): void => {
    if (error instanceof ApiError && error.code === 'cancelled') return;
    dialog.showErrorBox(title, plainMessage(error));
  };

  const switchTo = (op: Extract<OpName, 'project.create' | 'project.open' | 'project.saveAs'>, path: string, title: string): Promise<void> =>
    router.invoke(op, { path }).then(
      (project: ProjectSummary) => {
        app.addRecentDocument(project.path);
        router.broadcast({ kind: 'project.changed', project });
        refreshMenu();
      },
      (error: unknown) => failed(title, error),
    );

  // Each action runs to completion before the next starts: two dialogs never race.
  const run = (task: () => Promise<void>): void => {
    last = last.then(task, task);
  };

  return {
    newProject: () =>
      run(async () => {
        const chosen = await dialog.showSaveDialog({ title: 'New project', defaultPath: 'untitled.cwb', filters: PROJECT_FILES });
        if (!chosen.canceled && chosen.filePath) await switchTo('project.create', chosen.filePath, 'Could not create the project');
      }),
    openProject: () =>
      run(async () => {
        const chosen = await dialog.showOpenDialog({ title: 'Open project', properties: ['openFile'], filters: PROJECT_FILES });
        if (!chosen.canceled && chosen.filePaths[0]) await switchTo('project.open', chosen.filePaths[0], 'Could not open the project');
      }),
    openRecent: (path) => run(() => switchTo('project.open', path, 'Could not open the project')),
    saveProjectAs: () =>
      run(async () => {
        const chosen = await dialog.showSaveDialog({ title: 'Save project as', filters: PROJECT_FILES });
        if (!chosen.canceled && chosen.filePath) await switchTo('project.saveAs', chosen.filePath, 'Could not save the project');
      }),
    exportProject: () =>
      run(async () => {
        const chosen = await dialog.showSaveDialog({ title: 'Export project', defaultPath: 'project.json', filters: JSON_FILES });
        if (chosen.canceled || !chosen.filePath) return;
        await router.invoke('project.export', { path: chosen.filePath, format: 'json' }).then(
          () => undefined,
          (error: unknown) => failed('Could not export the project', error),
        );
      }),
    settled: () => last,
  };
}

/** The Open Recent list, or none when the store cannot say (not wired in yet). */
export async function recentProjects(router: ApiRouter): Promise<ProjectSummary[]> {
  try {
    return (await router.invoke('project.recent', {})).projects;
  } catch {
    return [];
  }
}
