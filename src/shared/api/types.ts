/** Result types of the API operations: plain JSON data, the same over IPC and WebSocket. */

export interface BackendStatus {
  /** 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** The package that provides it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  provider: string;
  gpu: boolean;
  /** Preferred backends that are installed but failed to load: the loader's error and the fix. */
  failures?: { provider: string; error: string; fix: string }[];
}

export interface MemoryStatus {
  /** Resident memory of the process that owns the model. */
  rssBytes: number;
  heapUsedBytes: number;
  /** Tensor memory as the backend reports it; null when no backend is live. */
  tensorBytes: number | null;
  numTensors: number | null;
}

export interface AppInfo {
  name: string;
  version: string;
  /** null until a model (and with it a backend) has been loaded. */
  backend: BackendStatus | null;
  memory: MemoryStatus;
  /** The loaded model's name, or null. */
  model: string | null;
}

/** The model configuration as the UI sees it (the engine's ModelConfig must fit this shape). */
export interface ModelConfigView {
  nLayer: number;
  nHead: number;
  dModel: number;
  dHead: number;
  dMlp: number;
  nCtx: number;
  vocabSize: number;
  lnEps: number;
  activation: string;
  normalization: string;
  attnOnly: boolean;
  tiedEmbeddings: boolean;
  unembedBias: boolean;
}

export interface ModelInfo {
  name: string;
  config: ModelConfigView;
  parameterCount: number;
  backend: string;
}

export interface Prediction {
  token: string;
  id: number;
  logit: number;
  prob: number;
}

export interface PredictResult {
  prompt: string;
  predictions: Prediction[];
}

export interface EchoResult {
  message: string;
}

export interface SleepResult {
  sleptMs: number;
}

export interface ProjectSummary {
  path: string;
  name: string;
}

export interface RecentProjects {
  projects: ProjectSummary[];
}

export interface ExportResult {
  path: string;
  bytes: number;
}
