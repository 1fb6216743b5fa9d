/** Deny navigation, new windows, webviews and permission prompts for every web contents. */
import type { PermissionSessionLike, WebContentsLike } from './electronApi';

/** `onWindowOpen` sees each refused window.open address (the main window's study-report links). */
export function hardenWebContents(contents: WebContentsLike, onWindowOpen?: (url: string) => void): void {
  // The app is one page: any navigation away (a dropped file, a link, a redirect) is refused.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    onWindowOpen?.(url);
    return { action: 'deny' };
  });
}

/** The app needs no camera, microphone, notification, USB, HID, serial or other permission: all are refused. */
export function denyAllPermissions(session: PermissionSessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** For dev-server pages only: the built page (app://) carries its CSP in a meta tag. */
export function enforceCsp(session: PermissionSessionLike, policy: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}
