/** model.add: a model from a folder or by Hugging Face id into the open project, loaded at once. */
import { ApiError } from '../../../shared/api/errors';
import { NotCachedError } from '../../loader/hub';
import type { ModelSource } from '../services';
import { modelEntry } from '../project/views';
import type { Handler } from './context';
import { requireProject } from './require';

const PROGRESS_UNITS = 1000;

export const modelAdd: Handler<'model.add'> = async ({ path, id, download }, { services, signal, progress }) => {
  const project = requireProject(services);
  const selection = services.modelSelection();
  if (!selection) throw new ApiError('not_available', 'This workbench cannot switch models.');
  if ((path === undefined) === (id === undefined)) throw new ApiError('invalid_request', 'model.add: give either path (a model folder) or id (a Hugging Face model id)', 'params');
  const source: ModelSource = path !== undefined ? { path } : { id: id!, download: download === true };
  let modelId: number;
  try {
    modelId = await selection.add(source, (f, message) => progress({ done: Math.round(f * PROGRESS_UNITS), total: PROGRESS_UNITS, message }), signal);
  } catch (error) {
    // The UI asks the user before it retries with download: true.
    if (error instanceof NotCachedError) throw new ApiError('not_found', error.message, 'params.id');
    throw error;
  }
  return { model: modelEntry(project.store.models.get(modelId), project.loadedModelHash) };
};
