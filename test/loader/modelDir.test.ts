import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParamDict } from '../../src/main/engine/params';
import { loadModelDir, ModelLoadError, writeModelDir } from '../../src/main/loader/modelDir';
import { readSafetensors, writeSafetensors } from '../../src/main/loader/safetensors';
import { FIXTURE_BOS, FIXTURE_UNK, makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';
import { halfUlp, nearestBfloat16, nearestFloat16 } from './floatRounding';
import { f32Bytes, rawSafetensors, rewriteHeader } from './rawSafetensors';

afterAll(removeTmpDirs);

async function expectLoadError(promise: Promise<unknown>, file: string, problem: RegExp): Promise<ModelLoadError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  const e = err as ModelLoadError;
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  expect(e.message).toMatch(problem);
  return e;
}

function expectSameParams(a: ParamDict, b: ParamDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.shape, name).toEqual(t.shape);
    // Bit-exact comparison of the float32 payloads.
    expect(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name).toBe(true);
  }
}

describe('loading a model directory', () => {
  it('write -> load is bit-exact for F32, with the config, tokenizer and file list', async () => {
    const dir = await makeTmpDir();
    const written = await writeRandomModel(dir, { n_layer: 3 }, 11);
    const fractions: number[] = [];
    const loaded = await loadModelDir(dir, { onProgress: (f) => fractions.push(f) });
    expect(loaded.dir).toBe(dir);
    expect(loaded.config).toEqual(written.config);
    expect(loaded.hfConfig.n_layer).toBe(3);
    expect(loaded.weightFiles).toEqual([join(dir, 'model.safetensors')]);
    expectSameParams(written.params, loaded.params);
    expect(loaded.tokenizer.kind).toBe('word');
    expect(loaded.tokenizer.vocabSize).toBe(64);
    expect(loaded.tokenizer.bosId).toBe(loaded.tokenizer.tokenToId(FIXTURE_BOS));
    expect(loaded.tokenizer.unkId).toBe(loaded.tokenizer.tokenToId(FIXTURE_UNK));
    expect(loaded.tokenizer.encode(' Mary')).toEqual([loaded.tokenizer.tokenToId('Mary')]);
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
  });

  it('transformer.-prefixed and unprefixed names load identically', async () => {
    const plain = await writeRandomModel(await makeTmpDir(), {}, 5);
    const prefixedDir = await makeTmpDir();
    await writeRandomModel(prefixedDir, {}, 5, { withPrefix: true });
    const names = [...(await readSafetensors(join(prefixedDir, 'model.safetensors'))).tensors.keys()];
    expect(names.every((n) => n.startsWith('transformer.'))).toBe(true);
    expectSameParams((await loadModelDir(plain.dir)).params, (await loadModelDir(prefixedDir)).params);
  });

  it('a sharded model loads identically to the single-file one', async () => {
    const single = await writeRandomModel(await makeTmpDir(), {}, 8);
    const shardedDir = await makeTmpDir();
    await writeRandomModel(shardedDir, {}, 8, { shards: 3 });
    const index = JSON.parse(await readFile(join(shardedDir, 'model.safetensors.index.json'), 'utf8'));
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']));
    const loaded = await loadModelDir(shardedDir);
    expect(loaded.weightFiles.length).toBe(3);
    expectSameParams((await loadModelDir(single.dir)).params, loaded.params);
  });

  it.each([
    ['F16', nearestFloat16],
    ['BF16', nearestBfloat16],
  ] as const)('%s weights load to the nearest representable value of each float32 weight', async (dtype, nearestRef) => {
    const dir = await makeTmpDir();
    const written = await writeRandomModel(dir, {}, 3, { dtype, std: 0.5 });
    const loaded = await loadModelDir(dir);
    for (const [name, t] of written.params) {
      const got = loaded.params.get(name)!.data;
      for (let i = 0; i < t.data.length; i++) {
        const want = nearestRef(t.data[i]);
        if (got[i] !== want) throw new Error(`${name}[${i}]: ${t.data[i]} loaded as ${got[i]}, expected ${want}`);
        if (Math.abs(got[i] - t.data[i]) > halfUlp(t.data[i], dtype)) throw new Error(`${name}[${i}] off by more than half an ulp`);
      }
    }
  });

  it("ignores GPT-2's attention buffers and a tied lm_head.weight, as real checkpoints store them", async () => {
    const dir = await makeTmpDir();
    const written = await writeRandomModel(dir, {}, 2, { withPrefix: true });
    const file = join(dir, 'model.safetensors');
    const { tensors } = await readSafetensors(file);
    const nCtx = written.config.nCtx;
    for (let l = 0; l < written.config.nLayer; l++) {
      const mask = new Float32Array(nCtx * nCtx).map((_, i) => (i % nCtx <= Math.floor(i / nCtx) ? 1 : 0));
      tensors.set(`transformer.h.${l}.attn.bias`, { shape: [1, 1, nCtx, nCtx], data: mask });
      tensors.set(`transformer.h.${l}.attn.masked_bias`, { shape: [], data: Float32Array.of(-1e4) });
    }
    tensors.set('lm_head.weight', tensors.get('transformer.wte.weight')!);
    await writeSafetensors(file, tensors, { metadata: { format: 'pt' } });
    expectSameParams(written.params, (await loadModelDir(dir)).params);
  });

  it('loads an untied unembedding when config.json says tie_word_embeddings: false', async () => {
    const dir = await makeTmpDir();
    const written = await writeRandomModel(dir, { tie_word_embeddings: false }, 4);
    const loaded = await loadModelDir(dir);
    expect(loaded.config.tiedEmbeddings).toBe(false);
    expectSameParams(written.params, loaded.params);
  });

  it('falls back to vocab.json + merges.txt when there is no tokenizer.json', async () => {
    const dir = await makeTmpDir();
    await writeRandomModel(dir, { vocab_size: 300 }, 1);
    await rm(join(dir, 'tokenizer.json'));
    const vocab: Record<string, number> = {};
    // The 256 printable-mapped byte tokens (bytes 0x21..0x7e map to themselves), a merge, end of text.
    for (let b = 0; b < 256; b++) vocab[b >= 0x21 && b <= 0x7e ? String.fromCharCode(b) : `<b${b}>`] = b;
    vocab['ab'] = 256;
    vocab['<|endoftext|>'] = 257;
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab));
    await writeFile(join(dir, 'merges.txt'), '#version: 0.2\na b\n');
    const loaded = await loadModelDir(dir);
    expect(loaded.tokenizer.kind).toBe('bpe');
    expect(loaded.tokenizer.encode('abc')).toEqual([256, 99]);
    expect(loaded.tokenizer.bosId).toBe(257);
  });

  it('can be cancelled', async () => {
    const dir = await makeTmpDir();
    await writeRandomModel(dir, {}, 1);
    const controller = new AbortController();
    controller.abort();
    await expect(loadModelDir(dir, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('bad model directories: the error names the file and the problem', () => {
  async function model(opts: Parameters<typeof writeRandomModel>[3] = {}): Promise<{ dir: string; weights: string }> {
    const dir = await makeTmpDir();
    await writeRandomModel(dir, {}, 9, opts);
    return { dir, weights: join(dir, 'model.safetensors') };
  }

  it('truncated safetensors', async () => {
    const { dir, weights } = await model();
    const bytes = await readFile(weights);
    await writeFile(weights, bytes.subarray(0, bytes.length - 100));
    await expectLoadError(loadModelDir(dir), weights, /data_offsets \[\d+, \d+\] lie outside the data region \(\d+ bytes\); the file is truncated/);
    await writeFile(weights, bytes.subarray(0, 4));
    await expectLoadError(loadModelDir(dir), weights, /truncated safetensors file: 4 bytes/);
  });

  it('a header that lies about offsets', async () => {
    const { dir, weights } = await model();
    await rewriteHeader(weights, (h) => {
      const [a, b] = h['h.0.ln_1.bias'].data_offsets as number[];
      h['h.0.ln_1.bias'].data_offsets = [a - 4, b - 4];
    });
    await expectLoadError(loadModelDir(dir), weights, /tensor "h\.0\.ln_1\.bias": data_offsets \[\d+, \d+\] overlap tensor "h\.0\.ln_1\.weight"/);
  });

  it('a missing tensor', async () => {
    const { dir, weights } = await model();
    const { tensors } = await readSafetensors(weights);
    tensors.delete('h.1.mlp.c_fc.weight');
    await writeSafetensors(weights, tensors);
    await expectLoadError(loadModelDir(dir), weights, /missing tensor "h\.1\.mlp\.c_fc\.weight" \(expected "h\.1\.mlp\.c_fc\.weight" with shape \[16, 64\]\)/);
  });

  it('a tensor of the wrong shape', async () => {
    const { dir, weights } = await model();
    await rewriteHeader(weights, (h) => {
      h['h.1.mlp.c_fc.weight'].shape = [64, 16];
    });
    await expectLoadError(loadModelDir(dir), weights, /tensor "h\.1\.mlp\.c_fc\.weight" has shape \[64, 16\], expected \[16, 64\]/);
  });

  it('an unexpected extra tensor', async () => {
    const { dir, weights } = await model();
    const { tensors } = await readSafetensors(weights);
    tensors.set('h.2.ln_1.weight', { shape: [16], data: new Float32Array(16) });
    await writeSafetensors(weights, tensors);
    await expectLoadError(loadModelDir(dir), weights, /unexpected tensor "h\.2\.ln_1\.weight"/);
  });

  it('an unsupported dtype', async () => {
    const { dir, weights } = await model();
    await rewriteHeader(weights, (h) => {
      h['wpe.weight'].dtype = 'I32';
    });
    await expectLoadError(loadModelDir(dir), weights, /tensor "wpe\.weight" has unsupported dtype I32; weights must be one of F32, F16, BF16, F64/);
  });

  it('only a PyTorch pickle file', async () => {
    const { dir, weights } = await model();
    await rm(weights);
    await writeFile(join(dir, 'pytorch_model.bin'), new Uint8Array([0x80, 0x02, 0x7d, 0x71]));
    const e = await expectLoadError(loadModelDir(dir), dir, /only PyTorch pickle weights found \(pytorch_model\.bin\)/);
    expect(e.message).toContain('unpickling can execute arbitrary code');
    expect(e.message).toContain(`M.from_pretrained('${dir}').save_pretrained('${dir}-safetensors', safe_serialization=True)`);
  });

  it('no weights at all', async () => {
    const { dir, weights } = await model();
    await rm(weights);
    await expectLoadError(loadModelDir(dir), dir, /no weights found: looked for model\.safetensors or model\.safetensors\.index\.json/);
  });

  it('a missing tokenizer', async () => {
    const { dir } = await model();
    await rm(join(dir, 'tokenizer.json'));
    await expectLoadError(loadModelDir(dir), dir, /no tokenizer found: looked for tokenizer\.json, or vocab\.json \+ merges\.txt/);
    await writeFile(join(dir, 'vocab.json'), '{}');
    await expectLoadError(loadModelDir(dir), join(dir, 'merges.txt'), /missing: vocab\.json is present/);
  });

  it('a tokenizer larger than the model vocabulary', async () => {
    const { dir } = await model();
    const small = await makeTmpDir();
    await writeRandomModel(small, { vocab_size: 80 }, 1);
    await copyFile(join(small, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await expectLoadError(loadModelDir(dir), join(dir, 'tokenizer.json'), /the tokenizer has 80 tokens but config\.json vocab_size is 64/);
  });

  it('a missing config.json', async () => {
    const { dir } = await model();
    await rm(join(dir, 'config.json'));
    await expectLoadError(loadModelDir(dir), join(dir, 'config.json'), /missing: a Hugging Face model directory needs config\.json/);
  });

  it('a config.json that is not JSON, or not a GPT-2', async () => {
    const { dir } = await model();
    const file = join(dir, 'config.json');
    await writeFile(file, '{"n_layer": 2,');
    await expectLoadError(loadModelDir(dir), file, /not valid JSON/);
    await writeFile(file, JSON.stringify({ model_type: 'llama' }));
    await expectLoadError(loadModelDir(dir), file, /model_type "llama" is not supported/);
  });

  it('a sharded index pointing to a missing shard', async () => {
    const dir = await makeTmpDir();
    await writeRandomModel(dir, {}, 9, { shards: 2 });
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    await expectLoadError(loadModelDir(dir), join(dir, 'model.safetensors.index.json'), /weight_map names shard "model-00002-of-00002\.safetensors" \(for tensor "[^"]+"\), but .*model-00002-of-00002\.safetensors does not exist/);
  });

  it('a shard that does not hold what the index says', async () => {
    const dir = await makeTmpDir();
    await writeRandomModel(dir, {}, 9, { shards: 2 });
    const indexFile = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8'));
    index.weight_map['wte.weight'] = 'model-00002-of-00002.safetensors';
    await writeFile(indexFile, JSON.stringify(index));
    await expectLoadError(loadModelDir(dir), join(dir, 'model-00001-of-00002.safetensors'), /tensor "wte\.weight" is in this shard but .*index\.json places it in/);
  });

  it('refuses a model over the memory budget before reading any weights', async () => {
    const { dir, weights } = await model();
    // 8128 parameters (wte 64x16, wpe 32x16, 2 blocks of 3280, ln_f 32) = 32512 bytes.
    // Garbage weights prove the refusal happens before the weight file is even opened.
    await writeFile(weights, rawSafetensors({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32Bytes([1])).subarray(0, 3));
    await expectLoadError(
      loadModelDir(dir, { maxParamBytes: 1000, backendName: 'wasm' }),
      join(dir, 'config.json'),
      /This model \(2 layers, d_model 16\) needs 32\.5 kB of fp32 weights; the live backend 'wasm' can hold at most 1\.0 kB \(the wasm32 heap is 4 GiB and XNNPACK keeps a packed copy of every weight matrix\)\. Use the tensorflow backend/,
    );
  });

  it('a directory that does not exist', async () => {
    const dir = join(await makeTmpDir(), 'nope');
    await expectLoadError(loadModelDir(dir), dir, /model directory not found/);
  });
});

describe('writeModelDir', () => {
  it('refuses parameters that do not match the config, and a directory holding another weight layout', async () => {
    const dir = await makeTmpDir();
    const m = await writeRandomModel(dir, {}, 1);
    const params = new Map(m.params);
    params.delete('ln_f.bias');
    await expect(writeModelDir(await makeTmpDir(), { config: m.config, params, tokenizerJson: m.tokenizerJson })).rejects.toThrow(/parameter "ln_f\.bias" \[16\] is missing/);
    await expect(writeModelDir(dir, { config: m.config, params: m.params, tokenizerJson: m.tokenizerJson, shards: 2 })).rejects.toThrow(/already holds model\.safetensors/);
  });
});
