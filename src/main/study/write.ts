/**
 * Writing a study folder: study.json (plan, provenance, every section's numbers), report.html
 * (self-contained), figures/<id>.svg and tables/<id>.csv. Reading study.json back checks its
 * format and plan, naming the file and the field at fault.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderSvg } from './charts';
import { tableToCsv } from './csv';
import { makePlan, STUDY_FORMAT, StudyPlanError, type StudyPlan } from './plan';
import { renderReport } from './report';
import type { StudyDocument } from './run';

export interface WrittenStudy {
  dir: string;
  studyJson: string;
  report: string;
  figures: string[];
  tables: string[];
}

export async function writeStudy(dir: string, doc: StudyDocument): Promise<WrittenStudy> {
  const out = path.resolve(dir);
  await mkdir(path.join(out, 'figures'), { recursive: true });
  await mkdir(path.join(out, 'tables'), { recursive: true });
  const svgs = new Map<string, string>();
  const figures: string[] = [];
  const tables: string[] = [];
  for (const s of doc.sections) {
    for (const f of s.figures) {
      const svg = renderSvg(f);
      svgs.set(f.id, svg);
      const file = path.join(out, 'figures', `${f.id}.svg`);
      await writeFile(file, svg);
      figures.push(file);
    }
    for (const t of s.tables) {
      const file = path.join(out, 'tables', `${t.id}.csv`);
      await writeFile(file, tableToCsv(t));
      tables.push(file);
    }
  }
  const report = path.join(out, 'report.html');
  await writeFile(report, renderReport(doc, svgs));
  const studyJson = path.join(out, 'study.json');
  await writeFile(studyJson, `${JSON.stringify(doc, null, 1)}\n`);
  return { dir: out, studyJson, report, figures, tables };
}

/** The plan of a study.json (and the whole document), checked. */
export async function readStudy(file: string): Promise<{ plan: StudyPlan; doc: StudyDocument }> {
  const where = path.resolve(file);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (err) {
    throw new StudyPlanError(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let doc: StudyDocument;
  try {
    doc = JSON.parse(text) as StudyDocument;
  } catch (err) {
    throw new StudyPlanError(`${where}: not JSON (${(err as Error).message.slice(0, 120)})`);
  }
  if (!doc || typeof doc !== 'object' || doc.format !== STUDY_FORMAT) throw new StudyPlanError(`${where}: field "format" must be "${STUDY_FORMAT}"`);
  if (!doc.plan || typeof doc.plan !== 'object') throw new StudyPlanError(`${where}: field "plan" is missing`);
  const plan = makePlan({ task: doc.plan.task, models: doc.plan.models, params: doc.plan.params as unknown as Record<string, unknown> }, `${where}: plan`);
  return { plan, doc };
}
