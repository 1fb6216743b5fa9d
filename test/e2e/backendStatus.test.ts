/**
 * End to end: when a preferred backend is installed but failed to load, the status bar and
 * Diagnostics say so, with the loader's own error and the fix. The backend info is the real
 * selection's (tfjs-node-gpu's import made to fail) served by the real server to the built renderer.
 */
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/main/api/createServices';
import { ApiRouter } from '../../src/main/api/router';
import { selectBackend, type BackendInfo } from '../../src/main/engine/backend';
import { startServer, type RunningServer } from '../../src/server/server';
import { launchChromium } from '../helpers/browser';

const ROOT = resolve(import.meta.dirname, '../..');
const CUDA_ERROR = 'libcudnn.so.8: cannot open shared object file: No such file or directory';

let server: RunningServer;
let browser: Browser;
let backend: BackendInfo;

beforeAll(async () => {
  backend = await selectBackend(undefined, async (specifier) => {
    if (specifier === '@tensorflow/tfjs-node-gpu') throw Object.assign(new Error(CUDA_ERROR), { code: 'ERR_DLOPEN_FAILED' });
    return import(/* @vite-ignore */ specifier);
  });
  const { name, provider, gpu, failures } = backend;
  const router = new ApiRouter(createServices({ appVersion: '0.0.0-e2e', backend: () => ({ name, provider, gpu, failures }) }));
  server = await startServer({ router, rendererDir: resolve(ROOT, 'out/renderer'), port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('backend honesty in the workbench', () => {
  it('the status bar names the failed backend (reason in its tooltip) and Diagnostics gives the error and the fix', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const status = page.getByTestId('status-backend');
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('wasm · CPU · @tensorflow/tfjs-node-gpu failed');
    expect(await status.getAttribute('title')).toBe(`@tensorflow/tfjs-node-gpu failed to load: ${CUDA_ERROR}\nFix: ${backend.failures[0].fix}`);
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    const failure = page.getByTestId('diagnostics-backend-failure');
    await expect.poll(() => failure.textContent(), { timeout: 30_000 }).toContain(CUDA_ERROR);
    expect(await failure.textContent()).toBe(`@tensorflow/tfjs-node-gpu failed to load: ${CUDA_ERROR}Fix: ${backend.failures[0].fix}`);
    expect(await page.getByTestId('diagnostics-backend').textContent()).toBe('wasm (@tensorflow/tfjs-backend-wasm)');
    await page.close();
  });
});
