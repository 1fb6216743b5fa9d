/**
 * Weights holding NaN or +-Inf are refused at load, naming the weight file and the tensor: such a
 * model gives NaN for every prompt, and every analysis on it would store NaN.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParamDict } from '../../src/main/engine/params';
import { loadModelDir, ModelLoadError, writeModelDir } from '../../src/main/loader/modelDir';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

afterAll(removeTmpDirs);

function withValueAt(params: ParamDict, name: string, index: number, value: number): ParamDict {
  const out: ParamDict = new Map();
  for (const [n, t] of params) out.set(n, n === name ? { shape: t.shape, data: Float32Array.from(t.data, (v, i) => (i === index ? value : v)) } : t);
  return out;
}

describe('non-finite weights', () => {
  const cases = [
    { value: Number.NaN, label: 'NaN', dtype: 'F32' as const },
    { value: Number.POSITIVE_INFINITY, label: '+Inf', dtype: 'F32' as const },
    { value: Number.NEGATIVE_INFINITY, label: '-Inf', dtype: 'F16' as const },
    { value: Number.NaN, label: 'NaN', dtype: 'BF16' as const },
  ];

  it.each(cases)('a $label in a $dtype file is refused with the file, the tensor and the element', async ({ value, label, dtype }) => {
    const dir = await makeTmpDir();
    const model = await writeRandomModel(dir, { n_layer: 2 }, 3);
    // Every parameter the config defines, taken from the model itself: each one is poisoned in turn.
    for (const [param, tensor] of model.params) {
      const index = Math.min(tensor.data.length - 1, 5);
      await writeModelDir(dir, { config: model.config, params: withValueAt(model.params, param, index, value), tokenizerJson: model.tokenizerJson, dtype });
      const err = await loadModelDir(dir).then(() => undefined, (e: unknown) => e);
      expect(err, param).toBeInstanceOf(ModelLoadError);
      const e = err as ModelLoadError;
      expect(e.file).toBe(join(dir, 'model.safetensors'));
      expect(e.message).toContain(`tensor "${param}"`);
      expect(e.message).toContain(`${label} at element ${index}`);
    }
  });

  it('counts every non-finite value of the first bad tensor and still loads a clean model', async () => {
    const dir = await makeTmpDir();
    const model = await writeRandomModel(dir, { n_layer: 1 }, 4);
    const loaded = await loadModelDir(dir);
    expect(loaded.params.size).toBe(model.params.size);
    let params = withValueAt(model.params, 'wte.weight', 7, Number.NaN);
    params = withValueAt(params, 'wte.weight', 9, Number.POSITIVE_INFINITY);
    await writeModelDir(dir, { config: model.config, params, tokenizerJson: model.tokenizerJson });
    await expect(loadModelDir(dir)).rejects.toThrow(/tensor "wte\.weight" holds NaN at element 7 \(2 non-finite values of \d+\)/);
  });
});
