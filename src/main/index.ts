/**
 * Electron entry: build the services and hand the real `electron` module to the shell.
 * Everything testable lives in src/main/shell and src/main/api.
 */
import Database from 'better-sqlite3';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultServices } from './api/defaultServices';
import { ApiRouter } from './api/router';
import { APP_SCHEME_PRIVILEGES } from './shell/appProtocol';
import type { ElectronApi } from './shell/electronApi';
import { startShell } from './shell/shell';
import { sqliteStartupProblem } from './shell/sqliteCheck';
import { currentRuntime, electronSqliteBinding, sqliteNativeBinding, withSqliteBinding } from './store/sqliteBinding';

const here = dirname(fileURLToPath(import.meta.url)); // out/main

// Must happen before the app is ready (Electron refuses it later).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

async function main(): Promise<void> {
  const electron: ElectronApi = { app, BrowserWindow, dialog, ipcMain, Menu, session, protocol, shell };
  const runtime = currentRuntime();
  const problem = sqliteStartupProblem({
    runtime,
    packaged: app.isPackaged,
    binding: sqliteNativeBinding(runtime),
    expected: electronSqliteBinding(runtime),
    open: () => void new Database(':memory:', withSqliteBinding({})).close(),
  });
  if (problem) {
    dialog.showErrorBox('Circuit Workbench cannot open projects', problem);
    app.quit();
    return;
  }
  // Packaged: resources/ sits in process.resourcesPath (electron-builder extraResources); dev: the repo's.
  const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(here, '../../resources');
  const services = await createDefaultServices({
    appVersion: app.getVersion(),
    resourcesDir,
    modelDir: process.env.CWB_MODEL_DIR || undefined,
    dataDir: app.getPath('userData'),
    projectFile: process.env.CWB_PROJECT || undefined,
    seedDefaultProject: true,
  });
  app.on('will-quit', () => void services.shutdown());
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  await startShell(electron, {
    router: new ApiRouter(services),
    preloadPath: join(here, '../preload/index.cjs'),
    renderer: !app.isPackaged && devUrl ? { kind: 'url', url: devUrl } : { kind: 'app', root: join(here, '../renderer') },
    platform: process.platform,
    devTools: !app.isPackaged,
  });
}

main().catch((error: unknown) => {
  console.error('Circuit Workbench failed to start:', error);
  dialog.showErrorBox('Circuit Workbench failed to start', error instanceof Error ? error.message : String(error));
  app.quit();
});
