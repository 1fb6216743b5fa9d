/**
 * The PyTorch peer of a benchmark (bench/peer/*.py), run with Debian's python3-torch when it is
 * installed. It is not a dependency: without /usr/bin/python3 or torch the bench row says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';

export type PeerOutcome<T> = { ran: true; result: T } | { ran: false; note: string };

/** Run bench/peer/<script> with `args`; its stdout's last line is one JSON object. */
export function runPeer<T>(script: string, args: string[], timeoutMs = 15 * 60_000): PeerOutcome<T> {
  if (!existsSync(PYTHON)) return { ran: false, note: `${PYTHON} is missing: install python3-torch and libopenblas0-pthread (apt) to measure the PyTorch peer` };
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return { ran: false, note: `PyTorch is not importable by ${PYTHON} (install python3-torch and libopenblas0-pthread with apt): ${probe.stderr.trim().split('\n').pop()}` };
  const out = spawnSync(PYTHON, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'peer', script), ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  if (out.status !== 0) return { ran: false, note: `the peer ${script} failed (status ${out.status}${out.signal ? `, signal ${out.signal}` : ''}): ${out.stderr.trim().slice(-500)}` };
  const last = out.stdout.trim().split('\n').pop() ?? '';
  return { ran: true, result: JSON.parse(last) as T };
}
