/**
 * `npm run serve`: the full workbench in a browser. Binds 127.0.0.1 unless --host says
 * otherwise, prints the address with a one-time access token, serves out/renderer, opens the
 * project given (created when missing) or the default project in the data folder. File
 * operations stay inside the data folder, the project's folder and --allow-dir folders.
 *   tsx src/server/index.ts [--host 127.0.0.1] [--port 5780] [--renderer out/renderer]
 *                           [--model DIR|HF-ID [--download]] [--project FILE.cwb] [--data-dir DIR]
 *                           [--allow-dir DIR]... [--allow-host NAME]... [--tls-cert PEM --tls-key PEM]
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDefaultServices } from '../main/api/defaultServices';
import { handlers } from '../main/api/handlers';
import { ApiRouter } from '../main/api/router';
import { modelDirFromOptions } from '../cli/modelOption';
import { confineHandlers, FileConfinement } from './fileConfinement';
import { isLoopback } from './hostCheck';
import { startServer } from './server';

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
      download: { type: 'boolean' },
      'allow-dir': { type: 'string', multiple: true },
      'allow-host': { type: 'string', multiple: true },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  });
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new Error('--tls-cert and --tls-key go together (PEM certificate and its private key)');
  const tls = values['tls-cert'] && values['tls-key'] ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) } : undefined;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  const rendererDir = resolve(values.renderer);
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: build the renderer first (npm run build)`);
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir();
  const projectFile = values.project ? resolve(values.project) : undefined;
  const services = await createDefaultServices({
    appVersion: pkg.version,
    modelDir: values.model ? await modelDirFromOptions(values) : undefined,
    resourcesDir: resolve('resources'),
    dataDir,
    projectFile,
    seedDefaultProject: true,
  });
  const confinement = new FileConfinement([dataDir, ...(projectFile ? [dirname(projectFile)] : []), ...(values['allow-dir'] ?? [])]);
  const router = new ApiRouter(services, confineHandlers(handlers, confinement));
  const server = await startServer({ router, rendererDir, host: values.host, port, allowedHosts: values['allow-host'], tls });
  if (!isLoopback(server.host)) {
    console.warn(
      `warning: listening on ${server.host}, not loopback: whoever reaches this address and opens the link first drives the workbench` +
        (tls ? '.' : ', and over plain HTTP the link and the session can be read on the network: add --tls-cert and --tls-key.') +
        (['0.0.0.0', '::'].includes(server.host) ? ' Browsers must use a loopback name or one given with --allow-host NAME.' : ''),
    );
  }
  console.log(`File operations are confined to: ${confinement.roots.join(', ')}`);
  console.log(`Circuit Workbench is serving ${rendererDir}`);
  console.log(`Open ${server.url}  (the link works once: the browser that opens it gets the session)`);
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
