/**
 * The API over Electron IPC: one channel, one router connection per web contents. Messages from
 * any frame but the app's own top frame are dropped unanswered; payloads are parsed by the
 * router connection like any other transport's.
 */
import { API_CHANNEL } from '../../shared/api/channels';
import type { ApiConnection } from '../api/connection';
import type { ApiRouter } from '../api/router';
import type { IpcEventLike, IpcMainLike, WebContentsLike } from './electronApi';
import { isTrustedFrame, type RendererLocation } from './rendererLocation';

export interface IpcRegistration {
  /** How many messages were dropped for coming from an untrusted sender. */
  readonly rejected: number;
  readonly connections: number;
}

export function registerApiIpc(ipcMain: IpcMainLike, router: ApiRouter, location: RendererLocation): IpcRegistration {
  const connections = new Map<number, ApiConnection>();
  let rejected = 0;

  const connectionFor = (contents: WebContentsLike): ApiConnection => {
    let connection = connections.get(contents.id);
    if (!connection) {
      const created = router.connect((message) => {
        if (!contents.isDestroyed()) contents.send(API_CHANNEL, message);
      });
      connection = created;
      connections.set(contents.id, created);
      const drop = (): void => {
        connections.delete(contents.id);
        created.close();
      };
      contents.once('destroyed', drop);
      // A reload starts a new page: the old page's requests have nobody left to answer.
      contents.on('did-start-navigation', (_event, _url, isInPlace, isMainFrame) => {
        if (isMainFrame && !isInPlace && connections.get(contents.id) === created) drop();
      });
    }
    return connection;
  };

  ipcMain.on(API_CHANNEL, (event: IpcEventLike, ...args: unknown[]) => {
    if (!isTrustedFrame(event.senderFrame, location)) {
      rejected++;
      console.warn(`ipc: dropped a message from an untrusted frame (${event.senderFrame?.url ?? 'no frame'})`);
      return;
    }
    // Exactly one argument: the protocol message. Anything else is answered as malformed.
    connectionFor(event.sender).receive(args.length === 1 ? args[0] : { type: 'malformed', argumentCount: args.length });
  });

  return {
    get rejected() {
      return rejected;
    },
    get connections() {
      return connections.size;
    },
  };
}
