/**
 * Bad model directories are refused at once with the file and the reason: special files (FIFO,
 * directory, device, dangling link) from stat alone, absurd sizes before allocating, ambiguous
 * or mis-encoded JSON, malformed BPE fields; messages never echo unbounded input.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelDir, ModelLoadError } from '../../src/main/loader/modelDir';
import { CONFIG_BOUNDS } from '../../src/main/loader/configBounds';
import { tokenizerFromJson } from '../../src/main/tokenizer/load';
import { fixtureTokenizerJson, makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

afterAll(removeTmpDirs);

async function freshModel(): Promise<string> {
  const dir = await makeTmpDir();
  await writeRandomModel(dir, { n_layer: 1 }, 2);
  return dir;
}

/** loadModelDir must refuse within `ms` with a ModelLoadError naming `file` and matching `problem`. */
async function expectRefused(dir: string, file: string, problem: RegExp, ms = 3000): Promise<ModelLoadError> {
  const t0 = performance.now();
  const err = await Promise.race([
    loadModelDir(dir).then(() => new Error('loaded'), (e: unknown) => e),
    new Promise((r) => setTimeout(() => r(new Error(`still loading after ${ms} ms`)), ms).unref()),
  ]);
  expect(err).toBeInstanceOf(ModelLoadError);
  const e = err as ModelLoadError;
  expect(e.file).toBe(file);
  expect(e.message).toMatch(problem);
  expect(performance.now() - t0).toBeLessThan(ms);
  return e;
}

const replaceWith = {
  fifo: async (p: string) => {
    await rm(p, { recursive: true, force: true });
    execFileSync('mkfifo', [p]);
  },
  directory: async (p: string) => {
    await rm(p, { recursive: true, force: true });
    await mkdir(p);
  },
  dangling: async (p: string) => {
    await rm(p, { recursive: true, force: true });
    await symlink(`${p}.gone`, p);
  },
  device: async (p: string) => {
    await rm(p, { recursive: true, force: true });
    await symlink('/dev/zero', p);
  },
};
const SPECIAL_MESSAGE: Record<keyof typeof replaceWith, RegExp> = {
  fifo: /named pipe \(FIFO\); expected a regular file/,
  directory: /it is a directory; expected a regular file/,
  dangling: /symbolic link to ".*\.gone", which does not exist/,
  device: /character device; expected a regular file/,
};

describe('special files where model files should be', () => {
  for (const name of ['model.safetensors', 'config.json', 'tokenizer.json']) {
    for (const kind of Object.keys(replaceWith) as (keyof typeof replaceWith)[]) {
      it(`${kind} as ${name}`, async () => {
        const dir = await freshModel();
        await replaceWith[kind](join(dir, name));
        await expectRefused(dir, join(dir, name), SPECIAL_MESSAGE[kind]);
      });
    }
  }

  it('a FIFO as merges.txt (vocab.json + merges.txt tokenizer)', async () => {
    const dir = await freshModel();
    await rm(join(dir, 'tokenizer.json'));
    await writeFile(join(dir, 'vocab.json'), JSON.stringify({ a: 0 }));
    await replaceWith.fifo(join(dir, 'merges.txt'));
    await expectRefused(dir, join(dir, 'merges.txt'), SPECIAL_MESSAGE.fifo);
  });

  it('a FIFO as a shard named by model.safetensors.index.json', async () => {
    const dir = await freshModel();
    await rm(join(dir, 'model.safetensors'));
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'wte.weight': 'model-00001.safetensors' } }));
    await replaceWith.fifo(join(dir, 'model-00001.safetensors'));
    await expectRefused(dir, join(dir, 'model-00001.safetensors'), SPECIAL_MESSAGE.fifo);
  });
});

describe('config.json', () => {
  async function withConfig(edit: (c: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
    const dir = await freshModel();
    const c = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'config.json'), JSON.stringify(edit(c)));
    return dir;
  }

  it.each(Object.entries(CONFIG_BOUNDS))('%s above its bound (%d) is refused before anything is allocated', async (key, max) => {
    const dir = await withConfig((c) => ({ ...c, [key]: 1e15 }));
    const e = await expectRefused(dir, join(dir, 'config.json'), new RegExp(`${key} is 1000000000000000; this workbench reads models with ${key} up to ${max}`));
    expect(e.message.length).toBeLessThan(300);
    // The bound itself is allowed through to the ordinary checks (no refusal for being too big).
    const atBound = await withConfig((c) => ({ ...c, [key]: max }));
    const other = await loadModelDir(atBound).then(() => undefined, (x: unknown) => x as Error);
    expect(other?.message ?? '').not.toMatch(/this workbench reads models with/);
  });

  it('a config.json larger than any config is refused unread', async () => {
    const dir = await freshModel();
    const padded = `{"n_layer": 1${' '.repeat(2 * 1024 * 1024)}}`;
    await writeFile(join(dir, 'config.json'), padded);
    await expectRefused(dir, join(dir, 'config.json'), new RegExp(`is ${Buffer.byteLength(padded)} bytes; a file of this kind is at most ${1024 * 1024} bytes`));
  });

  it('a duplicate key is refused with the key and its line', async () => {
    const dir = await freshModel();
    const text = await readFile(join(dir, 'config.json'), 'utf8');
    await writeFile(join(dir, 'config.json'), text.replace('{', '{\n  "n_layer": 7,'));
    await expectRefused(dir, join(dir, 'config.json'), /duplicate key "n_layer" on line \d+/);
  });

  it('a UTF-16 config.json says so', async () => {
    const dir = await freshModel();
    const text = await readFile(join(dir, 'config.json'), 'utf8');
    await writeFile(join(dir, 'config.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await expectRefused(dir, join(dir, 'config.json'), /UTF-16.*save it as UTF-8/);
  });
});

describe('tokenizer files', () => {
  it('BPE "merges" that is not a list names the field', async () => {
    const dir = await freshModel();
    const bpe = { model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: 'a b' }, pre_tokenizer: { type: 'ByteLevel' }, added_tokens: [] };
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(bpe));
    await expectRefused(dir, join(dir, 'tokenizer.json'), /"model\.merges" must be a list of merges .* got a string/);
  });

  it('a huge unknown word is not echoed in full', () => {
    const json = fixtureTokenizerJson(16) as { model: Record<string, unknown>; added_tokens: { content: string }[] };
    const unk = json.model.unk_token as string;
    const noUnk = { ...json, model: { ...json.model, unk_token: null }, added_tokens: json.added_tokens.filter((t) => t.content !== unk) };
    const tokenizer = tokenizerFromJson(noUnk);
    const word = 'q'.repeat(2_000_000);
    let message = '';
    try {
      tokenizer.encode(word);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/is not in the vocabulary/);
    expect(message).toContain('(2000000 characters)');
    expect(message.length).toBeLessThan(400);
  });
});
