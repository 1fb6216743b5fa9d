/** Fetch a service or fail with a plain "not available" / "not found" error. */
import { ApiError } from '../../../shared/api/errors';
import { StoreError } from '../../store';
import type { OpenProject } from '../project/openProject';
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

/** The open project (store + job runner). */
export function requireProject(services: Services): OpenProject {
  const project = requireProjects(services).current();
  if (!project) throw new ApiError('not_available', 'No project is open: create or open one from the File menu.');
  return project;
}

/** The model folder jobs load, or a plain error when the model cannot run jobs. */
export function requireModelDir(services: Services): string {
  const dir = requireModel(services).dir;
  if (!dir) throw new ApiError('not_available', 'The loaded model has no folder on disk, so analyses cannot run on it.');
  return dir;
}

/** Look a row up; a missing one is "not found" in words ("There is no dataset 7 in this project."). */
export function found<T>(what: string, id: number, get: () => T): T {
  try {
    return get();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'NO_SUCH_ROW') throw new ApiError('not_found', `There is no ${what} ${id} in this project.`);
    throw error;
  }
}

export function throwIfCancelled(signal: AbortSignal, op: string): void {
  if (signal.aborted) throw new ApiError('cancelled', `${op} was cancelled`);
}
