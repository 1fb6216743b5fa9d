/**
 * The services the app runs on, built in one place for both the Electron main process and
 * `npm run serve`. The engine (default model), project store and jobs plug in here as they land.
 */
import { createServices } from './createServices';
import type { Services } from './services';

export interface DefaultServiceOptions {
  appVersion: string;
  /** A model folder to load instead of the bundled default. */
  modelDir?: string;
}

export async function createDefaultServices(options: DefaultServiceOptions): Promise<Services> {
  // TODO(engine): load options.modelDir (or the bundled default) with the engine's loadModel and
  // pass model/backend/tensorMemory via modelServiceFromEngine; TODO(store): pass projects.
  return createServices({ appVersion: options.appVersion });
}
