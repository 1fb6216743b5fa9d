/** The app:// protocol handler against real files: serves the renderer folder and nothing outside it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, appFilePath, appProtocolHandler } from '../../src/main/shell/appProtocol';

const base = mkdtempSync(join(tmpdir(), 'cwb-app-protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><p>workbench</p>');
writeFileSync(join(root, 'assets', 'main.js'), 'console.log(1)');
writeFileSync(join(base, 'secret.txt'), 'outside');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const handler = appProtocolHandler(root);

describe('app:// protocol', () => {
  it('is registered as a standard, secure scheme', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });

  it('serves files of the renderer folder with their content type', async () => {
    const page = await handler({ url: 'app://workbench/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<!doctype html><p>workbench</p>');
    const script = await handler({ url: 'app://workbench/assets/main.js?v=1' });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    expect(await (await handler({ url: 'app://workbench/' })).text()).toBe('<!doctype html><p>workbench</p>');
  });

  it('answers 404 for a missing file and 403 for another host or a path outside the folder', async () => {
    expect((await handler({ url: 'app://workbench/nope.js' })).status).toBe(404);
    for (const url of ['app://workbench/assets/..%2f..%2fsecret.txt', 'app://workbench/%2e%2e%2fsecret.txt', 'app://other/index.html', 'file:///etc/passwd', 'app://workbench/%E0%A4%A']) {
      expect(appFilePath(url, root), url).toBeUndefined();
      expect((await handler({ url })).status, url).toBe(403);
    }
  });

  it('keeps dot segments the URL parser resolves inside the folder', async () => {
    // `new URL` resolves /../ at the root to /, so these name renderer/secret.txt, which does not exist.
    for (const url of ['app://workbench/../secret.txt', 'app://workbench/%2e%2e/secret.txt']) {
      expect(appFilePath(url, root), url).toBe(join(root, 'secret.txt'));
      expect((await handler({ url })).status, url).toBe(404);
    }
  });
});
