/** The application menu as data: File (New / Open / Open Recent / Save As / Export), Edit, View. */
import type { ProjectSummary } from '../../shared/api/types';
import type { MenuItemSpec } from './electronApi';

export interface MenuActions {
  newProject(): void;
  openProject(): void;
  openRecent(path: string): void;
  saveProjectAs(): void;
  exportProject(): void;
}

/** `devTools`: the DevTools item is offered in development only. */
export function buildMenuTemplate(actions: MenuActions, recent: ProjectSummary[], platform: string, devTools = false): MenuItemSpec[] {
  const recentItems: MenuItemSpec[] = recent.length
    ? recent.map((p) => ({ label: p.name, click: () => actions.openRecent(p.path) }))
    : [{ label: 'No recent projects', enabled: false }];
  const file: MenuItemSpec = {
    label: 'File',
    submenu: [
      { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: actions.newProject },
      { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: actions.openProject },
      { label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      { label: 'Save Project As…', accelerator: 'CmdOrCtrl+Shift+S', click: actions.saveProjectAs },
      { label: 'Export Project…', accelerator: 'CmdOrCtrl+E', click: actions.exportProject },
      { type: 'separator' },
      platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const edit: MenuItemSpec = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemSpec = {
    label: 'View',
    submenu: [{ role: 'reload' }, ...(devTools ? [{ role: 'toggleDevTools' } as MenuItemSpec] : []), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
  };
  const template = [file, edit, view, { role: 'windowMenu' } as MenuItemSpec];
  return platform === 'darwin' ? [{ role: 'appMenu' }, ...template] : template;
}
