/** Boundary validation of one request: the operation must exist and its params must fit its schema. */
import { ApiError } from './errors';
import { isOpName, operations, type OpName, type ParamsOf } from './operations';
import { invalidParams } from './protocol';
import { ValidationError } from './schema';

export function validateOp(op: string): OpName {
  if (!isOpName(op)) throw new ApiError('unknown_operation', `"${op}" is not an operation`, 'message.op');
  return op;
}

export function validateParams<K extends OpName>(op: K, params: unknown): ParamsOf<K> {
  try {
    // Params may be left out entirely for operations that take none.
    return operations[op].params.parse(params === undefined ? {} : params, 'params') as ParamsOf<K>;
  } catch (error) {
    if (error instanceof ValidationError) throw invalidParams(op, error);
    throw error;
  }
}
