/** The project store's public surface. */
export * from './errors';
export { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, applyMigrations, schemaVersion, type Migration } from './migrations';
export { probeProjectFile, FULL_CHECK_LIMIT_BYTES, type IntegrityMode, type ProbeReport } from './probe';
export { sweepInterruptedExports, pendingExportsDir } from './pendingExports';
export { ProjectStore, configureConnection, DEFAULT_BUSY_TIMEOUT_MS, type OpenOptions, type OpenReport, type ProjectInfo } from './project-store';
export { importProject, circuitToJson, circuitFromJson, resultToJson, resultToCsv, CIRCUIT_JSON_FORMAT, RESULT_JSON_FORMAT, type CircuitJson, type ResultJson } from './export-import';
export type { Json } from './values';
export type { DType, StoredTensor, TensorData, TensorInput } from './tensors';
export { RunRepo, RESUMABLE_STATUSES, type NewRun, type RunRecord, type RunStatus } from './repos/runs';
export { ResultRepo, type ResultInput, type ResultMeta, type ResultRecord } from './repos/results';
export { CircuitRepo, type CircuitRecord, type CircuitVersion, type CircuitVersionMeta } from './repos/circuits';
export { diffCircuitGraphs, edgeKey, validateCircuitGraph, type CircuitDiff, type CircuitEdge, type CircuitGraph, type CircuitNode } from './repos/circuit-graph';
export { DatasetRepo, datasetContentHash, type DatasetItem, type DatasetRecord } from './repos/datasets';
export { ModelRepo, type ModelRecord } from './repos/models';
export { EditRepo, type EditRecord } from './repos/edits';
export { NoteRepo, type NoteRecord, type NoteTarget, type NoteTargetKind } from './repos/notes';
export { openWorkerConnection } from './worker-connection';
