// The SVG plots of the experiments: accuracy against epochs, seconds, multiply-adds or images
// (a linear or a logarithmic x axis), one line per run, its label at the line's end (spread
// apart where they would overlap), and dashed guides for baselines (raw pixels, say).

/** Each method's colour in every plot (a series of that name gets it unless it names its own). */
export const METHOD_COLOURS: Readonly<Record<string, string>> = {
  ours: '#d62728',
  NPID: '#1f77b4',
  SimCLR: '#2ca02c',
  supervised: '#ff7f0e',
};
/** The colours of other series, in turn. */
const PALETTE = ['#888', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#e377c2'];

export interface Series {
  name: string;
  /** (x, accuracy in [0, 1]) in increasing x. */
  points: [number, number][];
  /** Its colour (default: its method's, METHOD_COLOURS, or else the next of the palette). */
  colour?: string;
  /** Drawn dashed. */
  dashed?: boolean;
}

export interface PlotOptions {
  xLabel: string;
  /** Where to label the x axis (default: round steps, niceTicks). */
  xTicks?: number[];
  /** Horizontal dashed lines with a label: baselines. */
  guides?: { name: string; y: number }[];
  /** A logarithmic x axis (every x positive). */
  xLog?: boolean;
  /** A tick's label (default: x to three significant digits). */
  xFormat?: (x: number) => string;
  /** A dot at every point (lines of few points). */
  markers?: boolean;
}

/** Accuracy lines over a shared x axis, as a standalone SVG. */
export function linePlot(series: Series[], options: PlotOptions): string {
  const [w, h, left, bottom, top, right] = [640, 400, 56, 40, 20, 170];
  const guides = options.guides ?? [];
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...guides.map((g) => g.y)];
  const scale = options.xLog ? Math.log10 : (v: number) => v;
  const xs = series.flatMap((s) => s.points.map((p) => scale(p[0])));
  const lo = Math.floor(Math.min(...ys) * 20) / 20,
    hi = Math.ceil(Math.max(...ys) * 20) / 20;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const x = (v: number) => left + ((scale(v) - x0) / Math.max(x1 - x0, 1e-9)) * (w - left - right);
  const y = (v: number) => h - bottom - ((v - lo) / Math.max(hi - lo, 1e-9)) * (h - bottom - top);
  const grid = Array.from({ length: Math.round((hi - lo) / 0.05) + 1 }, (_, i) => lo + 0.05 * i)
    .map((v) => {
      const line = `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
      return `${line}<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${(100 * v).toFixed(0)} %</text>`;
    })
    .join('');
  const ticks = options.xTicks ?? (options.xLog ? niceTicks(x0, x1).map((t) => 10 ** t) : niceTicks(x0, x1));
  const format = options.xFormat ?? ((t: number) => String(Number(t.toPrecision(3))));
  const labelY = spread([...series.map((s) => y(s.points.at(-1)![1]) + 4), ...guides.map((g) => y(g.y) + 4)], 14);
  const lines = series
    .map((s, i) => {
      const colour = s.colour ?? METHOD_COLOURS[s.name] ?? PALETTE[i % PALETTE.length];
      const points = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
      const dots = options.markers ? s.points.map(([a, b]) => dot(x(a), y(b), colour!)).join('') : '';
      const dash = s.dashed ? ' stroke-dasharray="6,4"' : '';
      return (
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points}"/>${dots}` +
        `<text x="${w - right + 8}" y="${labelY[i]!.toFixed(1)}" fill="${colour}">${s.name}</text>`
      );
    })
    .join('');
  const dashed = guides
    .map(
      (g, i) =>
        `<line x1="${left}" x2="${w - right}" y1="${y(g.y).toFixed(1)}" y2="${y(g.y).toFixed(1)}" stroke="#444" stroke-dasharray="5,4"/>` +
        `<text x="${w - right + 8}" y="${labelY[series.length + i]!.toFixed(1)}" fill="#444">${g.name}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>${grid}
<line x1="${left}" x2="${w - right}" y1="${h - bottom}" y2="${h - bottom}" stroke="#333"/>
<text x="${(left + w - right) / 2}" y="${h - 8}" text-anchor="middle">${options.xLabel}</text>
${ticks.map((t) => `<text x="${x(t).toFixed(1)}" y="${h - bottom + 16}" text-anchor="middle">${format(t)}</text>`).join('')}
${dashed}${lines}
</svg>
`;
}

