/**
 * The parts of the `electron` module the shell uses, as structural interfaces. The real module
 * is passed in by src/main/index.ts (the compiler checks it fits); tests pass fakes, so the
 * wiring is tested without the Electron binary.
 */

export interface PreventableEvent {
  preventDefault(): void;
}

export interface WebFrameLike {
  readonly url: string;
  /** null for the top frame of a page. */
  readonly parent: WebFrameLike | null;
}

export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'did-start-navigation', listener: (event: unknown, url: string, isInPlace: boolean, isMainFrame: boolean) => void): unknown;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: WebFrameLike | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

export interface WebPreferencesSpec {
  preload: string;
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  nodeIntegrationInWorker: boolean;
  nodeIntegrationInSubFrames: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  webviewTag: boolean;
  spellcheck: boolean;
  /** Off in production builds: no DevTools at all, not only no menu item. */
  devTools: boolean;
}

export interface WindowOptionsSpec {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  backgroundColor: string;
  webPreferences: WebPreferencesSpec;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  isDestroyed(): boolean;
}

export interface BrowserWindowStatic {
  new (options: WindowOptionsSpec): BrowserWindowLike;
  getAllWindows(): BrowserWindowLike[];
  getFocusedWindow(): BrowserWindowLike | null;
}

export type MenuRole = 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll' | 'reload' | 'toggleDevTools' | 'resetZoom' | 'zoomIn' | 'zoomOut' | 'togglefullscreen' | 'quit' | 'close' | 'minimize' | 'about' | 'appMenu' | 'windowMenu';

export interface MenuItemSpec {
  label?: string;
  role?: MenuRole;
  type?: 'normal' | 'separator' | 'submenu';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

export interface MenuStatic {
  buildFromTemplate(template: MenuItemSpec[]): unknown;
  setApplicationMenu(menu: unknown): void;
}

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface DialogLike {
  showOpenDialog(options: { title: string; properties: 'openFile'[]; filters: FileFilter[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title: string; defaultPath?: string; filters: FileFilter[] }): Promise<{ canceled: boolean; filePath?: string }>;
  showErrorBox(title: string, content: string): void;
}

export interface AppLike {
  whenReady(): Promise<unknown>;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
  quit(): void;
  addRecentDocument(path: string): void;
}

export interface PermissionSessionLike {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: { deviceType: string }) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void,
    ): void;
  };
}

export interface ProtocolLike {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges: { standard: boolean; secure: boolean; supportFetchAPI: boolean } }[]): void;
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

/** Electron's `shell`: opens a file in the system's default application ('' on success, else the error). */
export interface ShellLike {
  openPath(path: string): Promise<string>;
}

export interface ElectronApi {
  app: AppLike;
  shell: ShellLike;
  BrowserWindow: BrowserWindowStatic;
  ipcMain: IpcMainLike;
  Menu: MenuStatic;
  dialog: DialogLike;
  session: { defaultSession: PermissionSessionLike };
  protocol: ProtocolLike;
}
