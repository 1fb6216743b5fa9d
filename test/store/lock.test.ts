import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { holderIsAlive, STALE_HEARTBEAT_MS, type LockHolder } from '../../src/main/store/lock';

const holder = (over: Partial<LockHolder>): LockHolder => ({ pid: 1, host: os.hostname(), openedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), ...over });

describe('who holds a project', () => {
  it('same host: alive exactly when the pid runs (our own pid counts as stale)', () => {
    expect(holderIsAlive(holder({ pid: process.ppid }))).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    expect(holderIsAlive(holder({ pid: Number(exited.stdout.toString()) }))).toBe(false);
    expect(holderIsAlive(holder({ pid: process.pid }))).toBe(false);
  });

  it('another host: alive while its heartbeat is fresh', () => {
    const now = Date.now();
    expect(holderIsAlive(holder({ host: 'elsewhere', heartbeatAt: new Date(now - 1000).toISOString() }), now)).toBe(true);
    expect(holderIsAlive(holder({ host: 'elsewhere', heartbeatAt: new Date(now - STALE_HEARTBEAT_MS - 1).toISOString() }), now)).toBe(false);
  });
});
