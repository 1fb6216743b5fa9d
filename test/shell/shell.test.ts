/** The Electron main-process wiring, driven through injected fakes (no Electron binary needed). */
import { beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/main/api/createServices';
import { ApiRouter } from '../../src/main/api/router';
import type { ProjectService } from '../../src/main/api/services';
import type { MenuItemSpec } from '../../src/main/shell/electronApi';
import { startShell, type Shell } from '../../src/main/shell/shell';
import { API_CHANNEL } from '../../src/shared/api/channels';
import type { ProjectSummary } from '../../src/shared/api/types';
import { fakeServices } from '../api/fakeServices';
import { FakeBrowserWindow, FakeEvent, fakeElectron, type FakeElectron } from './fakeElectron';

const RENDERER_ROOT = '/opt/cwb/out/renderer';
const PRELOAD = '/opt/cwb/out/preload/index.cjs';
const APP_URL = 'app://workbench/index.html';
const topFrame = (url: string) => ({ url, parent: null });

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
}

let electron: FakeElectron;
let shell: Shell;
let router: ApiRouter;

async function start(r = new ApiRouter(fakeServices()), platform = 'linux', devTools = false): Promise<void> {
  electron = fakeElectron();
  router = r;
  shell = await startShell(electron, { router, preloadPath: PRELOAD, renderer: { kind: 'app', root: RENDERER_ROOT }, platform, devTools });
}

function window(): FakeBrowserWindow {
  return FakeBrowserWindow.created[0];
}

function repliesTo(id: string): unknown[] {
  return window()
    .webContents.sent.filter((s) => s.channel === API_CHANNEL)
    .map((s) => s.args[0] as { id?: string })
    .filter((m) => m.id === id);
}

