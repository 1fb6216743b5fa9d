/**
 * Serve mode: a finished study's report, figures, tables and study.json, read-only, from the folder
 * its run wrote (the run's outDir in the open project). Only runs of kind study.run that are done,
 * only the file names a study writes (shared/studyReport), and never a file whose real path
 * (symlinks resolved) leaves the study's folder. server.ts checks the session before this runs.
 * The report is self-contained and has no script: it is sent sandboxed, with nothing to fetch.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { ApiRouter } from '../main/api/router';
import { studyFilePath } from '../main/study/reportFiles';
import { STUDY_REPORT_PREFIX } from '../shared/studyReport';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** Inline styles and data: images only (the report's own), no script, an opaque origin. */
const REPORT_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...REPORT_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

export function isStudyFileRequest(pathname: string): boolean {
  return pathname.startsWith(STUDY_REPORT_PREFIX);
}

export async function serveStudyFile(router: ApiRouter, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlain(res, 405, 'Method not allowed');
  const found = await studyFilePath(router, pathname);
  if (!('file' in found)) return sendPlain(res, found.status, found.reason);
  const body = await readFile(found.file);
  res.writeHead(200, { ...REPORT_HEADERS, 'Content-Type': TYPES[extname(found.file)] ?? 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? '' : body);
}
