/** Circuit operations: versions, create/save/rename/delete, JSON export/import, diff. */
import { ApiError } from '../../../shared/api/errors';
import { circuitFromJson, circuitToJson, edgeKey, VersionConflictError, type CircuitGraph, type ProjectStore } from '../../store';
import type { CircuitDiffView, CircuitGraphView } from '../../../shared/api/circuitTypes';
import { circuitEntry } from '../project/views';
import type { Handler } from './context';
import { found, requireProject } from './require';

/** The graph as the store validates it (ids, edges between known nodes, finite scores). */
const asGraph = (graph: Record<string, unknown>): CircuitGraph => graph as unknown as CircuitGraph;

export const circuitGet: Handler<'circuit.get'> = async ({ circuitId, version }, { services }) => {
  const { store } = requireProject(services);
  const circuit = found('circuit', circuitId, () => store.circuits.get(circuitId));
  const v = found(version === undefined ? 'circuit' : `version ${version} of circuit`, version ?? circuitId, () => store.circuits.version(circuitId, version));
  return {
    circuit: circuitEntry(circuit),
    version: v.version,
    graph: v.graph as CircuitGraphView,
    versions: store.circuits.versions(circuitId).map(({ version: n, parentVersion, message, createdAt }) => ({ version: n, parentVersion, message, createdAt })),
  };
};

export const circuitCreate: Handler<'circuit.create'> = async ({ name, graph }, { services }) => {
  const project = requireProject(services);
  return circuitEntry(project.store.circuits.create({ name, graph: asGraph(graph), modelId: project.loadedModelId() ?? undefined, message: 'created' }));
};

export const circuitSave: Handler<'circuit.save'> = async ({ circuitId, graph, message, baseVersion }, { services }) => {
  const { store } = requireProject(services);
  const circuit = found('circuit', circuitId, () => store.circuits.get(circuitId));
  if (baseVersion !== undefined) found(`version ${baseVersion} of circuit`, circuitId, () => store.circuits.version(circuitId, baseVersion));
  return { version: saveVersion(store, circuit.id, circuit.name, asGraph(graph), { message, baseVersion }) };
};

/** Save a version; a save from a version that is no longer the head is a 'conflict' in words. */
export function saveVersion(store: ProjectStore, circuitId: number, name: string, graph: CircuitGraph, opts: { message?: string; baseVersion?: number }): number {
  try {
    return store.circuits.save(circuitId, graph, opts);
  } catch (error) {
    if (error instanceof VersionConflictError) {
      throw new ApiError(
        'conflict',
        `Circuit "${name}" was saved as version ${error.headVersion} elsewhere after version ${error.baseVersion}, which this edit started from. Nothing was overwritten: load version ${error.headVersion}, or save this edit as a new circuit.`,
        'params.baseVersion',
      );
    }
    throw error;
  }
}

export const circuitRename: Handler<'circuit.rename'> = async ({ circuitId, name }, { services }) => {
  const { store } = requireProject(services);
  found('circuit', circuitId, () => store.circuits.rename(circuitId, name));
  return circuitEntry(store.circuits.get(circuitId));
};

export const circuitRemove: Handler<'circuit.remove'> = async ({ circuitId }, { services }) => {
  const { store } = requireProject(services);
  found('circuit', circuitId, () => store.circuits.remove(circuitId));
  return { removed: circuitId };
};

export const circuitExport: Handler<'circuit.export'> = async ({ circuitId, version }, { services }) => {
  const { store } = requireProject(services);
  return found('circuit', circuitId, () => circuitToJson(store, circuitId, version)) as unknown as Record<string, unknown>;
};

export const circuitImport: Handler<'circuit.import'> = async ({ document, name }, { services }) => {
  const project = requireProject(services);
  return circuitEntry(circuitFromJson(project.store, document, { name, modelId: project.loadedModelId() ?? undefined }));
};

function split(a: Iterable<string>, b: Iterable<string>): { onlyA: string[]; onlyB: string[]; both: string[] } {
  const setA = new Set(a);
  const setB = new Set(b);
  return { onlyA: [...setA].filter((x) => !setB.has(x)), onlyB: [...setB].filter((x) => !setA.has(x)), both: [...setA].filter((x) => setB.has(x)) };
}

export const circuitDiff: Handler<'circuit.diff'> = async ({ a, b, aVersion, bVersion }, { services }) => {
  const { store } = requireProject(services);
  const ca = found('circuit', a, () => store.circuits.get(a));
  const cb = found('circuit', b, () => store.circuits.get(b));
  const va = found(`version ${aVersion} of circuit`, a, () => store.circuits.version(a, aVersion));
  const vb = found(`version ${bVersion} of circuit`, b, () => store.circuits.version(b, bVersion));
  const diff: CircuitDiffView = {
    a: { circuitId: a, name: ca.name, version: va.version },
    b: { circuitId: b, name: cb.name, version: vb.version },
    nodes: split(va.graph.nodes.map((n) => n.id), vb.graph.nodes.map((n) => n.id)),
    edges: split(va.graph.edges.map(edgeKey), vb.graph.edges.map(edgeKey)),
  };
  return diff;
};