/**
 * Tick positions for an axis from `lo` to `hi`: the multiples within it of the smallest round
 * step (1, 2 or 5 times a power of ten) that gives at most six (two where the range just misses more).
 */
export function niceTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const power = 10 ** Math.floor(Math.log10((hi - lo) / 6));
  const first = (step: number) => Math.ceil(lo / step - 1e-9);
  const count = (step: number) => Math.floor(hi / step + 1e-9) - first(step) + 1;
  const step = [1, 2, 5, 10, 20].map((m) => m * power).find((s) => count(s) <= 6)!;
  // each rounded to the step's precision, so that 0.1 + 0.2 is labelled 0.3
  return Array.from({ length: count(step) }, (_, k) => Number(((first(step) + k) * step).toPrecision(12)));
}

/** kNN accuracy per epoch, one line per run. */
export function knnPlot(runs: { name: string; knn: number[] }[], epochCount: number): string {
  return linePlot(
    runs.map((r) => ({ name: r.name, points: r.knn.map((v, e) => [e + 1, v] as [number, number]) })),
    {
      xLabel: 'epoch (weighted kNN top-1 on v, Fashion-MNIST test)',
      xTicks: Array.from({ length: epochCount }, (_, e) => e + 1),
    },
  );
}

const dot = (cx: number, cy: number, colour: string) => `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4" fill="${colour}"/>`;

/**
 * Accuracies as dots, a row per feature source and a colour per metric (kNN, linear probe…),
 * as a standalone SVG; a missing value (null) has no dot.
 */
export function dotPlot(rows: { name: string; values: (number | null)[] }[], metrics: string[], xLabel: string): string {
  const [w, left, right, top, rowHeight, bottom] = [640, 130, 20, 40, 28, 40];
  const h = top + rows.length * rowHeight + bottom;
  const values = rows.flatMap((r) => r.values.filter((v): v is number => v !== null));
  const lo = Math.floor(Math.min(...values) * 10) / 10,
    hi = Math.ceil(Math.max(...values) * 10) / 10;
  const x = (v: number) => left + ((v - lo) / Math.max(hi - lo, 1e-9)) * (w - left - right);
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];
  const grid = Array.from({ length: Math.round((hi - lo) / 0.1) + 1 }, (_, i) => lo + 0.1 * i)
    .map((v) => {
      const line = `<line x1="${x(v)}" x2="${x(v)}" y1="${top - 8}" y2="${h - bottom}" stroke="#eee"/>`;
      return `${line}<text x="${x(v)}" y="${h - bottom + 16}" text-anchor="middle">${(100 * v).toFixed(0)} %</text>`;
    })
    .join('');
  const legend = metrics
    .map((m, j) => `${dot(left + 150 * j + 6, 16, colours[j % colours.length]!)}<text x="${left + 150 * j + 16}" y="20">${m}</text>`)
    .join('');
  const body = rows
    .map((r, i) => {
      const cy = top + (i + 0.5) * rowHeight;
      const dots = r.values.map((v, j) => (v === null ? '' : dot(x(v), cy, colours[j % colours.length]!))).join('');
      return `<text x="${left - 8}" y="${cy + 4}" text-anchor="end">${r.name}</text>${dots}`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>${grid}${legend}
<text x="${(left + w - right) / 2}" y="${h - 8}" text-anchor="middle">${xLabel}</text>
${body}
</svg>
`;
}

/** Positions at least `gap` apart, each as close to its wish as the others allow (labels that would overlap). */
function spread(wishes: number[], gap: number): number[] {
  const order = wishes.map((_, i) => i).sort((a, b) => wishes[a]! - wishes[b]!);
  const placed = wishes.slice();
  order.forEach((i, k) => {
    if (k > 0) placed[i] = Math.max(wishes[i]!, placed[order[k - 1]!]! + gap);
  });
  return placed;
}
