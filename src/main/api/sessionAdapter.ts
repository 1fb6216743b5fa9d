/** Adapts an opened model session (src/main/services) to the API's ModelService and backend/memory parts. */
import { memoryInfo } from '../engine/backend';
import { promptMemoryBound } from '../engine/promptLimit';
import type { ModelSession } from '../services/modelSession';
import { predictNext } from '../services/predict';
import { maxPromptTokens, validateDataset } from '../datasets';
import { ApiError } from '../../shared/api/errors';
import type { ServiceParts } from './createServices';
import type { ModelService } from './services';

export function modelServiceFromSession(session: ModelSession): ModelService {
  return {
    name: session.name,
    config: session.config,
    parameterCount: session.parameterCount,
    backendName: session.backend.name,
    async predict(prompt, topK, signal) {
      // One forward pass cannot be interrupted; refuse to start one that is already cancelled.
      if (signal.aborted) throw new ApiError('cancelled', 'model.predict was cancelled');
      const { predictions } = await predictNext(session, prompt, topK);
      return predictions.map(({ token, id, logit, prob }) => ({ token, id, logit, prob }));
    },
    dir: session.dir,
    checkItems: (items, firstRow) => validateDataset(items, session.tokenizer, { firstRow, maxPromptTokens: maxPromptTokens(session.config), memoryBound: promptMemoryBound(session.config, session.backend) }).map((p) => ({ row: p.row, field: p.field, message: p.message })),
  };
}

/** The model, backend and tensor-memory parts of Services for one open session. */
export function sessionParts(session: ModelSession): Pick<ServiceParts, 'model' | 'backend' | 'tensorMemory'> {
  const model = modelServiceFromSession(session);
  const { name, provider, gpu, failures } = session.backend;
  return {
    model: () => model,
    backend: () => ({ name, provider, gpu, failures }),
    tensorMemory: () => memoryInfo(),
  };
}
