/**
 * The forward pass of edge interventions in slot-major layout, without hooks or per-head copies
 * of the residual stream.
 *
 * k edge sets run as k copies of one B-row prompt group; a tensor whose copies are all equal
 * keeps a leading copy axis of 1 and broadcasts, so layers before the first removed edge cost
 * one copy, not k. A head's q/k/v input is the residual minus its correction (the removed
 * senders' differences); only the slots that have one get their own stream and projection, the
 * others share one fused projection. Heads run one by one, so each head's output [k, B*T, D] is
 * a sender difference as it stands: no per-head copies of the residual, no large transposes.
 *
 * The arithmetic follows the engine's forward (src/main/engine/model.ts) operation by
 * operation, so results agree with the hooked path to float rounding.
 */
import type { ModelConfig } from '../engine/config';
import type { HookedGPT2 } from '../engine/model';
import { activate, causalMaskBias } from '../engine/layers';
import type { LayerNormWeights } from '../engine/weights';
import { tf, type Tensor } from '../engine/tf';
import { atPosition } from '../engine/take';

/**
 * Per-layer weights rearranged once for 2-D matMuls (owned; dispose()). Each LayerNorm's scale
 * and shift are folded into the projection after it (LN(x) W + c = norm(x) (diag(w) W) + (b W + c)),
 * so a LayerNorm costs 2 full passes over its input fewer.
 */
export interface SlotWeights {
  /** Per layer, per slot j = which * H + head (q heads, then k, then v): projection [D, dh] and bias [dh], ln1 folded in. */
  wSlot: Tensor[][];
  bSlot: Tensor[][];
  /** Per layer: the MLP's input projection [D, M] and bias [M], ln2 folded in (undefined: attention-only). */
  mlpIn: ({ w: Tensor; b: Tensor } | undefined)[];
  /** Per layer, per head: output projection rows [dh, D]. */
  wOHead: Tensor[][];
  /** The unembedding transposed once [D, V] (a 2-D matMul with a transpose flag is several times slower on wasm), ln_final folded in, and its bias [V]. */
  unembedT: Tensor;
  unembedB: Tensor;
  /** Causal mask bias per prompt length [T, T]. */
  masks: Map<number, Tensor>;
  dispose(): void;
}

export function slotWeights(model: HookedGPT2): SlotWeights {
  const c = model.config;
  const { nHead: H, dHead: dh, dModel: D } = c;
  const out = tf.tidy(() => {
    const wSlot: Tensor[][] = [];
    const bSlot: Tensor[][] = [];
    const wOHead: Tensor[][] = [];
    const mlpIn: ({ w: Tensor; b: Tensor } | undefined)[] = [];
    for (const w of model.weights.blocks) {
      const ws: Tensor[] = [];
      const bs: Tensor[] = [];
      for (const [wp, bp] of [[w.wQ, w.bQ], [w.wK, w.bK], [w.wV, w.bV]] as const) {
        for (let h = 0; h < H; h++) {
          const folded = foldLayerNorm(c, w.ln1, wp.slice([0, h * dh], [D, dh]), bp.slice([h * dh], [dh])); // [D, dh], [dh]
          ws.push(folded.w);
          bs.push(folded.b);
        }
      }
      wSlot.push(ws);
      bSlot.push(bs);
      wOHead.push(Array.from({ length: H }, (_, h) => w.wO.slice([h * dh, 0], [dh, D]))); // H x [dh, D]
      mlpIn.push(w.wIn && w.bIn ? foldLayerNorm(c, w.ln2, w.wIn, w.bIn) : undefined); // [D, M], [M]
    }
    const unembed = foldLayerNorm(c, model.weights.lnF, model.weights.unembed.transpose(), model.weights.unembedBias ?? tf.zeros([c.vocabSize])); // [D, V], [V]
    return { wSlot, bSlot, wOHead, mlpIn, unembedT: unembed.w, unembedB: unembed.b };
  });
  const masks = new Map<number, Tensor>();
  return {
    ...out,
    masks,
    dispose() {
      tf.dispose([...out.wSlot.flat(), ...out.bSlot.flat(), ...out.wOHead.flat(), ...out.mlpIn.flatMap((m) => (m ? [m.w, m.b] : [])), out.unembedT, out.unembedB, ...masks.values()]);
      masks.clear();
    },
  };
}

/** A LayerNorm's scale and shift folded into the projection after it: diag(ln.w) W [D, N] and ln.b W + b [N]. */
function foldLayerNorm(c: ModelConfig, ln: LayerNormWeights | undefined, w: Tensor, b: Tensor): { w: Tensor; b: Tensor } {
  if (c.normalization === 'none' || !ln) return { w, b };
  return { w: ln.w.reshape([-1, 1]).mul(w), b: tf.matMul(ln.b.reshape([1, -1]), w).reshape([-1]).add(b) }; // [D, N], [N]
}

/** The causal mask bias for length T, made once per runner. */
export function maskFor(sw: SlotWeights, T: number): Tensor {
  let m = sw.masks.get(T);
  if (!m) sw.masks.set(T, (m = tf.keep(tf.tidy(() => causalMaskBias(T))))); // [T, T] (kept past any enclosing tidy)
  return m;
}

/** LayerNorm over the last axis, the engine's operations in the engine's order. */
export function layerNorm(c: ModelConfig, x: Tensor, w: LayerNormWeights | undefined): Tensor {
  const out = normalize(c, x); // [..., D]
  return w && c.normalization !== 'none' ? out.mul(w.w).add(w.b) : out;
}

