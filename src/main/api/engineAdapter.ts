/**
 * Adapts the engine's loaded model to the API's ModelService. The engine shape is declared here
 * structurally (what main/engine's loadModel is agreed to return), so this file changes only if
 * that contract does.
 */
import type { ModelConfigView, Prediction } from '../../shared/api/types';
import { ApiError } from '../../shared/api/errors';
import type { ModelService } from './services';

export interface EngineModel {
  config: ModelConfigView;
  backendName: string;
  predict(prompt: string, topK: number): Promise<Prediction[]>;
}

export function modelServiceFromEngine(model: EngineModel, name: string, parameterCount: number): ModelService {
  return {
    name,
    config: model.config,
    parameterCount,
    backendName: model.backendName,
    async predict(prompt, topK, signal) {
      // One forward pass cannot be interrupted; refuse to start one that is already cancelled.
      if (signal.aborted) throw new ApiError('cancelled', 'model.predict was cancelled');
      return model.predict(prompt, topK);
    },
  };
}
