/** The handler table: one entry per operation in src/shared/api/operations.ts. */
import { appInfo } from './app';
import type { HandlerTable } from './context';
import { echo, sleep } from './diagnostics';
import { modelInfo, modelPredict } from './model';
import { projectCreate, projectExport, projectOpen, projectRecent, projectSaveAs } from './project';

export const handlers: HandlerTable = {
  'app.info': appInfo,
  'model.info': modelInfo,
  'model.predict': modelPredict,
  'project.create': projectCreate,
  'project.open': projectOpen,
  'project.saveAs': projectSaveAs,
  'project.recent': projectRecent,
  'project.export': projectExport,
  echo,
  sleep,
};

export type { Handler, HandlerContext, HandlerTable } from './context';
