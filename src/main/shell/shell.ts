/**
 * The Electron shell: hardening, the API over IPC, the menu and the main window, wired against
 * an injected `electron` module so all of it runs under test without the Electron binary.
 */
import { contentSecurityPolicy } from '../../shared/api/csp';
import type { ApiRouter } from '../api/router';
import type { BrowserWindowLike, ElectronApi } from './electronApi';
import { denyAllPermissions, enforceCsp, hardenWebContents } from './harden';
import { registerApiIpc, type IpcRegistration } from './ipc';
import { buildMenuTemplate } from './menu';
import { createMenuActions, recentProjects } from './menuActions';
import { APP_SCHEME, appProtocolHandler } from './appProtocol';
import { rendererUrl, type RendererLocation } from './rendererLocation';
import { mainWindowOptions } from './windowOptions';
import { studyReportOpener } from './studyReportOpener';

export interface ShellOptions {
  router: ApiRouter;
  preloadPath: string;
  renderer: RendererLocation;
  platform: string;
  /** Development run (not packaged): DevTools and their menu item are available. */
  devTools: boolean;
}

export interface Shell {
  ipc: IpcRegistration;
  createWindow(): Promise<BrowserWindowLike>;
  refreshMenu(): Promise<void>;
  menuActions: ReturnType<typeof createMenuActions>;
  studyReports: ReturnType<typeof studyReportOpener>;
}

export async function startShell(electron: ElectronApi, options: ShellOptions): Promise<Shell> {
  const { app, BrowserWindow, Menu, dialog, ipcMain, session, protocol, shell } = electron;
  const studyReports = studyReportOpener(options.router, shell, dialog);

  // Every web contents, including any the app did not mean to create, is locked down.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  if (options.renderer.kind === 'app') protocol.handle(APP_SCHEME, appProtocolHandler(options.renderer.root));
  if (options.renderer.kind === 'url') enforceCsp(session.defaultSession, contentSecurityPolicy({ delivery: 'header', dev: true }));

  const ipc = registerApiIpc(ipcMain, options.router, options.renderer);

  const refreshMenu = async (): Promise<void> => {
    const recent = await recentProjects(options.router);
    Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(menuActions, recent, options.platform, options.devTools)));
  };
  const menuActions = createMenuActions({ router: options.router, dialog, app, refreshMenu: () => void refreshMenu() });
  await refreshMenu();

  const createWindow = async (): Promise<BrowserWindowLike> => {
    const window = new BrowserWindow(mainWindowOptions(options.preloadPath, options.devTools));
    hardenWebContents(window.webContents, (url) => void studyReports.open(url));
    window.once('ready-to-show', () => window.show());
    await window.loadURL(rendererUrl(options.renderer));
    return window;
  };

  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });

  await createWindow();
  return { ipc, createWindow, refreshMenu, menuActions, studyReports };
}
