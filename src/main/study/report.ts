/**
 * The study as one self-contained HTML page: no scripts, no external files; figures are inline
 * SVG (rendered by charts.ts), tables are HTML tables, and the methods section lists every
 * parameter, each model's and dataset's hash, the backend and the versions.
 */
import { renderSvg } from './charts';
import { planCorruption } from './plan';
import type { StudyDocument } from './run';
import { SECTION_KINDS, type Cell, type StudySection, type StudyTable } from './types';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function formatCell(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'string') return c;
  if (!Number.isFinite(c)) return String(c);
  return Number.isInteger(c) ? String(c) : c.toFixed(Math.abs(c) >= 100 ? 1 : 4);
}

function tableHtml(t: StudyTable, maxRows = 40): string {
  const shown = t.rows.slice(0, maxRows);
  const more = t.rows.length > shown.length ? `<p class="more">${t.rows.length - shown.length} more rows in tables/${esc(t.id)}.csv</p>` : '';
  return `<figure class="table"><figcaption>${esc(t.title)}</figcaption><table><thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${shown
    .map((r) => `<tr>${r.map((c) => `<td class="${typeof c === 'number' ? 'num' : ''}">${esc(formatCell(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>${more}</figure>`;
}

function sectionHtml(s: StudySection, svgs: Map<string, string>): string {
  const figures = s.figures.map((f) => `<figure class="chart"><figcaption>${esc(f.title)}</figcaption>${svgs.get(f.id) ?? ''}</figure>`).join('');
  return `<section class="part" id="${esc(`${s.kind}-${s.model ?? 'all'}`)}"><h3>${esc(s.title)}${s.model ? ` <span class="model">${esc(s.model)}</span>` : ''}</h3><p>${esc(s.text)}</p><div class="figures">${figures}</div>${s.tables.map((t) => tableHtml(t)).join('')}</section>`;
}

function methodsHtml(doc: StudyDocument): string {
  const p = doc.plan.params;
  const corruption = planCorruption(doc.plan);
  const params: StudyTable = { id: 'methods-params', title: 'Parameters', columns: ['parameter', 'value'], rows: Object.entries(p).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') || '(task defaults)' : k === 'corruption' && v === '' ? `(task default: ${corruption})` : (v as Cell)]) };
  const models: StudyTable = {
    id: 'methods-models',
    title: 'Models and datasets',
    columns: ['model', 'folder', 'model SHA-256', 'parameters', 'layers', 'heads', 'd_model', 'vocabulary', 'prompts', 'dataset SHA-256'],
    rows: doc.provenance.models.map((m) => [m.label, m.dir, m.contentHash, m.parameterCount, m.layers, m.heads, m.dModel, m.vocabSize, m.prompts, m.datasetHash]),
  };
  const env: StudyTable = { id: 'methods-environment', title: 'Backend and versions', columns: ['component', 'value'], rows: [['backend', `${doc.provenance.backend.name} (${doc.provenance.backend.provider})`], ...Object.entries(doc.provenance.versions).map(([k, v]) => [k, v] as Cell[])] };
  return `<section class="part" id="methods"><h2>Methods</h2><p>Task <b>${esc(doc.plan.task)}</b>, ${p.n} prompt pairs per model generated with seed ${p.seed} from the ${esc(p.split)} split (the same items for every model); corrupted prompts by the <b>${esc(corruption)}</b> corruption. Metric: logit difference (correct minus incorrect) at the final position; patching and circuit ablation replace activations with the corrupted run's. Rerun with <code>circuit-workbench study --rerun study.json</code>.</p>${tableHtml(params, 100)}${tableHtml(models)}${tableHtml(env)}</section>`;
}

const STYLE = `body{font-family:sans-serif;margin:24px auto;max-width:1380px;color:#1d232b;background:#fff}h1{font-size:24px}h2{font-size:20px;border-bottom:1px solid #ccd;padding-bottom:4px;margin-top:32px}h3{font-size:16px}
.model{background:#e8eef6;border-radius:4px;padding:1px 6px;font-weight:normal}.figures{display:flex;flex-wrap:wrap;gap:12px}figure{margin:8px 0}figure.chart{border:1px solid #dde;border-radius:4px;padding:4px}
figcaption{font-size:13px;font-weight:bold;margin:4px}table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccd;padding:2px 6px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f3f7}.more{font-size:12px;color:#667}
nav a{margin-right:12px}`;

/** The report page. `svgs` maps figure ids to their SVG (renderSvg output). */
export function renderReport(doc: StudyDocument, svgs: Map<string, string> = new Map(doc.sections.flatMap((s) => s.figures.map((f) => [f.id, renderSvg(f)] as [string, string])))): string {
  const models = doc.plan.models.map((m) => m.label);
  const byKind = SECTION_KINDS.map((kind) => ({ kind, sections: doc.sections.filter((s) => s.kind === kind) })).filter((g) => g.sections.length > 0);
  const body = byKind.map((g) => `<h2 id="${g.kind}">${esc(g.sections[0].title)}</h2>${g.sections.map((s) => sectionHtml(s, svgs)).join('')}`).join('');
  const nav = byKind.map((g) => `<a href="#${g.kind}">${esc(g.sections[0].title.split(':')[0])}</a>`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Study: ${esc(doc.plan.task)} on ${esc(models.join(', '))}</title><style>${STYLE}</style></head><body><h1>Study: ${esc(doc.plan.task)} on ${esc(models.join(', '))}</h1><p>The research outline run end to end on ${models.length} model(s): logit lens, patching, attention, head functions, congruence, circuits with their metrics, token tracking, an edit and its validation, and the prediction table.</p><nav>${nav}</nav>${body}${methodsHtml(doc)}</body></html>\n`;
}
