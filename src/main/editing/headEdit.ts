/**
 * Rank-1 edits of one attention head, built from chosen token directions (math in docs/editing.md).
 *
 * OV (what the head moves): with s [dh] the head's value vector for the source token and
 * W_O^h [dh, D] its rows of attn.c_proj.weight, the head writes o = s W_O^h when it attends to the
 * source. For a residual direction d, o = p d + rest with p = (o . d) / (d . d); the edit sets
 * p to a target t (t = -p "reflect": it now moves the source as the opposite answer; t = 0
 * "zero": it stops writing along d):
 *   dW_O^h = (s / (s . s)) ((t - p) d)^T,   so s (W_O^h + dW_O^h) = o + (t - p) d.
 *
 * QK (where the head attends): with n [D] the ln1-normalised residual at the key token and
 * q [dh] the head's query at the query position, add to the head's key columns of c_attn
 *   dW_K^h = (n / (n . n)) (Delta sqrt(dh) q / (q . q))^T,
 * so k' = k + Delta sqrt(dh) q / (q . q) at that key and the score q . k' / sqrt(dh) rises by
 * exactly Delta; other keys n' shift by Delta (n' . n) / (n . n).
 */
import type { HookedGPT2 } from '../engine/model';
import { tf } from '../engine/tf';
import { dot } from './linalg';
import { EditError, type ModelEdit } from './delta';
import { EditedModel } from './editedModel';
import { activationsAt } from './rome/keys';
import type { MarkedRow } from './rome/rows';

function checkHead(model: HookedGPT2, layer: number, head: number): void {
  const c = model.config;
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.nLayer) throw new EditError(`layer ${layer} is outside 0..${c.nLayer - 1}`);
  if (!Number.isInteger(head) || head < 0 || head >= c.nHead) throw new EditError(`head ${head} is outside 0..${c.nHead - 1}`);
}

function mean(vectors: Float64Array[]): Float64Array {
  const out = new Float64Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i] += v[i] / vectors.length;
  return out;
}

/** The head's value vector [dh] averaged over the marked positions (e.g. where the source token sits). */
export async function headValueAt(model: HookedGPT2, layer: number, head: number, rows: readonly MarkedRow[]): Promise<Float64Array> {
  checkHead(model, layer, head);
  const dh = model.config.dHead;
  return mean(await activationsAt(model, rows, layer, 'attn.hook_v')).slice(head * dh, (head + 1) * dh);
}

/** The head's query vector [dh] averaged over the marked positions. */
export async function headQueryAt(model: HookedGPT2, layer: number, head: number, rows: readonly MarkedRow[]): Promise<Float64Array> {
  checkHead(model, layer, head);
  const dh = model.config.dHead;
  return mean(await activationsAt(model, rows, layer, 'attn.hook_q')).slice(head * dh, (head + 1) * dh);
}

/** The ln1-normalised residual [D] at the marked positions (the key-side input of every head). */
export async function keyInputAt(model: HookedGPT2, layer: number, rows: readonly MarkedRow[]): Promise<Float64Array> {
  return mean(await activationsAt(model, rows, layer, 'ln1.hook_normalized'));
}

/**
 * The residual direction [D] that raises logit(plus) - logit(minus) (minus optional): the
 * unembedding difference, scaled by ln_final's weight when the model has one.
 */
export async function logitDirection(model: HookedGPT2, plus: number, minus?: number): Promise<Float64Array> {
  const V = model.config.vocabSize;
  for (const id of [plus, minus]) if (id !== undefined && (!Number.isInteger(id) || id < 0 || id >= V)) throw new EditError(`token ${id} is outside the vocabulary`);
  const t = tf.tidy(() => {
    let d = model.weights.unembed.gather([plus]).reshape([-1]); // [D]
    if (minus !== undefined) d = d.sub(model.weights.unembed.gather([minus]).reshape([-1]));
    return model.weights.lnF ? d.mul(model.weights.lnF.w) : d; // [D]
  });
  const data = Float64Array.from(await t.data());
  t.dispose();
  return data;
}

export type OvTarget = 'reflect' | 'zero' | number;

export interface OvEditRequest {
  layer: number;
  head: number;
  /** The head's value vector for the source token [dh]. */
  source: Float64Array;
  /** Residual direction [D] (e.g. logitDirection(plus, minus)). */
  direction: Float64Array;
  target: OvTarget;
  /**
   * How far to move the projection from p towards the target: p + strength (t - p). 1 (default)
   * lands on the target; 2 goes twice as far (reflect at 2 gives -3p); 0 changes nothing.
   */
  strength?: number;
}

