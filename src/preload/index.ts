/**
 * Preload (sandboxed, context-isolated): speaks the API protocol to main over one IPC channel and
 * exposes exactly one object, `window.api`. Page code never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { API_CHANNEL } from '../shared/api/channels';
import { ProtocolClient } from '../shared/api/client';
import { buildBridge } from './bridge';

const client = new ProtocolClient((message) => ipcRenderer.send(API_CHANNEL, message), 'ipc-');
ipcRenderer.on(API_CHANNEL, (_event, message: unknown) => client.receive(message));

contextBridge.exposeInMainWorld('api', buildBridge(client));
