/**
 * The services the app runs on, built in one place for both the Electron main process and
 * `npm run serve`: the model given (or the bundled default when it exists), registered in the
 * project that opens (the given file, or default.cwb in the data folder), and the job runner.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workbenchJobRegistry } from '../jobs/handlers';
import { openModel, type ModelSession } from '../services/modelSession';
import { toHfConfig } from '../engine/config';
import { materialiseProjectModel } from '../editing/materialise';
import { ApiError } from '../../shared/api/errors';
import { createServices } from './createServices';
import { modelContentHash } from './project/modelHash';
import { ProjectManager, type LoadedModelRecord } from './project/projectManager';
import type { ModelSelection, Services } from './services';
import { sessionParts } from './sessionAdapter';

export interface DefaultServiceOptions {
  appVersion: string;
  /** A model folder (HF layout) to load; otherwise `resourcesDir/default-model` if present. */
  modelDir?: string;
  /** The app's resources folder (repo `resources/`, or process.resourcesPath/resources when packaged). */
  resourcesDir?: string;
  /** The app's data folder (recent projects, default project). Without it, no project service. */
  dataDir?: string;
  /** The project to open at start (created when missing); default: dataDir/default.cwb. */
  projectFile?: string;
  /** A newly created default project starts with one held-out dataset per task. */
  seedDefaultProject?: boolean;
  log?: (line: string) => void;
}

export interface DefaultServices extends Services {
  /** Close the project (cancelling its jobs) before the process exits. */
  shutdown(): Promise<void>;
}

export function bundledModelDir(resourcesDir: string): string | undefined {
  const dir = join(resourcesDir, 'default-model');
  return existsSync(join(dir, 'config.json')) ? dir : undefined;
}

export async function createDefaultServices(options: DefaultServiceOptions): Promise<DefaultServices> {
  const log = options.log ?? console.log;
  const modelDir = options.modelDir ?? (options.resourcesDir ? bundledModelDir(options.resourcesDir) : undefined);
  let parts: ReturnType<typeof sessionParts> | Record<string, never> = {};
  let model: LoadedModelRecord | null = null;
  let session: ModelSession | undefined;
  if (modelDir) {
    session = await openModel(modelDir);
    log(`Loaded ${session.name} (${session.parameterCount} parameters) on ${session.backend.name}.`);
    parts = sessionParts(session);
    model = { name: session.name, dir: session.dir, contentHash: await modelContentHash(session.dir), config: toHfConfig(session.config) };
  } else {
    log('No model given and no bundled default model found: starting without a model.');
  }
  let projects: ProjectManager | null = null;
  if (options.dataDir) {
    projects = new ProjectManager({ dataDir: options.dataDir, registry: workbenchJobRegistry(), appVersion: options.appVersion, model, seedDefaultProject: options.seedDefaultProject });
    const opened = await projects.openOrCreate(options.projectFile);
    log(`Project: ${opened.path}`);
  }
  const dataDir = options.dataDir;
  const selection: ModelSelection | null = dataDir
    ? {
        async select(modelId, report, signal) {
          const project = projects?.current();
          if (!projects || !project) throw new ApiError('not_available', 'No project is open.');
          const record = project.store.models.get(modelId);
          report(0, `Preparing ${record.name}`);
          const dir = await materialiseProjectModel(project.store, modelId, join(dataDir, 'edited-models'), { signal, onProgress: (f) => report(0.8 * f, `Exporting ${record.name}`) });
          if (signal.aborted) throw new ApiError('cancelled', `loading ${record.name} was cancelled`);
          report(0.8, `Loading ${record.name}`);
          const next: ModelSession = { ...(await openModel(dir)), name: record.name };
          const previous = session;
          session = next;
          parts = sessionParts(next);
          projects.useModel({ name: record.name, dir, contentHash: record.contentHash, config: toHfConfig(next.config) });
          previous?.model.dispose();
          log(`Loaded ${record.name} from ${dir}.`);
          report(1, `Loaded ${record.name}`);
        },
      }
    : null;
  // The parts are looked up on every call: model.select swaps them.
  const services = createServices({
    appVersion: options.appVersion,
    model: () => parts.model?.() ?? null,
    backend: () => parts.backend?.() ?? null,
    tensorMemory: () => parts.tensorMemory?.() ?? null,
    projects: () => projects,
    modelSelection: () => selection,
  });
  return { ...services, shutdown: async () => projects?.close() };
}
