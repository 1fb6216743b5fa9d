/**
 * An edited model is the base model plus edits: applying them builds NEW tensors for the touched
 * matrices only and shares every other tensor with the base. The base model is never written;
 * disposing the edited model frees only the tensors it built.
 */
import type { HookedGPT2 } from '../engine/model';
import { HookedGPT2 as Model } from '../engine/model';
import { tf } from '../engine/tf';
import type { BlockWeights, ModelWeights } from '../engine/weights';
import { validateEdit, type ModelEdit, type RankOneDelta } from './delta';

type MatrixKey = 'wOut' | 'wIn' | 'wO' | 'wQ' | 'wK' | 'wV';

/** Where a parameter's delta lands in the engine: (block, matrix, column range of v). */
interface Target {
  layer: number;
  key: MatrixKey;
  /** Columns of v that belong to this matrix (c_attn's v [3D] splits into q | k | v). */
  from: number;
  to: number;
}

function targetsOf(param: string, dModel: number): Target[] {
  const m = /^h\.(\d+)\.(.+)\.weight$/.exec(param)!;
  const layer = Number(m[1]);
  switch (m[2]) {
    case 'mlp.c_proj':
      return [{ layer, key: 'wOut', from: 0, to: Infinity }];
    case 'mlp.c_fc':
      return [{ layer, key: 'wIn', from: 0, to: Infinity }];
    case 'attn.c_proj':
      return [{ layer, key: 'wO', from: 0, to: Infinity }];
    default: // attn.c_attn: fused [D, 3D] = q | k | v
      return (['wQ', 'wK', 'wV'] as const).map((key, i) => ({ layer, key, from: i * dModel, to: (i + 1) * dModel }));
  }
}

export class EditedModel {
  readonly model: HookedGPT2;
  /** The tensors this edited model built (the base owns every other one). */
  private readonly owned: tf.Tensor[];

  private constructor(
    readonly base: HookedGPT2,
    readonly edits: readonly ModelEdit[],
    model: HookedGPT2,
    owned: tf.Tensor[],
  ) {
    this.model = model;
    this.owned = owned;
  }

  /** Apply `edits` (in order; deltas on one matrix add up) to a copy of `base`. */
  static apply(base: HookedGPT2, edits: readonly ModelEdit[]): EditedModel {
    const config = base.config;
    for (const e of edits) validateEdit(config, e);
    const grouped = new Map<string, { t: Target; parts: { u: Float32Array; v: Float32Array }[] }>();
    for (const d of edits.flatMap((e) => e.deltas)) {
      for (const t of targetsOf(d.param, config.dModel)) {
        const v = t.to === Infinity ? d.v : d.v.slice(t.from, t.to);
        if (v.every((x) => x === 0)) continue; // this block of c_attn is untouched
        const id = `${t.layer}.${t.key}`;
        const g = grouped.get(id) ?? { t, parts: [] };
        g.parts.push({ u: d.u, v });
        grouped.set(id, g);
      }
    }
    const blocks: BlockWeights[] = base.weights.blocks.map((b) => ({ ...b }));
    const owned: tf.Tensor[] = [];
    for (const { t, parts } of grouped.values()) {
      const old = blocks[t.layer][t.key]!;
      const next = tf.tidy(() => {
        let w: tf.Tensor2D = old; // [rows, cols]
        for (const p of parts) w = w.add(tf.outerProduct(tf.tensor1d(p.u), tf.tensor1d(p.v))); // [rows, cols]
        return w;
      });
      owned.push(next);
      blocks[t.layer] = { ...blocks[t.layer], [t.key]: next };
    }
    const weights: ModelWeights = { ...base.weights, blocks };
    const model = new Model(config, weights);
    model.embeddingMode = base.embeddingMode;
    return new EditedModel(base, edits, model, owned);
  }

  get deltas(): RankOneDelta[] {
    return this.edits.flatMap((e) => e.deltas);
  }

  /** Free the tensors this edit built; the base model's tensors stay. */
  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
  }
}
