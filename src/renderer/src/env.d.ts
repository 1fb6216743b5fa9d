/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { BridgeApi } from '../../shared/api/client';

declare global {
  interface Window {
    /** Present only inside Electron, exposed by the preload. */
    api?: BridgeApi;
  }
}