/** LayerNorm without its scale and shift (those are folded into SlotWeights' projections). */
export function normalize(c: ModelConfig, x: Tensor): Tensor {
  if (c.normalization === 'none') return x;
  const centered = x.sub(x.mean(-1, true)); // [..., D]
  const scale = centered.square().mean(-1, true).add(c.lnEps).sqrt(); // [..., 1]
  return centered.div(scale); // [..., D]
}

/**
 * One attention layer. resid [kr, B*T, D] (kr = 1 or k); `corrections` maps a slot j = which * H
 * + head to its correction [kc, B*Tq, D]; other slots read the residual unchanged. With
 * `lastQuery` only the last position queries (the final layer, whose outputs only the logits
 * read): q corrections are then [kc, B, D] and the outputs cover B*1 positions. Returns each
 * head's output [kh, B*Tq, D] (before b_O) and the attention output with b_O [k?, B*Tq, D].
 * Every projection is a 2-D matMul: tfjs-wasm runs batched matMuls about 20x slower per FLOP.
 */
export function slotAttention(model: HookedGPT2, sw: SlotWeights, l: number, resid: Tensor, corrections: ReadonlyMap<number, Tensor>, B: number, T: number, lastQuery = false): { heads: Tensor[]; attnOut: Tensor } {
  const c = model.config;
  const { nHead: H, dHead: dh, dModel: D } = c;
  const w = model.weights.blocks[l];
  const kr = resid.shape[0] as number;
  const Tq = lastQuery ? 1 : T;
  const lastOf = (x: Tensor): Tensor => atPosition(x, T, T - 1).reshape([-1, B, D]); // [k?, B, D]
  const residQ = lastQuery ? lastOf(resid) : resid; // [kr, B*Tq, D]
  // the uncorrected stream after ln1, made once for every slot without a correction
  let normed: Tensor | undefined; // [kr*B*T, D]
  let normedQ: Tensor | undefined; // [kr*B*Tq, D]
  const slot = (j: number): Tensor => {
    const query = j < H;
    const n = query ? Tq : T;
    const corr = corrections.get(j);
    if (!corr) {
      // one 2-D projection per slot: cutting slots out of a fused q|k|v result is slower on wasm (engine/take.ts)
      normed ??= normalize(c, resid).reshape([kr * B * T, D]); // [kr*B*T, D]
      const x = query && lastQuery ? (normedQ ??= atPosition(normed, T, T - 1)) : normed; // [kr*B*n, D]
      return tf.matMul(x, sw.wSlot[l][j]).add(sw.bSlot[l][j]).reshape([kr, B, n, dh]); // [kr, B, n, dh]
    }
    const x = (query ? residQ : resid).sub(corr); // [kq, B*n, D]
    const kq = x.shape[0] as number;
    return tf.matMul(normalize(c, x).reshape([kq * B * n, D]), sw.wSlot[l][j]).add(sw.bSlot[l][j]).reshape([kq, B, n, dh]); // [kq, B, n, dh]
  };
  const heads: Tensor[] = [];
  let attnOut: Tensor | undefined;
  for (let h = 0; h < H; h++) {
    const [q, k, v] = [slot(h), slot(H + h), slot(2 * H + h)]; // each [k?, B, n, dh]
    let scores = tf.matMul(q, k, false, true).div(Math.sqrt(dh)); // [kh, B, Tq, Tk]
    if (!lastQuery) scores = scores.add(maskFor(sw, T)); // the last query sees every position
    const z = tf.matMul(tf.softmax(scores), v); // [kh, B, Tq, dh]
    const kh = z.shape[0] as number;
    const out = tf.matMul(z.reshape([kh * B * Tq, dh]), sw.wOHead[l][h]).reshape([kh, B * Tq, D]); // [kh, B*Tq, D]
    heads.push(out);
    attnOut = attnOut ? attnOut.add(out) : out;
  }
  return { heads, attnOut: attnOut!.add(w.bO) }; // [k?, B*Tq, D]
}

/** One MLP: input [k, B*T, D] (already corrected) -> output [k, B*T, D]; `sw`: SlotWeights' folded input projection. */
export function slotMlp(model: HookedGPT2, l: number, input: Tensor, sw?: SlotWeights): Tensor {
  const c = model.config;
  const w = model.weights.blocks[l];
  const [k, N] = input.shape as [number, number, number];
  const folded = sw?.mlpIn[l];
  const x = (folded ? normalize(c, input) : layerNorm(c, input, w.ln2)).reshape([k * N, c.dModel]); // [k*B*T, D]
  const pre = folded ? tf.matMul(x, folded.w).add(folded.b) : tf.matMul(x, w.wIn!).add(w.bIn!); // [k*B*T, M]
  return tf.matMul(activate(c.activation, pre), w.wOut!).add(w.bOut!).reshape([k, N, c.dModel]); // [k, B*T, D]
}

/** Last-position logits of the final residual [k, B*T, D] -> [k*B, V] (`sw`: SlotWeights' folded unembedding, faster). */
export function slotLogits(model: HookedGPT2, resid: Tensor, B: number, T: number, sw?: SlotWeights): Tensor {
  const c = model.config;
  const k = resid.shape[0] as number;
  const D = c.dModel;
  const last = T === 1 ? resid.reshape([k * B, D]) : atPosition(resid, T, T - 1); // [k*B, D]
  if (sw) return tf.matMul(normalize(c, last), sw.unembedT).add(sw.unembedB); // [k*B, V]
  const normed = layerNorm(c, last, model.weights.lnF); // [k*B, D]
  let logits = tf.matMul(normed, model.weights.unembed, false, true); // [k*B, V]
  if (model.weights.unembedBias) logits = logits.add(model.weights.unembedBias);
  return logits;
}
