/**
 * Edits as data (penzai style): an edit is a name, its specification and a list of rank-1
 * weight deltas dW = u v^T on named parameters (Hugging Face names, Conv1D layout [in, out]).
 * Nothing here touches a model; editedModel.ts applies deltas to a copy.
 */
import type { ModelConfig } from '../engine/config';
import { expectedParamShapes } from '../engine/params';
import type { Json } from '../store/values';

export interface RankOneDelta {
  /** Parameter name as in the ParamDict, e.g. 'h.1.mlp.c_proj.weight' ([M, D]). */
  param: string;
  u: Float32Array; // [rows]
  v: Float32Array; // [cols]
}

export interface ModelEdit {
  name: string;
  /** What produced the deltas (method, layer, prompt, target, ...): JSON, stored with the edit. */
  spec: Json;
  deltas: RankOneDelta[];
}

export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}

/** The parameters an edit may change: the matrices the engine keeps as one (or three) tensors. */
const EDITABLE = /^h\.(\d+)\.(mlp\.c_proj|mlp\.c_fc|attn\.c_proj|attn\.c_attn)\.weight$/;

export function isEditableParam(param: string): boolean {
  return EDITABLE.test(param);
}

/** Check every delta names an editable parameter of this config with factors of its shape. */
export function validateEdit(config: ModelConfig, edit: ModelEdit): void {
  const shapes = expectedParamShapes(config);
  if (edit.deltas.length === 0) throw new EditError(`edit "${edit.name}" has no deltas`);
  edit.deltas.forEach((d, i) => {
    const where = `edit "${edit.name}" delta ${i} (${d.param})`;
    const shape = shapes.get(d.param);
    if (!shape || !isEditableParam(d.param)) {
      throw new EditError(`${where}: not an editable parameter of this model (editable: h.L.mlp.c_proj|mlp.c_fc|attn.c_proj|attn.c_attn.weight, L < ${config.nLayer})`);
    }
    if (d.u.length !== shape[0] || d.v.length !== shape[1]) {
      throw new EditError(`${where}: factors u [${d.u.length}] and v [${d.v.length}] do not fit the parameter's shape [${shape}]`);
    }
    for (const [name, f] of [['u', d.u], ['v', d.v]] as const) {
      const bad = f.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new EditError(`${where}: ${name}[${bad}] is ${f[bad]}, factors must be finite`);
    }
  });
}

/** The dense delta u v^T of one rank-1 delta, row-major [rows, cols] (Float64 products rounded once). */
export function denseDelta(d: RankOneDelta): Float32Array {
  const out = new Float32Array(d.u.length * d.v.length);
  for (let i = 0; i < d.u.length; i++) for (let j = 0; j < d.v.length; j++) out[i * d.v.length + j] = d.u[i] * d.v[j];
  return out;
}
