export { ApiRouter, type InvokeOptions } from './router';
export { ApiConnection } from './connection';
export { createServices, type ServiceParts } from './createServices';
export { modelServiceFromEngine, type EngineModel } from './engineAdapter';
export { handlers, type Handler, type HandlerContext, type HandlerTable } from './handlers';
export type { ModelService, ProjectService, Services } from './services';
