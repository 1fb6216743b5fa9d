/**
 * Where the renderer page lives (the built files behind the app:// protocol, or the dev server in
 * `electron-vite dev`) and the sender check derived from it: only the top frame of that page may
 * talk to the API.
 */
import { APP_ORIGIN } from './appProtocol';
import type { WebFrameLike } from './electronApi';

export type RendererLocation = { kind: 'app'; root: string } | { kind: 'url'; url: string };

/** The URL the main window loads. */
export function rendererUrl(location: RendererLocation): string {
  return location.kind === 'app' ? `${APP_ORIGIN}/index.html` : location.url;
}

function withoutQueryOrHash(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function isTrustedFrame(frame: WebFrameLike | null, location: RendererLocation): boolean {
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (location.kind === 'app') return withoutQueryOrHash(url) === withoutQueryOrHash(new URL(rendererUrl(location)));
  return url.origin === new URL(location.url).origin;
}
