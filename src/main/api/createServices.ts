/** Assemble a Services object from the parts that exist; missing parts answer "not available". */
import type { BackendStatus, MemoryStatus } from '../../shared/api/types';
import type { ModelSelection, ModelService, ProjectService, Services } from './services';

export interface ServiceParts {
  appName?: string;
  appVersion: string;
  model?: () => ModelService | null;
  projects?: () => ProjectService | null;
  modelSelection?: () => ModelSelection | null;
  backend?: () => BackendStatus | null;
  /** Tensor memory from the engine, when a backend is live. */
  tensorMemory?: () => { numBytes: number; numTensors: number } | null;
}

export function createServices(parts: ServiceParts): Services {
  return {
    appName: parts.appName ?? 'Circuit Workbench',
    appVersion: parts.appVersion,
    backend: () => parts.backend?.() ?? null,
    model: () => parts.model?.() ?? null,
    projects: () => parts.projects?.() ?? null,
    modelSelection: () => parts.modelSelection?.() ?? null,
    memory(): MemoryStatus {
      const usage = process.memoryUsage();
      const tensors = parts.tensorMemory?.() ?? null;
      return {
        rssBytes: usage.rss,
        heapUsedBytes: usage.heapUsed,
        tensorBytes: tensors ? tensors.numBytes : null,
        numTensors: tensors ? tensors.numTensors : null,
      };
    },
  };
}
