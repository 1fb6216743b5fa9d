/**
 * A minimal stand-in for the `electron` module, for running the built main bundle under Node
 * (child_process.fork). It plays the renderer: messages from the parent process are delivered to
 * ipcMain as if the main window's top frame had sent them, and whatever main sends to the window
 * goes back to the parent. It also reports the window's URL, what the app:// protocol serves
 * there, and any error dialog.
 */
import { EventEmitter } from 'node:events';

const report = (message) => process.send?.(message);

// CWB_STANDIN_ELECTRON_VERSION plays the Electron runtime itself (process.versions.electron), as
// the store's choice of native build sees it.
if (process.env.CWB_STANDIN_ELECTRON_VERSION) {
  Object.defineProperty(process.versions, 'electron', { value: process.env.CWB_STANDIN_ELECTRON_VERSION, enumerable: true });
}

class WebContents extends EventEmitter {
  id = 1;
  send(channel, message) {
    report({ type: 'ipc', channel, message });
  }
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler() {}
}

const windows = [];
const protocolHandlers = new Map();
let apiListener;

export const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  whenReady: () => Promise.resolve(),
  getVersion: () => '0.0.0-standin',
  getPath: () => process.env.CWB_STANDIN_USER_DATA,
  quit: () => report({ type: 'quit' }),
  addRecentDocument() {},
});

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    windows.push(this);
  }
  static getAllWindows() {
    return windows;
  }
  static getFocusedWindow() {
    return windows[0] ?? null;
  }
  async loadURL(url) {
    this.url = url;
    const handler = protocolHandlers.get(new URL(url).protocol.slice(0, -1));
    const page = handler ? await handler(new Request(url)) : undefined;
    report({ type: 'ready', url, status: page?.status, html: page ? await page.text() : undefined, webPreferences: this.options.webPreferences });
  }
  show() {}
  isDestroyed() {
    return false;
  }
}

export const ipcMain = {
  on(_channel, listener) {
    apiListener = listener;
  },
};

export const Menu = { buildFromTemplate: (template) => template, setApplicationMenu() {} };

export const dialog = {
  showErrorBox: (title, content) => report({ type: 'errorBox', title, content }),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true }),
};

export const shell = {
  openPath: async (path) => {
    report({ type: 'openPath', path });
    return '';
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    setDevicePermissionHandler() {},
    webRequest: { onHeadersReceived() {} },
  },
};

export const protocol = {
  registerSchemesAsPrivileged() {},
  handle: (scheme, handler) => protocolHandlers.set(scheme, handler),
};

process.on('message', (message) => {
  const window = windows[0];
  apiListener?.({ sender: window.webContents, senderFrame: { url: window.url, parent: null } }, message);
});

export default { app, BrowserWindow, ipcMain, Menu, dialog, shell, session, protocol };
