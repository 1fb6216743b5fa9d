/**
 * electron-builder.yml: electron-builder's own schema validation accepts it (a misspelt fuse would
 * be refused), and the fuses the security checklist asks for are set.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(config: unknown, logger: unknown): Promise<void> };
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const configFile = path.resolve(import.meta.dirname, '../../electron-builder.yml');
const load = (): Record<string, unknown> & { electronFuses: Record<string, boolean> } => yaml.load(readFileSync(configFile, 'utf8')) as ReturnType<typeof load>;

describe('packaging config', () => {
  it("passes electron-builder's own schema validation, which refuses an unknown fuse", async () => {
    await expect(validateConfiguration(load(), new DebugLogger(false))).resolves.toBeUndefined();
    const misspelt = load();
    misspelt.electronFuses = { ...misspelt.electronFuses, runAsNod: false };
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('turns RunAsNode, NODE_OPTIONS and --inspect off, and ASAR integrity and asar-only loading on', () => {
    expect(load().electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(load().asar).toBe(true);
  });
});
