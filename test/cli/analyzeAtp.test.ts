/** `analyze patch --method atp` through the real CLI binary (the built out/main/cli.js), beside exact patching. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/main/engine/config';
import { randomParams } from '../../src/main/engine/params';
import { defaultTokenizerJson, defaultVocabulary } from '../../src/main/datasets';
import { writeModelDir } from '../../src/main/loader/modelDir';
import { runCli } from '../helpers/cli';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';

let dir: string;
const HF = { n_layer: 2, n_head: 4, n_embd: 32, n_positions: 48, vocab_size: defaultVocabulary().length, prepend_bos: true };

beforeAll(async () => {
  dir = path.join(await makeTmpDir(), 'model');
  const config = parseHfConfig(HF);
  await writeModelDir(dir, { config, params: randomParams(config, 3, 0.3), tokenizerJson: defaultTokenizerJson() });
});
afterAll(removeTmpDirs);

const patch = (args: string[]) => runCli(['analyze', 'patch', '--model', dir, '--task', 'ioi', '--n', '6', '--seed', '4', '--target', 'heads', ...args]);

describe('circuit-workbench analyze patch --method atp', () => {
  it('prints AtP* estimates with the top cells verified: their exact values are exact patching\'s, and the cost is stated', () => {
    const atp = patch(['--method', 'atp', '--verify-top', '3', '--json']);
    expect(atp.code, atp.stderr).toBe(0);
    const r = atp.json as { method: string; shape: number[]; attribution: { verified: { cell: number; exactNormalised: number }[]; forwardEquivalents: { total: number; exactAll: number } } };
    expect(r.method).toBe('atp*');
    expect(r.shape).toEqual([2, 4]);
    expect(r.attribution.verified).toHaveLength(3);
    const exact = patch(['--json']).json as { values: number[] };
    // Exact patching of all heads takes the hook-free path, verification the hooks path: float32
    // sums in another order, equal within 1e-5 relative (this random model's normalised values
    // reach ~75, its clean-corrupted gap being small).
    for (const v of r.attribution.verified) expect(Math.abs(v.exactNormalised - exact.values[v.cell])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(exact.values[v.cell])));

    const text = patch(['--method', 'atp', '--verify-top', '3']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/cost [\d.]+ forward-equivalents \(estimation [\d.]+ \+ verification [\d.]+\) vs [\d.]+ for exact patching of all 8 cells/);
    expect(text.stdout).toMatch(/5 cells skipped: \|effect\| <= [\d.]+ of the gap .*not a guarantee/);
    expect(text.stdout.match(/^ {2}L\dH\d /gm)).toHaveLength(3);
  });

  it('refuses an unknown method and --verify-top without --method atp', () => {
    expect(patch(['--method', 'fast']).stderr).toMatch(/--method must be one of exact, atp, got "fast"/);
    expect(patch(['--verify-top', '3']).stderr).toMatch(/--verify-top applies only to --method atp/);
  });
});
