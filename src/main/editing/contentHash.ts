/**
 * An edited model's content hash: SHA-256 over the base model's hash and every delta (parameter
 * name, factor shapes and raw factor bytes) in order, so the same edits on the same base give
 * the same hash and any changed bit gives another.
 */
import { createHash } from 'node:crypto';
import type { ModelEdit } from './delta';

export function editedContentHash(baseHash: string, edits: readonly ModelEdit[]): string {
  const hash = createHash('sha256');
  hash.update(`base\0${baseHash}\0`);
  for (const e of edits) {
    for (const d of e.deltas) {
      hash.update(`${d.param}\0${d.u.length}x${d.v.length}\0`);
      hash.update(new Uint8Array(d.u.buffer, d.u.byteOffset, d.u.byteLength));
      hash.update(new Uint8Array(d.v.buffer, d.v.byteOffset, d.v.byteLength));
    }
  }
  return hash.digest('hex');
}
