/** CSV (RFC 4180) of the data behind a chart or table, for "Export CSV". */

export type Cell = string | number | null | undefined;

function field(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/** A matrix in long form: one row per cell, named by its row and column labels. */
export function matrixCsv(rowName: string, colName: string, rows: readonly string[], cols: readonly string[], values: readonly number[]): string {
  const out: Cell[][] = [];
  rows.forEach((r, i) => cols.forEach((c, j) => out.push([r, c, values[i * cols.length + j]])));
  return toCsv([rowName, colName, 'value'], out);
}
