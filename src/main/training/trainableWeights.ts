/**
 * Trainable weights: tf.variables built from a ParamDict and arranged as the engine's
 * ModelWeights, so HookedGPT2 runs on them unchanged; and the way back to a ParamDict
 * (q/k/v fused into GPT-2's c_attn again) for writing a model directory.
 */
import type { ModelConfig } from '../engine/config';
import { expectedParamShapes, type ParamDict } from '../engine/params';
import { tf } from '../engine/tf';
import { uploadWeights, weightTensors, type ModelWeights } from '../engine/weights';

export interface TrainableWeights {
  weights: ModelWeights;
  /** Every distinct variable (the tied unembedding once), in a stable order. */
  variables: tf.Variable[];
  /** Variables that weight decay applies to (the 2-D projection matrices, not embeddings). */
  decayed: Set<tf.Variable>;
  dispose(): void;
}

/** Upload `params`, then turn every tensor into a variable (the uploaded constants are freed). */
export function makeTrainable(config: ModelConfig, params: ParamDict): TrainableWeights {
  const uploaded = uploadWeights(config, params);
  const toVar = new Map<tf.Tensor, tf.Variable>();
  for (const t of weightTensors(uploaded)) {
    toVar.set(t, tf.variable(t, true));
    t.dispose();
  }
  const v = <T extends tf.Tensor | undefined>(t: T): T => (t === undefined ? t : (toVar.get(t) as unknown as T));
  const ln = (w: ModelWeights['lnF']) => (w ? { w: v(w.w), b: v(w.b) } : undefined);
  const weights: ModelWeights = {
    wte: v(uploaded.wte),
    wpe: v(uploaded.wpe),
    blocks: uploaded.blocks.map((b) => ({
      ln1: ln(b.ln1),
      wQ: v(b.wQ),
      wK: v(b.wK),
      wV: v(b.wV),
      bQ: v(b.bQ),
      bK: v(b.bK),
      bV: v(b.bV),
      wO: v(b.wO),
      bO: v(b.bO),
      ln2: ln(b.ln2),
      wIn: v(b.wIn),
      bIn: v(b.bIn),
      wOut: v(b.wOut),
      bOut: v(b.bOut),
    })),
    lnF: ln(uploaded.lnF),
    unembed: v(uploaded.unembed),
    unembedBias: v(uploaded.unembedBias),
  };
  const variables = weightTensors(weights) as tf.Variable[];
  const decayed = new Set<tf.Variable>();
  for (const b of weights.blocks) {
    for (const w of [b.wQ, b.wK, b.wV, b.wO, b.wIn, b.wOut]) if (w) decayed.add(w as tf.Variable);
  }
  return {
    weights,
    variables,
    decayed,
    dispose: () => {
      for (const x of variables) x.dispose();
    },
  };
}

/** Read the variables back into a ParamDict in Hugging Face layout (c_attn fused again). */
export async function exportParams(config: ModelConfig, weights: ModelWeights): Promise<ParamDict> {
  const D = config.dModel;
  const params: ParamDict = new Map();
  const read = async (t: tf.Tensor): Promise<Float32Array> => new Float32Array(await t.data());
  const put = async (name: string, t: tf.Tensor) => params.set(name, { shape: [...t.shape], data: await read(t) });
  await put('wte.weight', weights.wte);
  await put('wpe.weight', weights.wpe);
  for (let l = 0; l < config.nLayer; l++) {
    const b = weights.blocks[l];
    const p = `h.${l}.`;
    if (b.ln1) {
      await put(`${p}ln_1.weight`, b.ln1.w);
      await put(`${p}ln_1.bias`, b.ln1.b);
    }
    const [q, k, v] = await Promise.all([b.wQ, b.wK, b.wV].map(read));
    const fused = new Float32Array(D * 3 * D); // [D, 3D]: each row is q row | k row | v row
    for (let r = 0; r < D; r++) {
      fused.set(q.subarray(r * D, (r + 1) * D), r * 3 * D);
      fused.set(k.subarray(r * D, (r + 1) * D), r * 3 * D + D);
      fused.set(v.subarray(r * D, (r + 1) * D), r * 3 * D + 2 * D);
    }
    params.set(`${p}attn.c_attn.weight`, { shape: [D, 3 * D], data: fused });
    const biases = await Promise.all([b.bQ, b.bK, b.bV].map(read));
    const fusedBias = new Float32Array(3 * D); // [3D]
    biases.forEach((x, i) => fusedBias.set(x, i * D));
    params.set(`${p}attn.c_attn.bias`, { shape: [3 * D], data: fusedBias });
    await put(`${p}attn.c_proj.weight`, b.wO);
    await put(`${p}attn.c_proj.bias`, b.bO);
    if (b.ln2) {
      await put(`${p}ln_2.weight`, b.ln2.w);
      await put(`${p}ln_2.bias`, b.ln2.b);
    }
    if (b.wIn && b.bIn && b.wOut && b.bOut) {
      await put(`${p}mlp.c_fc.weight`, b.wIn);
      await put(`${p}mlp.c_fc.bias`, b.bIn);
      await put(`${p}mlp.c_proj.weight`, b.wOut);
      await put(`${p}mlp.c_proj.bias`, b.bOut);
    }
  }
  if (weights.lnF) {
    await put('ln_f.weight', weights.lnF.w);
    await put('ln_f.bias', weights.lnF.b);
  }
  if (!config.tiedEmbeddings) await put('lm_head.weight', weights.unembed);
  if (weights.unembedBias) await put('lm_head.bias', weights.unembedBias);
  // The exported set must be exactly what the config expects (writeModelDir refuses anything else).
  const expected = expectedParamShapes(config);
  for (const name of expected.keys()) if (!params.has(name)) throw new Error(`exportParams: parameter ${name} was not exported`);
  return params;
}
