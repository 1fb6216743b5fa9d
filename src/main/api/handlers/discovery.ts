/** Circuit discovery and evaluation as jobs (wired to src/main/circuits once it is part of the build). */
import { ApiError } from '../../../shared/api/errors';
import type { Handler } from './context';
import { requireProject } from './require';

const NOT_YET = 'Circuit discovery and evaluation are not part of this build yet (the circuits service has not landed).';

export const circuitDiscover: Handler<'circuit.discover'> = async (_params, { services }) => {
  requireProject(services);
  throw new ApiError('not_available', NOT_YET);
};

export const circuitEvaluate: Handler<'circuit.evaluate'> = async (_params, { services }) => {
  requireProject(services);
  throw new ApiError('not_available', NOT_YET);
};
