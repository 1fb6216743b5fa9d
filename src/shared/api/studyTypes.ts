/** What the study.run operation returns: the study run, its section runs, and where the report was written. */
import type { RunEntry } from './projectTypes';

export interface StudyOutcome {
  run: RunEntry;
  /** Runs of kind study.section, one per section per model, in report order. */
  sectionRunIds: number[];
  outDir: string;
  report: string;
  studyJson: string;
}
