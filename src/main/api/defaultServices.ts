/**
 * The services the app runs on, built in one place for both the Electron main process and
 * `npm run serve`: the model given (or the bundled default when it exists). The project store
 * and jobs plug in here as they land.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openModel } from '../services/modelSession';
import { createServices } from './createServices';
import type { Services } from './services';
import { sessionParts } from './sessionAdapter';

export interface DefaultServiceOptions {
  appVersion: string;
  /** A model folder (HF layout) to load; otherwise `resourcesDir/default-model` if present. */
  modelDir?: string;
  /** The app's resources folder (repo `resources/`, or process.resourcesPath/resources when packaged). */
  resourcesDir?: string;
  log?: (line: string) => void;
}

export function bundledModelDir(resourcesDir: string): string | undefined {
  const dir = join(resourcesDir, 'default-model');
  return existsSync(join(dir, 'config.json')) ? dir : undefined;
}

export async function createDefaultServices(options: DefaultServiceOptions): Promise<Services> {
  const log = options.log ?? console.log;
  const modelDir = options.modelDir ?? (options.resourcesDir ? bundledModelDir(options.resourcesDir) : undefined);
  if (!modelDir) {
    log('No model given and no bundled default model found: starting without a model.');
    return createServices({ appVersion: options.appVersion });
  }
  const session = await openModel(modelDir);
  log(`Loaded ${session.name} (${session.parameterCount} parameters) on ${session.backend.name}.`);
  // TODO(store): pass `projects` once the project store exposes create/open/saveAs/recent/export.
  return createServices({ appVersion: options.appVersion, ...sessionParts(session) });
}
