/** The loss curve as a small self-contained SVG and as a compact table of window means. */

/** Means of consecutive windows: `count` rows of [first step, last step, mean loss] (steps 1-based). */
export function lossWindows(losses: readonly number[], count: number): [number, number, number][] {
  const n = losses.length;
  const rows: [number, number, number][] = [];
  const k = Math.min(count, n);
  for (let w = 0; w < k; w++) {
    const from = Math.floor((w * n) / k);
    const to = Math.floor(((w + 1) * n) / k);
    let sum = 0;
    for (let i = from; i < to; i++) sum += losses[i];
    rows.push([from + 1, to, sum / (to - from)]);
  }
  return rows;
}

/** Exponential moving average (smooths the per-batch noise for the plot). */
export function smooth(values: readonly number[], alpha = 0.05): number[] {
  const out: number[] = [];
  let s = values[0] ?? 0;
  for (const v of values) {
    s = alpha * v + (1 - alpha) * s;
    out.push(s);
  }
  return out;
}

/** A line plot of the per-step loss (faint) and its moving average, log-scaled y axis. */
export function lossCurveSvg(losses: readonly number[], opts: { width?: number; height?: number; title?: string } = {}): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 320;
  const m = { left: 56, right: 16, top: 28, bottom: 40 };
  const n = losses.length;
  if (n === 0) throw new Error('lossCurveSvg: no losses');
  const lo = Math.log10(Math.max(1e-3, Math.min(...losses)));
  const hi = Math.log10(Math.max(...losses));
  const yMin = Math.floor(lo * 2) / 2;
  const yMax = Math.max(yMin + 0.5, Math.ceil(hi * 2) / 2);
  const x = (i: number) => m.left + ((W - m.left - m.right) * i) / Math.max(1, n - 1);
  const y = (v: number) => m.top + ((H - m.top - m.bottom) * (yMax - Math.log10(Math.max(1e-3, v)))) / (yMax - yMin);
  // At most ~600 points per curve (every k-th step): the file stays small, the plot looks the same.
  const every = Math.max(1, Math.ceil(n / 600));
  const path = (vs: readonly number[]) =>
    vs
      .map((v, i) => (i % every === 0 || i === n - 1 ? `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}` : ''))
      .join('');
  const ticks: string[] = [];
  for (let e = yMin; e <= yMax + 1e-9; e += 0.5) {
    const v = 10 ** e;
    const label = v >= 1 ? v.toFixed(v >= 10 ? 0 : 1) : v.toPrecision(2);
    ticks.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${label}</text>`);
  }
  const stepTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const i = Math.round(f * (n - 1));
    return `<text x="${x(i).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${i + 1}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${opts.title ?? 'training loss'}</text>`,
    ...ticks,
    ...stepTicks,
    `<text x="${W / 2}" y="${H - 6}" text-anchor="middle">step</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">loss (log scale)</text>`,
    `<path d="${path(losses)}" fill="none" stroke="#9ecae1" stroke-width="0.7"/>`,
    `<path d="${path(smooth(losses))}" fill="none" stroke="#08519c" stroke-width="1.8"/>`,
    `<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#888"/>`,
    '</svg>',
    '',
  ].join('\n');
}
