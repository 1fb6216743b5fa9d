/**
 * The services the app runs on, built in one place for both the Electron main process and
 * `npm run serve`: the model given (or the bundled default when it exists), registered in the
 * project that opens (the given file, or default.cwb in the data folder), and the job runner.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { modelDisplayName } from '../loader/hfCache';
import { resolveHubModel } from '../loader/hub';
import { workbenchJobRegistry } from '../jobs/handlers';
import { openModel, type ModelSession } from '../services/modelSession';
import { toHfConfig } from '../engine/config';
import { materialiseProjectModel } from '../editing/materialise';
import { ApiError } from '../../shared/api/errors';
import { BUNDLED_RECIPES } from '../training/defaultRecipe';
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
  /** Environment for Hugging Face lookups by model.add (HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export interface DefaultServices extends Services {
  /** Close the project (cancelling its jobs) before the process exits. */
  shutdown(): Promise<void>;
}

export function bundledModelDir(resourcesDir: string): string | undefined {
  const dir = join(resourcesDir, 'default-model');
  return existsSync(join(dir, 'config.json')) ? dir : undefined;
}

/** Every bundled model folder present under `resourcesDir` (BUNDLED_RECIPES names them), except `except`. */
async function bundledModelRecords(resourcesDir: string | undefined, except: string | undefined): Promise<LoadedModelRecord[]> {
  if (!resourcesDir) return [];
  const records: LoadedModelRecord[] = [];
  for (const name of Object.keys(BUNDLED_RECIPES)) {
    const dir = join(resourcesDir, name);
    if (!existsSync(join(dir, 'config.json')) || (except && resolve(dir) === resolve(except))) continue;
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    records.push({ name, dir, contentHash: await modelContentHash(dir), config });
  }
  return records;
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
    const bundledModels = options.seedDefaultProject ? await bundledModelRecords(options.resourcesDir, modelDir) : [];
    projects = new ProjectManager({ dataDir: options.dataDir, registry: workbenchJobRegistry(), appVersion: options.appVersion, model, seedDefaultProject: options.seedDefaultProject, bundledModels });
    const opened = await projects.openOrCreate(options.projectFile);
    log(`Project: ${opened.path}`);
  }
  const dataDir = options.dataDir;
  /** Make `next` the loaded model (the previous one is disposed) and tell the project which it is. */
  const use = (next: ModelSession, dir: string, contentHash: string): void => {
    const previous = session;
    session = next;
    parts = sessionParts(next);
    projects?.useModel({ name: next.name, dir, contentHash, config: toHfConfig(next.config) });
    previous?.model.dispose();
    log(`Loaded ${next.name} from ${dir}.`);
  };
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
          use({ ...(await openModel(dir)), name: record.name }, dir, record.contentHash);
          report(1, `Loaded ${record.name}`);
        },
        async add(source, report, signal) {
          const project = projects?.current();
          if (!projects || !project) throw new ApiError('not_available', 'No project is open.');
          report(0, `Finding ${'path' in source ? source.path : source.id}`);
          const found =
            'path' in source
              ? { dir: resolve(source.path), name: modelDisplayName(source.path) }
              : await resolveHubModel(source.id, { download: source.download, signal, env: options.env, onProgress: (p) => report(0.8 * p.fraction, `Downloading ${p.file}`) });
          if (signal.aborted) throw new ApiError('cancelled', `adding ${found.name} was cancelled`);
          report(0.8, `Loading ${found.name}`);
          const next: ModelSession = { ...(await openModel(found.dir)), name: found.name };
          const contentHash = await modelContentHash(found.dir);
          // One record per content hash: adding the same weights again loads the existing entry.
          const record = project.store.models.findByHash(contentHash)[0] ?? project.store.models.add({ name: found.name, path: found.dir, contentHash, config: toHfConfig(next.config) as never });
          use({ ...next, name: record.name }, found.dir, contentHash);
          report(1, `Loaded ${record.name}`);
          return record.id;
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