describe('main window', () => {
  beforeEach(() => start());

  it('is created with the security checklist options and the preload', () => {
    expect(FakeBrowserWindow.created).toHaveLength(1);
    const prefs = window().options.webPreferences;
    expect(prefs).toMatchObject({
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(window().options.show).toBe(false);
    expect(window().loaded).toEqual({ url: APP_URL });
    expect(electron.protocol.handlers.has('app')).toBe(true);
  });

  it('shows itself when ready', () => {
    expect(window().shown).toBe(false);
    window().emit('ready-to-show');
    expect(window().shown).toBe(true);
  });

  it('denies navigation, redirects, webviews and new windows', () => {
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = new FakeEvent();
      window().webContents.emit(event, e, 'https://example.com/');
      expect(e.defaultPrevented, event).toBe(true);
    }
    expect(window().webContents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it("hands a study-report link to the study-report opener (still no window): here no project is open, so it says so", async () => {
    expect(window().webContents.windowOpenHandler?.({ url: 'app://workbench/study-report/7/report.html' })).toEqual({ action: 'deny' });
    await shell.studyReports.settled();
    expect(electron.shell.opened).toEqual([]);
    expect(electron.dialog.errors).toEqual([{ title: 'Circuit Workbench cannot open the study report', content: '/study-report/7/report.html: No study run 7 in the open project' }]);
  });

  it('hardens web contents it did not create itself', () => {
    const other = new FakeBrowserWindow(window().options).webContents;
    electron.app.emit('web-contents-created', {}, other);
    const e = new FakeEvent();
    other.emit('will-navigate', e, 'https://example.com/');
    expect(e.defaultPrevented).toBe(true);
    expect(other.windowOpenHandler?.({ url: 'x' })).toEqual({ action: 'deny' });
  });

  it('refuses every permission request, permission check and device permission', () => {
    const answers: boolean[] = [];
    const session = electron.session.defaultSession;
    session.permissionHandler?.({}, 'media', (granted) => answers.push(granted));
    session.permissionHandler?.({}, 'notifications', (granted) => answers.push(granted));
    expect(answers).toEqual([false, false]);
    expect(session.checkHandler?.({}, 'media')).toBe(false);
    expect(session.checkHandler?.({}, 'clipboard-read')).toBe(false);
    for (const deviceType of ['hid', 'serial', 'usb']) expect(session.deviceHandler?.({ deviceType }), deviceType).toBe(false);
  });

  it('offers DevTools only in a development run: no menu item and webPreferences.devTools off otherwise', async () => {
    const viewRoles = (): string[] => electron.menus.at(-1)!.find((m) => m.label === 'View')!.submenu!.map((m) => m.role ?? m.type ?? '');
    expect(viewRoles()).not.toContain('toggleDevTools');
    expect(window().options.webPreferences.devTools).toBe(false);
    await start(undefined, 'linux', true);
    expect(viewRoles()).toContain('toggleDevTools');
    expect(window().options.webPreferences.devTools).toBe(true);
  });

  it('quits when the last window closes, except on macOS', async () => {
    electron.app.emit('window-all-closed');
    expect(electron.app.quitCalled).toBe(true);
    await start(undefined, 'darwin');
    electron.app.emit('window-all-closed');
    expect(electron.app.quitCalled).toBe(false);
  });
});

describe('IPC', () => {
  beforeEach(() => start());

  it('registers exactly one API channel', () => {
    expect([...electron.ipcMain.handlers.keys()]).toEqual([API_CHANNEL]);
    expect(electron.ipcMain.handlers.get(API_CHANNEL)).toHaveLength(1);
  });

  it('answers a request from the app page', async () => {
    electron.ipcMain.emit(API_CHANNEL, window().webContents, topFrame(APP_URL), { type: 'request', id: 'e1', op: 'echo', params: { message: 'hi' } });
    await flush();
    expect(repliesTo('e1')).toEqual([{ type: 'result', id: 'e1', result: { message: 'hi' } }]);
  });

  it('drops messages from other pages, subframes and unknown frames without running them', async () => {
    const bad = [
      topFrame('https://evil.example/index.html'),
      topFrame('file:///opt/cwb/out/renderer/index.html'),
      topFrame('app://other/index.html'),
      topFrame('app://workbench/other.html'),
      { url: APP_URL, parent: topFrame(APP_URL) },
      null,
    ];
    bad.forEach((frame, i) =>
      electron.ipcMain.emit(API_CHANNEL, window().webContents, frame, { type: 'request', id: `x${i}`, op: 'echo', params: { message: 'x' } }),
    );
    await flush();
    expect(window().webContents.sent).toEqual([]);
    expect(shell.ipc.rejected).toBe(bad.length);
    expect(shell.ipc.connections).toBe(0);
  });

  it('accepts the app page with a query or hash', async () => {
    electron.ipcMain.emit(API_CHANNEL, window().webContents, topFrame(`${APP_URL}?x=1#tab`), { type: 'request', id: 'q', op: 'echo', params: { message: '' } });
    await flush();
    expect(repliesTo('q')).toHaveLength(1);
  });

  it('rejects malformed payloads from the app page with precise errors', async () => {
    const wc = window().webContents;
    const frame = topFrame(APP_URL);
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'request', id: 'm1', op: 'model.predict', params: { prompt: 'x', topK: 'ten' } });
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'request', id: 'm2', op: 'fs.readFile', params: {} });
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'request', id: 'm3', op: 'echo', params: { message: 'x' } }, 'extra argument');
    electron.ipcMain.emit(API_CHANNEL, wc, frame, 'just a string');
    await flush();
    expect(repliesTo('m1')).toEqual([
      { type: 'error', id: 'm1', error: { code: 'invalid_request', message: 'model.predict: params.topK must be an integer from 1 to 100, got "ten"', path: 'params.topK' } },
    ]);
    expect(repliesTo('m2')).toMatchObject([{ type: 'error', error: { code: 'unknown_operation' } }]);
    expect(wc.sent.filter((s) => (s.args[0] as { id: unknown }).id === null)).toHaveLength(2);
  });

  it('cancels a job over IPC and aborts what a closed window left running', async () => {
    const wc = window().webContents;
    const frame = topFrame(APP_URL);
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'request', id: 's1', op: 'sleep', params: { ms: 60_000 } });
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'cancel', id: 's1' });
    await flush();
    expect(repliesTo('s1').at(-1)).toMatchObject({ type: 'error', error: { code: 'cancelled' } });
    electron.ipcMain.emit(API_CHANNEL, wc, frame, { type: 'request', id: 's2', op: 'sleep', params: { ms: 60_000 } });
    expect(router.connectionCount).toBe(1);
    wc.destroy();
    expect(router.connectionCount).toBe(0);
  });
});

