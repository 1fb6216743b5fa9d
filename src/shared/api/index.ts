/** The typed API shared by main, preload and renderer. */
export * from './errors';
export * from './operations';
export * from './protocol';
export * as schema from './schema';
export { ValidationError, type AnySchema, type Infer, type Schema } from './schema';
export * from './types';
export * from './validate';
export * from './client';
export * from './projectTypes';
export * from './circuitTypes';
export * from './analysisKinds';
