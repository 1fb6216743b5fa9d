/**
 * Edits in a project: each rank-1 delta is stored as its two factors, tensors named
 * `<param>#<i>.u` [rows] and `<param>#<i>.v` [cols] (i = the delta's index in the edit), so the
 * store keeps O(rows + cols) numbers per delta and reading it back restores the exact factors.
 * The edited model is registered as a model of its own (base id, edit id, content hash).
 */
import type { ModelRecord } from '../store/repos/models';
import type { EditRecord } from '../store/repos/edits';
import type { ProjectStore } from '../store/project-store';
import type { TensorInput } from '../store/tensors';
import type { Json } from '../store/values';
import { parseHfConfig, toHfConfig, type ModelConfig } from '../engine/config';
import { EditError, validateEdit, type ModelEdit, type RankOneDelta } from './delta';
import { editedContentHash } from './contentHash';

const FACTOR_NAME = /^(.+)#(\d+)\.(u|v)$/;

export function factorTensors(edit: ModelEdit): Record<string, TensorInput> {
  const out: Record<string, TensorInput> = {};
  edit.deltas.forEach((d, i) => {
    out[`${d.param}#${i}.u`] = { shape: [d.u.length], data: d.u };
    out[`${d.param}#${i}.v`] = { shape: [d.v.length], data: d.v };
  });
  return out;
}

/**
 * The rank-1 deltas stored as factor tensors (an edit's, or an editing job's result), checking
 * every factor is there. `owner` names the record in errors, e.g. 'edit 3 ("rome: cat")'.
 */
export function deltasFromFactors(owner: string, tensors: Iterable<[string, { dtype: string; shape: readonly number[]; data: ArrayLike<number> }]>): RankOneDelta[] {
  const parts = new Map<number, { param: string; u?: Float32Array; v?: Float32Array }>();
  for (const [name, t] of tensors) {
    const m = FACTOR_NAME.exec(name);
    if (!m || t.dtype !== 'float32' || t.shape.length !== 1) {
      throw new EditError(`${owner}: stored tensor "${name}" is not a rank-1 factor (<param>#<i>.u|v, float32, 1-D)`);
    }
    const i = Number(m[2]);
    const p = parts.get(i) ?? { param: m[1] };
    if (p.param !== m[1]) throw new EditError(`${owner}: delta ${i} names two parameters, ${p.param} and ${m[1]}`);
    p[m[3] as 'u' | 'v'] = t.data as Float32Array;
    parts.set(i, p);
  }
  return [...parts.keys()].sort((a, b) => a - b).map((i, pos) => {
    const p = parts.get(i)!;
    if (i !== pos) throw new EditError(`${owner}: delta ${pos} is missing (found delta ${i})`);
    if (!p.u || !p.v) throw new EditError(`${owner}: delta ${i} (${p.param}) lacks its ${p.u ? 'v' : 'u'} factor`);
    return { param: p.param, u: p.u, v: p.v };
  });
}

/** Read an edit's deltas back from the store, checking every factor is there. */
export function loadEdit(store: ProjectStore, editId: number): ModelEdit & { id: number; modelId: number } {
  const record = store.edits.get(editId);
  const deltas = deltasFromFactors(`edit ${editId} ("${record.name}")`, store.edits.deltas(editId));
  return { id: record.id, modelId: record.modelId, name: record.name, spec: record.spec, deltas };
}

export interface SavedEdit {
  edit: EditRecord;
  model: ModelRecord;
}

/**
 * Store an edit made on project model `baseModelId` and register the edited model (name, content
 * hash from the base's hash and the deltas, the base's config), in one go.
 */
export function saveEdit(store: ProjectStore, input: { baseModelId: number; config: ModelConfig; edit: ModelEdit; modelName?: string; runId?: number }): SavedEdit {
  validateEdit(input.config, input.edit);
  const base = store.models.get(input.baseModelId);
  const edit = store.edits.create({ modelId: base.id, name: input.edit.name, spec: input.edit.spec, deltas: factorTensors(input.edit), runId: input.runId });
  const model = store.models.addEdited({
    name: input.modelName ?? `${base.name} + ${input.edit.name}`,
    baseModelId: base.id,
    editId: edit.id,
    contentHash: editedContentHash(base.contentHash, [input.edit]),
    config: (base.config ?? toHfConfig(input.config)) as Json,
  });
  return { edit, model };
}

/**
 * A project model's config. Models are stored with their Hugging Face config.json keys; projects
 * written by the first app builds hold the engine's own (camelCase) config, read here as well.
 */
export function recordConfig(record: ModelRecord): ModelConfig {
  const raw = (record.config ?? {}) as Record<string, unknown>;
  if ('nLayer' in raw && !('n_layer' in raw)) return parseHfConfig(toHfConfig(raw as unknown as ModelConfig), `model ${record.id} ("${record.name}") config`);
  return parseHfConfig(raw, `model ${record.id} ("${record.name}") config`);
}

/**
 * The chain of edits that makes project model `modelId` from its root (unedited) model: the
 * root's record and the edits in the order they were applied.
 */
export function editChain(store: ProjectStore, modelId: number): { root: ModelRecord; edits: Array<ModelEdit & { id: number }> } {
  const edits: Array<ModelEdit & { id: number }> = [];
  let m = store.models.get(modelId);
  const seen = new Set<number>();
  while (m.baseModelId !== null && m.editId !== null) {
    if (seen.has(m.id)) throw new EditError(`model ${modelId}: its chain of base models loops at model ${m.id}`);
    seen.add(m.id);
    edits.unshift(loadEdit(store, m.editId));
    m = store.models.get(m.baseModelId);
  }
  return { root: m, edits };
}