describe('menu', () => {
  function fileMenu(): MenuItemSpec[] {
    const template = electron.menus.at(-1)!;
    return template.find((m) => m.label === 'File')!.submenu!;
  }
  const item = (label: string): MenuItemSpec => fileMenu().find((m) => m.label === label)!;

  it('has New, Open, Open Recent, Save As and Export', async () => {
    await start();
    expect(fileMenu().map((m) => m.label ?? m.role ?? m.type)).toEqual([
      'New Project…',
      'Open Project…',
      'Open Recent',
      'separator',
      'Save Project As…',
      'Export Project…',
      'separator',
      'quit',
    ]);
    expect(item('Open Recent').submenu).toEqual([{ label: 'No recent projects', enabled: false }]);
  });

  it('shows a plain error when the project store is not connected', async () => {
    await start();
    electron.dialog.nextOpen = ['/home/me/ioi.cwb'];
    item('Open Project…').click!();
    await shell.menuActions.settled();
    expect(electron.dialog.errors).toEqual([{ title: 'Could not open the project', content: 'Projects are not available yet: the project store is not connected.' }]);
  });

  it('opens through the API, tells the window, and lists the project under Open Recent', async () => {
    const opened: string[] = [];
    const recent: ProjectSummary[] = [];
    const projects: ProjectService = {
      create: async (path) => ({ path, name: 'new' }),
      open: async (path) => {
        opened.push(path);
        const summary = { path, name: 'ioi' };
        recent.unshift(summary);
        return summary;
      },
      saveAs: async (path) => ({ path, name: 'copy' }),
      recent: async () => recent,
      exportJson: async (path) => ({ path, bytes: 1 }),
      current: () => null,
    };
    const base = fakeServices();
    await start(new ApiRouter(createServices({ appVersion: '1', model: base.model, projects: () => projects })));
    // The window's page connects first, so it can receive events.
    electron.ipcMain.emit(API_CHANNEL, window().webContents, topFrame(APP_URL), { type: 'request', id: 'hello', op: 'echo', params: { message: '' } });
    electron.dialog.nextOpen = ['/home/me/ioi.cwb'];
    item('Open Project…').click!();
    await shell.menuActions.settled();
    await flush();
    expect(opened).toEqual(['/home/me/ioi.cwb']);
    expect(electron.dialog.errors).toEqual([]);
    expect(electron.app.recent).toEqual(['/home/me/ioi.cwb']);
    const events = window().webContents.sent.map((s) => s.args[0] as { type: string }).filter((m) => m.type === 'event');
    expect(events).toEqual([{ type: 'event', event: { kind: 'project.changed', project: { path: '/home/me/ioi.cwb', name: 'ioi' } } }]);
    expect(item('Open Recent').submenu!.map((m) => m.label)).toEqual(['ioi']);
  });

  it('does nothing when a dialog is cancelled', async () => {
    await start();
    item('New Project…').click!();
    item('Save Project As…').click!();
    item('Export Project…').click!();
    await shell.menuActions.settled();
    expect(electron.dialog.errors).toEqual([]);
  });
});

describe('dev server mode (electron-vite dev)', () => {
  it('loads the dev URL, trusts only its origin, and sends a CSP header', async () => {
    electron = fakeElectron();
    shell = await startShell(electron, {
      router: new ApiRouter(fakeServices()),
      preloadPath: PRELOAD,
      renderer: { kind: 'url', url: 'http://localhost:5173/' },
      platform: 'linux',
      devTools: true,
    });
    expect(window().loaded).toEqual({ url: 'http://localhost:5173/' });
    electron.ipcMain.emit(API_CHANNEL, window().webContents, topFrame('http://localhost:5173/index.html'), { type: 'request', id: 'd1', op: 'echo', params: { message: '' } });
    electron.ipcMain.emit(API_CHANNEL, window().webContents, topFrame('http://localhost:5174/'), { type: 'request', id: 'd2', op: 'echo', params: { message: '' } });
    await flush();
    expect(repliesTo('d1')).toHaveLength(1);
    expect(repliesTo('d2')).toHaveLength(0);
    let headers: Record<string, string[] | string> | undefined;
    electron.session.defaultSession.headersListener?.({ url: 'http://localhost:5173/', responseHeaders: { 'X-A': ['1'] } }, (r) => {
      headers = r.responseHeaders;
    });
    expect(headers?.['X-A']).toEqual(['1']);
    expect(String(headers?.['Content-Security-Policy'])).toContain("script-src 'self'");
  });
});
