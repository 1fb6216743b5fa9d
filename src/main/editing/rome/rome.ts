/**
 * ROME (Meng et al. 2022) on an MLP output matrix, in GPT-2's Conv1D layout
 * (mlp_out = k W + b with k = mlp.hook_post [M] a row vector and W = c_proj.weight [M, D]):
 *   k*  = mean key of the subject's last token over the rewriting prompts (prefixed contexts)
 *   u   = C^-1 k* (C = E[k k^T] over a corpus), normalised to unit length
 *   v*  = v_0 + delta, delta from optimiseValue (value.ts)
 *   dW  = u r^T with r = (v* - (k W + b)) / (u . k) = delta / (u . k), k the plain prompt's key,
 * so the plain prompt's key now maps to v* exactly: k (W + u r^T) + b = v_0 + delta.
 * The derivation is in docs/editing.md.
 */
import type { HookedGPT2 } from '../../engine/model';
import { dot, norm, solveSpd } from '../linalg';
import { EditError, type ModelEdit } from '../delta';
import { activationsAt, checkMlpLayer, meanKey, type KeyMoment } from './keys';
import type { MarkedRow } from './rows';
import { optimiseValue, type ValueOptions, type ValueResult } from './value';

export interface RomeTokenRequest {
  layer: number;
  /** The new answer's token id. */
  target: number;
  /** Rewriting prompts; the first is the plain edited prompt, the rest the same prompt after context prefixes. */
  rewrite: MarkedRow[];
  /** "[subject] is a"-style prompts whose next-token distribution the KL term keeps. */
  kl: MarkedRow[];
}

export interface RomeOptions extends ValueOptions {
  /** Ridge added to C, relative to its mean diagonal, before the solve. Default 1e-3. */
  ridge?: number;
}

export interface RomeDetails {
  layer: number;
  /** ||k*||, ||u||-normalised u . k of the plain prompt, ||delta||, ||v_0||. */
  keyNorm: number;
  uDotK: number;
  deltaNorm: number;
  v0Norm: number;
  value: Pick<ValueResult, 'steps' | 'history'>;
}

export async function romeDelta(model: HookedGPT2, req: RomeTokenRequest, moment: KeyMoment, opts: RomeOptions = {}): Promise<{ u: Float32Array; v: Float32Array; details: RomeDetails }> {
  checkMlpLayer(model, req.layer);
  const M = model.config.dMlp;
  if (moment.layer !== req.layer || moment.size !== M) {
    throw new EditError(`the key second moment is for layer ${moment.layer} (size ${moment.size}); the edit needs layer ${req.layer} (size ${M})`);
  }
  const kStar = await meanKey(model, req.rewrite, req.layer); // [M]
  const uRaw = solveSpd(moment.c, kStar, M, opts.ridge ?? 1e-3); // [M]
  const uNorm = norm(uRaw);
  if (!(uNorm > 0)) throw new EditError('C^-1 k* is zero: the subject has no MLP key at this layer');
  const u = uRaw.map((x) => x / uNorm); // [M]
  const value = await optimiseValue(model, req.layer, req.target, req.rewrite, req.kl, opts);
  const [kPlain] = await activationsAt(model, [req.rewrite[0]], req.layer, 'mlp.hook_post'); // [M]
  const uDotK = dot(u, kPlain);
  if (Math.abs(uDotK) < 1e-12) throw new EditError('u . k is ~0: the edited prompt\'s key is orthogonal to C^-1 k*; use more similar context prompts');
  const r = value.delta.map((x) => x / uDotK); // [D]
  return {
    u: Float32Array.from(u),
    v: Float32Array.from(r),
    details: { layer: req.layer, keyNorm: norm(kStar), uDotK, deltaNorm: norm(value.delta), v0Norm: norm(value.v0), value: { steps: value.steps, history: value.history } },
  };
}

/** The ROME edit as data: one rank-1 delta on h.L.mlp.c_proj.weight. */
export async function romeEdit(model: HookedGPT2, name: string, spec: Record<string, unknown>, req: RomeTokenRequest, moment: KeyMoment, opts: RomeOptions = {}): Promise<{ edit: ModelEdit; details: RomeDetails }> {
  const { u, v, details } = await romeDelta(model, req, moment, opts);
  const edit: ModelEdit = {
    name,
    spec: JSON.parse(JSON.stringify({ method: 'rome', layer: req.layer, target: req.target, ...spec, details })),
    deltas: [{ param: `h.${req.layer}.mlp.c_proj.weight`, u, v }],
  };
  return { edit, details };
}
