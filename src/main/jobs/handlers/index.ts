/**
 * The job kinds the workbench runs, each named by the module and export of its handler (the
 * worker imports the module itself). From source (tsx, vitest) the handlers are the .ts files
 * beside this one; from a build they are the .js files a bundle places here.
 */
import { ANALYSIS_KINDS } from '../../../shared/api/analysisKinds';
import { JobRegistry } from '../registry';
import { CIRCUIT_JOB_KINDS, registerCircuitJobs } from './circuits';
import { COMPARE_JOB_KIND } from './compare';
import { EDITING_JOB_KINDS } from './editing';
import type { HandlerModuleName } from './modules';
import { EXPORT_JOB_KIND } from './exportBundle';
import { STUDY_JOB_KIND } from '../../study/plan';

/** Job kinds of the circuit tools: the circuits service's own, plus evaluation and path patching. */
export const CIRCUIT_TOOL_KINDS = { ...CIRCUIT_JOB_KINDS, evaluate: 'circuit-eval', pathPatching: 'path-patching' } as const;

export const ANALYSIS_JOB_KINDS = ANALYSIS_KINDS;
export type AnalysisJobKind = (typeof ANALYSIS_JOB_KINDS)[number];

const ANALYSIS_EXPORTS: Record<AnalysisJobKind, string> = {
  'logit-lens': 'logitLensJob',
  dla: 'dlaJob',
  patching: 'patchingJob',
  attention: 'attentionJob',
  correlation: 'correlationJob',
  'copy-scores': 'copyScoresJob',
  neuroscope: 'neuroscopeJob',
};

/**
 * URL of a handler module beside this file, in the same flavour (.ts or .js) as this file. Only
 * names in HANDLER_MODULES are accepted, so every module registered here is a build entry.
 */
export function handlerModule(name: HandlerModuleName): URL {
  const extension = /\.ts$/.test(new URL(import.meta.url).pathname) ? 'ts' : 'js';
  return new URL(`./${name}.${extension}`, import.meta.url);
}

/** A registry with every workbench job kind. */
export function workbenchJobRegistry(): JobRegistry {
  const registry = new JobRegistry();
  for (const kind of ANALYSIS_JOB_KINDS) registry.register(kind, handlerModule('analysis'), ANALYSIS_EXPORTS[kind]);
  registerCircuitJobs(registry, handlerModule('circuits'));
  registry.register(CIRCUIT_TOOL_KINDS.evaluate, handlerModule('circuitTools'), 'evaluateCircuitJob');
  registry.register(CIRCUIT_TOOL_KINDS.pathPatching, handlerModule('circuitTools'), 'pathPatchingJob');
  registry.register(EDITING_JOB_KINDS.rome, handlerModule('editing'), 'romeJob');
  registry.register(EDITING_JOB_KINDS.head, handlerModule('editing'), 'headEditJob');
  registry.register(COMPARE_JOB_KIND, handlerModule('compare'), 'compareJob');
  registry.register(EXPORT_JOB_KIND, handlerModule('exportBundle'), 'exportBundleJob');
  registry.register(STUDY_JOB_KIND, handlerModule('study'), 'studyJob');
  return registry;
}
