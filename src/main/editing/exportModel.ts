/**
 * An (edited) model back to a ParamDict and out to a Hugging Face directory the loader reads.
 * The engine split c_attn into q, k, v; here they are fused again in GPT-2's [D, 3D] layout.
 */
import type { HookedGPT2 } from '../engine/model';
import { expectedParamShapes, type ParamDict, type ParamTensor } from '../engine/params';
import type { tf } from '../engine/tf';
import type { LayerNormWeights } from '../engine/weights';
import { writeModelDir } from '../loader/modelDir';

async function read(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

/** The model's parameters as the loader would have produced them (values read off the tensors). */
export async function paramsOfModel(model: HookedGPT2): Promise<ParamDict> {
  const c = model.config;
  const w = model.weights;
  const D = c.dModel;
  const got = new Map<string, ParamTensor>();
  const put = async (name: string, t: tf.Tensor | undefined): Promise<void> => {
    if (t) got.set(name, { shape: [...t.shape], data: await read(t) });
  };
  const putLn = async (prefix: string, ln: LayerNormWeights | undefined): Promise<void> => {
    await put(`${prefix}.weight`, ln?.w);
    await put(`${prefix}.bias`, ln?.b);
  };
  await put('wte.weight', w.wte);
  await put('wpe.weight', w.wpe);
  for (let l = 0; l < c.nLayer; l++) {
    const b = w.blocks[l];
    const p = `h.${l}.`;
    await putLn(`${p}ln_1`, b.ln1);
    const [q, k, v] = await Promise.all([read(b.wQ), read(b.wK), read(b.wV)]); // each [D, D]
    const fused = new Float32Array(D * 3 * D); // [D, 3D]
    for (let r = 0; r < D; r++) [q, k, v].forEach((part, i) => fused.set(part.subarray(r * D, (r + 1) * D), r * 3 * D + i * D));
    got.set(`${p}attn.c_attn.weight`, { shape: [D, 3 * D], data: fused });
    const [bq, bk, bv] = await Promise.all([read(b.bQ), read(b.bK), read(b.bV)]); // each [D]
    const bias = new Float32Array(3 * D); // [3D]
    bias.set(bq, 0);
    bias.set(bk, D);
    bias.set(bv, 2 * D);
    got.set(`${p}attn.c_attn.bias`, { shape: [3 * D], data: bias });
    await put(`${p}attn.c_proj.weight`, b.wO);
    await put(`${p}attn.c_proj.bias`, b.bO);
    await putLn(`${p}ln_2`, b.ln2);
    await put(`${p}mlp.c_fc.weight`, b.wIn);
    await put(`${p}mlp.c_fc.bias`, b.bIn);
    await put(`${p}mlp.c_proj.weight`, b.wOut);
    await put(`${p}mlp.c_proj.bias`, b.bOut);
  }
  await putLn('ln_f', w.lnF);
  if (!c.tiedEmbeddings) await put('lm_head.weight', w.unembed);
  await put('lm_head.bias', w.unembedBias);
  // Canonical order, exactly the parameters this config has.
  const params: ParamDict = new Map();
  for (const name of expectedParamShapes(c).keys()) {
    const t = got.get(name);
    if (!t) throw new Error(`paramsOfModel: the model has no tensor for ${name}`);
    params.set(name, t);
  }
  return params;
}

/** Write the model as a Hugging Face safetensors directory (config.json, model.safetensors, tokenizer.json). */
export async function exportModelDir(dir: string, model: HookedGPT2, tokenizerJson: object, opts: { tokenizerConfig?: Record<string, unknown>; onProgress?: (f: number) => void; signal?: AbortSignal } = {}): Promise<void> {
  const params = await paramsOfModel(model);
  await writeModelDir(dir, { config: model.config, params, tokenizerJson, tokenizerConfig: opts.tokenizerConfig, dtype: 'F32', onProgress: opts.onProgress, signal: opts.signal });
}
