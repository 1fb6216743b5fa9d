/**
 * Where a finished study's files are served in the browser (serve mode): /study-report/<runId>/<file>,
 * read from the folder the study run wrote. The renderer builds these addresses; the server reads
 * them back with the same pattern, which admits only the files a study writes (no other name, no
 * `..`, no percent-escapes).
 */
export const STUDY_REPORT_PREFIX = '/study-report/';
export const STUDY_REPORT_FILE = 'report.html';

const STUDY_FILE = /^\/study-report\/([1-9]\d{0,9})\/(report\.html|study\.json|figures\/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.svg|tables\/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.csv)$/;

export function studyReportUrl(runId: number, file: string = STUDY_REPORT_FILE): string {
  return `${STUDY_REPORT_PREFIX}${runId}/${file}`;
}

/** The run id and the file (relative to the study's folder) of a study-report address, or null. */
export function parseStudyReportPath(pathname: string): { runId: number; file: string } | null {
  const m = STUDY_FILE.exec(pathname);
  return m ? { runId: Number(m[1]), file: m[2] } : null;
}
