/** Fetch a service or fail with a plain "not available" error. */
import { ApiError } from '../../../shared/api/errors';
import type { ModelService, ProjectService, Services } from '../services';

export function requireModel(services: Services): ModelService {
  const model = services.model();
  if (!model) throw new ApiError('not_available', 'No model is loaded.');
  return model;
}

export function requireProjects(services: Services): ProjectService {
  const projects = services.projects();
  if (!projects) throw new ApiError('not_available', 'Projects are not available yet: the project store is not connected.');
  return projects;
}

export function throwIfCancelled(signal: AbortSignal, op: string): void {
  if (signal.aborted) throw new ApiError('cancelled', `${op} was cancelled`);
}
