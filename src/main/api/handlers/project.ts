/** Project operations: thin calls into the project store (not available until it is wired in). */
import type { Handler } from './context';
import { requireProject, requireProjects, throwIfCancelled } from './require';

export const projectCreate: Handler<'project.create'> = async ({ path }, { services }) => requireProjects(services).create(path);

export const projectOpen: Handler<'project.open'> = async ({ path }, { services }) => requireProjects(services).open(path);

export const projectSaveAs: Handler<'project.saveAs'> = async ({ path }, { services }) => requireProjects(services).saveAs(path);

export const projectRecent: Handler<'project.recent'> = async (_params, { services }) => ({
  projects: await requireProjects(services).recent(),
});

export const projectExport: Handler<'project.export'> = async ({ path }, { services, signal, progress }) => {
  const result = await requireProjects(services).exportJson(path, (done, total) => progress({ done, total, message: 'Exporting' }), signal);
  throwIfCancelled(signal, 'project.export');
  return result;
};

export const projectCurrent: Handler<'project.current'> = async (_params, { services }) => requireProject(services).overview();