export async function ovEdit(model: HookedGPT2, name: string, spec: Record<string, unknown>, req: OvEditRequest): Promise<{ edit: ModelEdit; before: number; after: number }> {
  checkHead(model, req.layer, req.head);
  const { dModel: D, dHead: dh } = model.config;
  if (req.source.length !== dh || req.direction.length !== D) throw new EditError(`OV edit: source must be [${dh}] and direction [${D}], got [${req.source.length}] and [${req.direction.length}]`);
  const ss = dot(req.source, req.source);
  const dd = dot(req.direction, req.direction);
  if (!(ss > 0) || !(dd > 0)) throw new EditError('OV edit: the source value vector and the direction must be non-zero');
  const woT = tf.tidy(() => model.weights.blocks[req.layer].wO.slice([req.head * dh, 0], [dh, D])); // [dh, D]
  const wo = await woT.data();
  woT.dispose();
  const o = new Float64Array(D); // s W_O^h [D]
  for (let i = 0; i < dh; i++) for (let j = 0; j < D; j++) o[j] += req.source[i] * wo[i * D + j];
  const p = dot(o, req.direction) / dd;
  const aim = req.target === 'reflect' ? -p : req.target === 'zero' ? 0 : req.target;
  if (!Number.isFinite(aim)) throw new EditError(`OV edit: target must be 'reflect', 'zero' or a finite number, got ${String(req.target)}`);
  const strength = req.strength ?? 1;
  if (!Number.isFinite(strength)) throw new EditError(`OV edit: strength must be a finite number, got ${String(req.strength)}`);
  const t = p + strength * (aim - p);
  const u = new Float32Array(D); // rows of c_proj are head-major: head h owns rows h*dh..(h+1)*dh
  for (let i = 0; i < dh; i++) u[req.head * dh + i] = req.source[i] / ss;
  const v = Float32Array.from(req.direction, (x) => (t - p) * x);
  const edit: ModelEdit = {
    name,
    spec: JSON.parse(JSON.stringify({ method: 'head-ov', layer: req.layer, head: req.head, target: req.target, strength, projectionBefore: p, projectionAfter: t, ...spec })),
    deltas: [{ param: `h.${req.layer}.attn.c_proj.weight`, u, v }],
  };
  return { edit, before: p, after: t };
}

export interface QkEditRequest {
  layer: number;
  head: number;
  /** ln1-normalised residual at the key token [D]. */
  keyInput: Float64Array;
  /** The head's query at the query position [dh]. */
  query: Float64Array;
  /** Change of the attention score (pre-softmax) for that query and key; negative to attend less. */
  scoreChange: number;
}

export function qkEdit(model: HookedGPT2, name: string, spec: Record<string, unknown>, req: QkEditRequest): ModelEdit {
  checkHead(model, req.layer, req.head);
  const { dModel: D, dHead: dh } = model.config;
  if (req.keyInput.length !== D || req.query.length !== dh) throw new EditError(`QK edit: keyInput must be [${D}] and query [${dh}], got [${req.keyInput.length}] and [${req.query.length}]`);
  if (!Number.isFinite(req.scoreChange)) throw new EditError(`QK edit: scoreChange must be finite, got ${req.scoreChange}`);
  const nn = dot(req.keyInput, req.keyInput);
  const qq = dot(req.query, req.query);
  if (!(nn > 0) || !(qq > 0)) throw new EditError('QK edit: the key input and the query must be non-zero');
  const u = Float32Array.from(req.keyInput, (x) => x / nn);
  const v = new Float32Array(3 * D); // c_attn columns: q | k | v, head-major inside each
  for (let i = 0; i < dh; i++) v[D + req.head * dh + i] = (req.scoreChange * Math.sqrt(dh) * req.query[i]) / qq;
  return {
    name,
    spec: JSON.parse(JSON.stringify({ method: 'head-qk', layer: req.layer, head: req.head, scoreChange: req.scoreChange, ...spec })),
    deltas: [{ param: `h.${req.layer}.attn.c_attn.weight`, u, v }],
  };
}

export interface TopPrediction {
  token: string;
  id: number;
  prob: number;
}

/** The top-k next tokens of one prompt on a model, most probable first. */
async function topK(model: HookedGPT2, ids: readonly number[], k: number, tokenStrings: (ids: number[]) => string[]): Promise<TopPrediction[]> {
  const [values, indices] = tf.tidy(() => {
    const top = tf.topk(tf.softmax(model.forward([[...ids]], 'last')), Math.min(k, model.config.vocabSize)); // [1, k]
    return [top.values, top.indices];
  });
  const [p, i] = [await values.data(), await indices.data()];
  tf.dispose([values, indices]);
  const text = tokenStrings(Array.from(i));
  return Array.from(i, (id, r) => ({ token: text[r] ?? String(id), id, prob: p[r] }));
}

/** The prompt's top-k predictions on the model before and after the edit (the base model is left untouched). */
export async function predictionsBeforeAfter(model: HookedGPT2, edit: ModelEdit, ids: readonly number[], k: number, tokenStrings: (ids: number[]) => string[]): Promise<{ before: TopPrediction[]; after: TopPrediction[] }> {
  const before = await topK(model, ids, k, tokenStrings);
  const edited = EditedModel.apply(model, [edit]);
  try {
    return { before, after: await topK(edited.model, ids, k, tokenStrings) };
  } finally {
    edited.dispose();
  }
}
