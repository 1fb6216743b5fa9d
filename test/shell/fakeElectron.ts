/**
 * Fakes of the Electron objects the shell uses, recording what the shell does with them.
 * They implement the shell's own interfaces (src/main/shell/electronApi.ts), which the real
 * electron module is type-checked against in src/main/index.ts.
 */
import type {
  BrowserWindowLike,
  DialogLike,
  ElectronApi,
  IpcEventLike,
  MenuItemSpec,
  PermissionSessionLike,
  PreventableEvent,
  ProtocolLike,
  ShellLike,
  WebContentsLike,
  WebFrameLike,
  WindowOptionsSpec,
} from '../../src/main/shell/electronApi';

type Listener = (...args: never[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }
}

export class FakeEvent implements PreventableEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextContentsId = 1;

export class FakeWebContents extends Emitter implements WebContentsLike {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends Emitter implements BrowserWindowLike {
  static readonly created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: { url?: string } = {};
  shown = false;
  constructor(readonly options: WindowOptionsSpec) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.created;
  }
  static getFocusedWindow(): FakeBrowserWindow | null {
    return FakeBrowserWindow.created[0] ?? null;
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = { url };
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return false;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, ((event: IpcEventLike, ...args: unknown[]) => void)[]>();
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): this {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), listener]);
    return this;
  }
  /** Deliver a message as if `frame` inside `sender` had sent it. */
  emit(channel: string, sender: WebContentsLike, frame: WebFrameLike | null, ...args: unknown[]): void {
    for (const h of this.handlers.get(channel) ?? []) h({ sender, senderFrame: frame }, ...args);
  }
}

export class FakeApp extends Emitter {
  quitCalled = false;
  readonly recent: string[] = [];
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalled = true;
  }
  addRecentDocument(path: string): void {
    this.recent.push(path);
  }
}

export class FakeDialog implements DialogLike {
  nextOpen: string[] = [];
  nextSave: string | undefined;
  readonly errors: { title: string; content: string }[] = [];
  async showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    return { canceled: this.nextOpen.length === 0, filePaths: this.nextOpen };
  }
  async showSaveDialog(): Promise<{ canceled: boolean; filePath?: string }> {
    return { canceled: this.nextSave === undefined, filePath: this.nextSave };
  }
  showErrorBox(title: string, content: string): void {
    this.errors.push({ title, content });
  }
}

export class FakeShell implements ShellLike {
  readonly opened: string[] = [];
  /** What openPath answers ('' = opened). */
  answer = '';
  async openPath(path: string): Promise<string> {
    this.opened.push(path);
    return this.answer;
  }
}

export class FakeSession implements PermissionSessionLike {
  permissionHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  headersListener: Parameters<PermissionSessionLike['webRequest']['onHeadersReceived']>[0] | undefined;
  checkHandler: ((contents: unknown, permission: string) => boolean) | undefined;
  deviceHandler: ((details: { deviceType: string }) => boolean) | undefined;
  setPermissionRequestHandler(handler: NonNullable<FakeSession['permissionHandler']>): void {
    this.permissionHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<FakeSession['checkHandler']>): void {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: NonNullable<FakeSession['deviceHandler']>): void {
    this.deviceHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: NonNullable<FakeSession['headersListener']>): void => {
      this.headersListener = listener;
    },
  };
}

export class FakeProtocol implements ProtocolLike {
  readonly privileged: Parameters<ProtocolLike['registerSchemesAsPrivileged']>[0] = [];
  readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  registerSchemesAsPrivileged(schemes: Parameters<ProtocolLike['registerSchemesAsPrivileged']>[0]): void {
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    this.handlers.set(scheme, handler);
  }
}

export interface FakeElectron extends ElectronApi {
  protocol: FakeProtocol;
  app: FakeApp;
  ipcMain: FakeIpcMain;
  dialog: FakeDialog;
  shell: FakeShell;
  session: { defaultSession: FakeSession };
  menus: MenuItemSpec[][];
}

export function fakeElectron(): FakeElectron {
  FakeBrowserWindow.created.length = 0;
  const menus: MenuItemSpec[][] = [];
  return {
    app: new FakeApp(),
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    Menu: {
      buildFromTemplate: (template: MenuItemSpec[]) => template,
      setApplicationMenu: (menu: unknown) => void menus.push(menu as MenuItemSpec[]),
    },
    dialog: new FakeDialog(),
    shell: new FakeShell(),
    session: { defaultSession: new FakeSession() },
    protocol: new FakeProtocol(),
    menus,
  };
}
