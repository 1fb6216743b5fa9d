/** The main window's options: the Electron security checklist, in one reviewable object. */
import type { WindowOptionsSpec } from './electronApi';

export function mainWindowOptions(preloadPath: string, devTools: boolean): WindowOptionsSpec {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Circuit Workbench',
    // Shown on ready-to-show, so the window never flashes blank.
    show: false,
    backgroundColor: '#1e1f24',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools,
    },
  };
}
