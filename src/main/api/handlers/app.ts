import type { Handler } from './context';

export const appInfo: Handler<'app.info'> = async (_params, { services }) => ({
  name: services.appName,
  version: services.appVersion,
  backend: services.backend(),
  memory: services.memory(),
  model: services.model()?.name ?? null,
});
