/**
 * A preferred backend that is installed but fails to load is reported, never skipped silently:
 * the live backend's info carries the loader's own error and the fix, through `info` (the real
 * CLI with the import of @tensorflow/tfjs-node-gpu made to fail) and app.info.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionParts } from '../../src/main/api/sessionAdapter';
import { describeBackend, selectBackend, type ModuleImporter } from '../../src/main/engine/backend';
import type { ModelSession } from '../../src/main/services/modelSession';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CUDA_ERROR = 'libcudart.so.11.0: cannot open shared object file: No such file or directory';

/** The real import, except that `failing` specifiers throw `error`. */
function importerFailing(failing: string[], error: () => Error): ModuleImporter {
  return async (specifier) => {
    if (failing.includes(specifier)) throw error();
    return import(/* @vite-ignore */ specifier);
  };
}

function dlopenError(): Error {
  return Object.assign(new Error(CUDA_ERROR), { code: 'ERR_DLOPEN_FAILED' });
}

describe('backend selection', () => {
  it('says nothing about preferred backends that are simply not installed', async () => {
    // Neither tfjs-node package installs on these machines: both imports fail as "not found".
    const info = await selectBackend(undefined);
    expect(info.name).toBe('wasm');
    expect(info.failures).toEqual([]);
  });

  it("reports an installed tfjs-node-gpu that fails to load, with the loader's error and the fix, and falls back", async () => {
    const info = await selectBackend(undefined, importerFailing(['@tensorflow/tfjs-node-gpu'], dlopenError));
    expect(info.name).toBe('wasm');
    expect(info.failures).toHaveLength(1);
    expect(info.failures[0]).toMatchObject({ provider: '@tensorflow/tfjs-node-gpu', error: CUDA_ERROR });
    expect(info.failures[0].fix).toMatch(/CUDA/);
    expect(info.failures[0].fix).toMatch(/uninstall @tensorflow\/tfjs-node-gpu/);
  });

  it('counts a missing file inside an installed package as a failure, not as "not installed"', async () => {
    const nested = (): Error =>
      Object.assign(new Error("Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"), { code: 'MODULE_NOT_FOUND' });
    const info = await selectBackend(undefined, importerFailing(['@tensorflow/tfjs-node'], nested));
    expect(info.failures.map((f) => f.provider)).toEqual(['@tensorflow/tfjs-node']);
    expect(info.failures[0].fix).toMatch(/npm rebuild @tensorflow\/tfjs-node/);
  });

  it('names every failure when a forced backend cannot start', async () => {
    await expect(selectBackend('tensorflow', importerFailing(['@tensorflow/tfjs-node-gpu'], dlopenError))).rejects.toThrow(
      `backend "tensorflow" (forced by CWB_BACKEND) could not start (@tensorflow/tfjs-node-gpu: ${CUDA_ERROR})`,
    );
  });

  it('passes the failures on to app.info and describes them for a person', async () => {
    const info = await selectBackend(undefined, importerFailing(['@tensorflow/tfjs-node-gpu'], dlopenError));
    const status = sessionParts({ backend: info } as unknown as ModelSession).backend!();
    expect(status).toEqual({ name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', gpu: false, failures: info.failures });
    expect(describeBackend(info)).toEqual([
      'wasm (@tensorflow/tfjs-backend-wasm)',
      `not used: @tensorflow/tfjs-node-gpu failed to load: ${CUDA_ERROR}`,
      `  fix: ${info.failures[0].fix}`,
    ]);
  });
});

describe('`info` with a broken tfjs-node-gpu', () => {
  it('names the live backend and why the preferred one failed, in text and JSON', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', path.join(ROOT, 'test/helpers/standins/register.mjs'), path.join(ROOT, 'bin/circuit-workbench.mjs'), ...args], {
        encoding: 'utf8',
        env: { ...process.env, CWB_BACKEND: '', CWB_STANDIN_MODULES: JSON.stringify({ '@tensorflow/tfjs-node-gpu': path.join(import.meta.dirname, 'fixtures/brokenTfjsNodeGpu.mjs') }) },
        timeout: 120_000,
      });
    const text = run(['info']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/backend {5}wasm \(@tensorflow\/tfjs-backend-wasm\)/);
    expect(text.stdout).toContain(`not used: @tensorflow/tfjs-node-gpu failed to load: ${CUDA_ERROR}`);
    expect(text.stdout).toMatch(/fix: It needs the CUDA and cuDNN versions/);
    const json = run(['info', '--json']);
    const data = JSON.parse(json.stdout) as { backend: { name: string; failures: { provider: string; error: string }[] } };
    expect(data.backend.name).toBe('wasm');
    expect(data.backend.failures).toEqual([expect.objectContaining({ provider: '@tensorflow/tfjs-node-gpu', error: CUDA_ERROR })]);
  });
});
