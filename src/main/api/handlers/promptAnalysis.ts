/**
 * Analyses of one prompt (typed, or an item of a dataset) as jobs on the project's runner: every
 * head's attention pattern for one layer or the whole model. The run is saved like analysis.run's.
 */
import { ApiError } from '../../../shared/api/errors';
import { runJobToEnd } from '../jobs';
import { runEntry } from '../project/views';
import type { Handler } from './context';
import { requireModel, requireModelDir, requireProject } from './require';
import { datasetForJob } from './runs';

export const analysisAttention: Handler<'analysis.attention'> = async (params, { services, signal, progress }) => {
  const project = requireProject(services);
  const model = requireModel(services);
  const modelDir = requireModelDir(services);
  if ((params.prompt === undefined) === (params.datasetId === undefined)) {
    throw new ApiError('invalid_request', 'analysis.attention: give either a prompt or a datasetId (with an item), not both or neither', params.prompt === undefined ? 'params.prompt' : 'params.datasetId');
  }
  if (params.layer !== undefined && params.layer >= model.config.nLayer) {
    throw new ApiError('failed', `The model has ${model.config.nLayer} layers (0 to ${model.config.nLayer - 1}); layer ${params.layer} does not exist.`);
  }
  const dataset = params.datasetId === undefined ? undefined : datasetForJob(project, params.datasetId);
  const item = params.item ?? 0;
  if (dataset && item >= dataset.items.length) {
    throw new ApiError('failed', `Dataset "${dataset.datasetName}" has ${dataset.items.length} items (0 to ${dataset.items.length - 1}); item ${item} does not exist.`);
  }
  const jobParams = {
    modelDir,
    items: dataset ? dataset.items : [],
    item,
    ...(dataset ? { datasetId: dataset.datasetId, datasetName: dataset.datasetName } : { prompt: params.prompt }),
    side: params.side ?? 'clean',
    ...(params.layer === undefined ? {} : { layer: params.layer }),
  };
  const record = await runJobToEnd(project, 'attention', jobParams, {
    signal,
    progress,
    datasetHash: dataset?.datasetHash,
    modelHash: project.loadedModelHash ?? undefined,
    backend: services.backend()?.name,
  });
  const summary = project.store.results.listForRun(record.id)[0]?.summary;
  return { run: runEntry(record), result: summary ?? null };
};
