/**
 * The CLI's whole output reaches a reader on the other end of a real pipe, however slowly it
 * reads: exiting before stdout drains cut piped output at the pipe's buffer (64 KiB) with exit 0.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTmpDir, removeTmpDirs, writeRandomModel } from '../helpers/hfFixtures';

const BIN = path.resolve(import.meta.dirname, '../../bin/circuit-workbench.mjs');
const PIPE_BUFFER = 64 * 1024;

// Reads stdin in small bites with a pause between them, then writes what it got to a file.
const SLOW_READER = `
const fs = require('node:fs');
const chunks = [];
process.stdin.on('data', (c) => { chunks.push(c); process.stdin.pause(); setTimeout(() => process.stdin.resume(), 5); });
process.stdin.on('end', () => fs.writeFileSync(process.argv[1], Buffer.concat(chunks)));
`;

function exitOf(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** Runs the CLI with stdout piped straight (an OS pipe, no Node stream in between) into the slow reader. */
async function cliThroughSlowPipe(args: string[], outFile: string): Promise<{ cliCode: number; readerCode: number; bytes: Buffer }> {
  const cli = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const reader = spawn(process.execPath, ['-e', SLOW_READER, outFile], { stdio: [cli.stdout!, 'ignore', 'inherit'] });
  cli.stdout!.destroy(); // the reader holds its own copy of the pipe; this process must not read from it
  const [cliCode, readerCode] = await Promise.all([exitOf(cli), exitOf(reader)]);
  return { cliCode, readerCode, bytes: await readFile(outFile) };
}

/** The same command with stdout going to a file: a file takes every write at once. */
async function cliToFile(args: string[], outFile: string): Promise<Buffer> {
  const handle = await open(outFile, 'w');
  try {
    const cli = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', handle.fd, 'inherit'] });
    expect(await exitOf(cli)).toBe(0);
  } finally {
    await handle.close();
  }
  return readFile(outFile);
}

afterAll(removeTmpDirs);

describe('CLI output through a pipe', () => {
  it('run --json delivers every byte to a slow reader and the JSON parses', async () => {
    const dir = await makeTmpDir();
    const model = await writeRandomModel(dir, { n_layer: 2, n_head: 2, n_embd: 32, vocab_size: 64, n_positions: 64 }, 5, { std: 0.3 });
    const words = Object.keys((model.tokenizerJson.model as { vocab: Record<string, number> }).vocab).filter((w) => /^[a-z]+$/.test(w));
    const prompt = Array.from({ length: 40 }, (_, i) => words[i % words.length]).join(' ');
    const args = ['run', '--model', model.dir, '--prompt', prompt, '--cache', 'blocks.0.mlp.hook_post', '--cache', 'blocks.1.mlp.hook_post', '--cache', 'blocks.1.attn.hook_pattern', '--json'];
    const reference = await cliToFile(args, path.join(dir, 'direct.json'));
    expect(reference.length).toBeGreaterThan(2 * PIPE_BUFFER);

    const piped = await cliThroughSlowPipe(args, path.join(dir, 'piped.json'));
    expect(piped.cliCode).toBe(0);
    expect(piped.readerCode).toBe(0);
    expect(piped.bytes.length).toBe(reference.length);
    const data = JSON.parse(piped.bytes.toString('utf8')) as { activations: { name: string; shape: number[] }[] };
    expect(data.activations.map((a) => a.name)).toEqual(['blocks.0.mlp.hook_post', 'blocks.1.mlp.hook_post', 'blocks.1.attn.hook_pattern']);
    expect(piped.bytes.equals(reference)).toBe(true);
  });

  it('an error exits 1 and its JSON error object reaches a slow reader whole', async () => {
    const dir = await makeTmpDir();
    const piped = await cliThroughSlowPipe(['no-such-command', '--json'], path.join(dir, 'err.json'));
    expect(piped.cliCode).toBe(1);
    const parsed = JSON.parse(piped.bytes.toString('utf8')) as { error: { message: string } };
    expect(parsed.error.message).toContain('unknown command "no-such-command"');
  });
});
