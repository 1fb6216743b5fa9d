/**
 * `npm run serve`: the full workbench in a browser. Binds 127.0.0.1 unless --host says
 * otherwise, prints the address with a fresh access token, serves out/renderer, opens the
 * project given (created when missing) or the default project in the data folder.
 *   tsx src/server/index.ts [--host 127.0.0.1] [--port 5780] [--renderer out/renderer] [--model DIR]
 *                           [--project FILE.cwb] [--data-dir DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultServices } from '../main/api/defaultServices';
import { ApiRouter } from '../main/api/router';
import { startServer } from './server';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Where the served workbench keeps recent.json and default.cwb (XDG on Linux, ~/.circuit-workbench elsewhere). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.CWB_DATA_DIR) return resolve(env.CWB_DATA_DIR);
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'circuit-workbench');
  return join(home, '.circuit-workbench');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5780' },
      renderer: { type: 'string', default: 'out/renderer' },
      model: { type: 'string' },
      project: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  const rendererDir = resolve(values.renderer);
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: build the renderer first (npm run build)`);
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const services = await createDefaultServices({
    appVersion: pkg.version,
    modelDir: values.model,
    resourcesDir: resolve('resources'),
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
    projectFile: values.project ? resolve(values.project) : undefined,
    seedDefaultProject: true,
  });
  const server = await startServer({ router: new ApiRouter(services), rendererDir, host: values.host, port });
  if (!LOOPBACK.has(server.host)) {
    console.warn(`warning: listening on ${server.host}: anyone who can reach this address and has the token can drive the workbench`);
  }
  console.log(`Circuit Workbench is serving ${rendererDir}`);
  console.log(`Open ${server.url}`);
  const stop = (): void => {
    void server
      .close()
      .then(() => services.shutdown())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error(`serve: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
