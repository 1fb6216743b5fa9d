/** Circuit discovery: the edge graph, edge interventions, path patching, ACDC, EAP / EAP-IG, evaluation, JSON. */
export { ModelGraph, CircuitGraphError, graphShapeOf, countEdges, NODE_KIND, INPUT_KIND, type GraphShape, type NodeKind, type InputKind, type SenderGroup } from './graph';
export { ABLATION_KINDS, type AblationKind, type MeanReference } from './ablation';
export { EdgeRunner, type EdgeRunnerOptions, type Presence, type Prefix } from './intervene';
export { edgeAttribution, type AttributionOptions, type AttributionResult } from './eap';
export { runAcdc, acdcStep, acdcInitialState, acdcOrder, checkAcdcState, PrefixCache, type AcdcOptions, type AcdcRunOptions, type AcdcResult, type AcdcState } from './acdc';
export { pathPatching, type PathPatchOptions, type PathPatchResult, type PathReceiver } from './pathPatching';
export { faithfulness, completeness, minimality, faithfulnessCurve, overlap, rocAuc, CURVE_FRACTIONS, type Faithfulness, type Completeness, type KnockOut, type MinimalityEntry, type FaithfulnessCurve, type CurvePoint, type Overlap } from './evaluation';
export { selectEdges, pruneMask, rankEdges, reachability, knockOutNodes, nodesOfMask, innerNodes, type SelectOptions } from './select';
export { exportCircuit, importCircuit, CircuitJsonError, CIRCUIT_FORMAT, EDGE_ORDER, type CircuitDocument, type ImportedCircuit, type ExportOptions } from './json';
export { encodeMask, decodeMask } from './maskCodec';
export { acdcCircuit, attributionCircuit, promptBatchFor, type DataSpec, type AcdcReport, type AttributionReport, type AcdcServiceOptions, type AttributionServiceOptions, type RunSettings } from './service';
