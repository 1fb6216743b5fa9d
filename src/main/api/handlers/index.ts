/** The handler table: one entry per operation in src/shared/api/operations.ts. */
import { appInfo } from './app';
import { circuitCreate, circuitDiff, circuitExport, circuitGet, circuitImport, circuitRemove, circuitRename, circuitSave } from './circuits';
import type { HandlerTable } from './context';
import { datasetGenerate, datasetImport, datasetItems, datasetRemove, datasetTasks } from './datasets';
import { echo, sleep } from './diagnostics';
import { circuitDiscover, circuitEvaluate } from './discovery';
import { editCompare, editExport, editHead, editRome, modelSelect } from './editing';
import { modelInfo, modelPredict } from './model';
import { modelAdd } from './modelAdd';
import { projectCreate, projectCurrent, projectExport, projectOpen, projectRecent, projectSaveAs } from './project';
import { analysisRun, runCancel, runGet, runList, runRemove, runRerun, runResume } from './runs';
import { studyRun } from './study';
import { analysisAttention } from './promptAnalysis';

export const handlers: HandlerTable = {
  'app.info': appInfo,
  'model.info': modelInfo,
  'model.predict': modelPredict,
  'project.create': projectCreate,
  'project.open': projectOpen,
  'project.saveAs': projectSaveAs,
  'project.recent': projectRecent,
  'project.export': projectExport,
  'project.current': projectCurrent,
  'dataset.tasks': datasetTasks,
  'dataset.generate': datasetGenerate,
  'dataset.import': datasetImport,
  'dataset.items': datasetItems,
  'dataset.remove': datasetRemove,
  'analysis.run': analysisRun,
  'analysis.attention': analysisAttention,
  'run.list': runList,
  'run.get': runGet,
  'run.cancel': runCancel,
  'run.resume': runResume,
  'run.rerun': runRerun,
  'run.remove': runRemove,
  'circuit.get': circuitGet,
  'circuit.create': circuitCreate,
  'circuit.save': circuitSave,
  'circuit.rename': circuitRename,
  'circuit.remove': circuitRemove,
  'circuit.export': circuitExport,
  'circuit.import': circuitImport,
  'circuit.diff': circuitDiff,
  'circuit.discover': circuitDiscover,
  'circuit.evaluate': circuitEvaluate,
  'model.select': modelSelect,
  'model.add': modelAdd,
  'edit.rome': editRome,
  'edit.head': editHead,
  'edit.compare': editCompare,
  'edit.export': editExport,
  'study.run': studyRun,
  echo,
  sleep,
};

export type { Handler, HandlerContext, HandlerTable } from './context';
