/**
 * Where the renderer page lives (the built file, or the dev server in `electron-vite dev`) and
 * the sender check derived from it: only the top frame of that page may talk to the API.
 */
import { pathToFileURL } from 'node:url';
import type { WebFrameLike } from './electronApi';

export type RendererLocation = { kind: 'file'; path: string } | { kind: 'url'; url: string };

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
  if (location.kind === 'file') {
    return url.protocol === 'file:' && withoutQueryOrHash(url) === withoutQueryOrHash(pathToFileURL(location.path));
  }
  return url.origin === new URL(location.url).origin;
}
