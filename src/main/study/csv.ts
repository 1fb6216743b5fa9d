/** Study tables as CSV (RFC 4180: fields with commas, quotes or line breaks are quoted). */
import type { Cell, StudyTable } from './types';

function field(c: Cell): string {
  const s = c === null ? '' : typeof c === 'number' ? String(c) : c;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableToCsv(t: StudyTable): string {
  return [t.columns, ...t.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
