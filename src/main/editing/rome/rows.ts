/** Token rows with a marked position (the subject's last token), grouped by length for batching. */
import { groupByLength } from '../../analysis/promptBatch';
import type { ModelConfig } from '../../engine/config';
import { EditError } from '../delta';

export interface MarkedRow {
  ids: number[];
  /** Index into `ids` of the subject's last token. */
  subjectPos: number;
}

export function checkRows(rows: readonly MarkedRow[], config: ModelConfig, what: string): void {
  if (rows.length === 0) throw new EditError(`${what}: no prompts`);
  rows.forEach((r, i) => {
    if (r.ids.length === 0 || r.ids.length > config.nCtx) throw new EditError(`${what} ${i}: ${r.ids.length} tokens, must be 1..${config.nCtx}`);
    if (!Number.isInteger(r.subjectPos) || r.subjectPos < 0 || r.subjectPos >= r.ids.length) {
      throw new EditError(`${what} ${i}: subject position ${r.subjectPos} is outside 0..${r.ids.length - 1}`);
    }
  });
}

export interface MarkedGroup {
  /** Indices of the rows (into the list given) in this group. */
  rows: number[];
  tokens: number[][];
  positions: number[];
  length: number;
}

export function groupRows(rows: readonly MarkedRow[]): MarkedGroup[] {
  return groupByLength(rows.map((r) => r.ids)).map((g) => ({ rows: g.rows, tokens: g.tokens, positions: g.rows.map((i) => rows[i].subjectPos), length: g.length }));
}

/** A [B, T, 1] mask that is 1 at each row's position (built from plain arrays; caller owns the tensor). */
export function positionMaskData(positions: readonly number[], T: number): Float32Array {
  const data = new Float32Array(positions.length * T);
  positions.forEach((p, b) => {
    data[b * T + p] = 1;
  });
  return data;
}
