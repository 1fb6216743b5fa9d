import type { Handler } from './context';
import { requireModel, throwIfCancelled } from './require';

const DEFAULT_TOP_K = 10;

export const modelInfo: Handler<'model.info'> = async (_params, { services }) => {
  const model = requireModel(services);
  return { name: model.name, config: model.config, parameterCount: model.parameterCount, backend: model.backendName };
};

export const modelPredict: Handler<'model.predict'> = async ({ prompt, topK }, { services, signal }) => {
  const model = requireModel(services);
  const predictions = await model.predict(prompt, topK ?? DEFAULT_TOP_K, signal);
  throwIfCancelled(signal, 'model.predict');
  return { prompt, predictions };
};
