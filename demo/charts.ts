// Small canvas charts for the demo page, with no dependencies: a line chart of one or more
// series and a scatter plot coloured by class. Both draw at the device's pixel ratio and
// redraw themselves when their canvas changes size; redraws are batched to one per frame.

/** Ten distinct colours (d3's category10), one per Fashion-MNIST class. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TITLE_FONT = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const INK = '#1f2937';
const MUTED = '#6b7280';
const GRID = '#e5e7eb';
const PAD = { left: 48, right: 12, top: 26, bottom: 26 };

interface Range {
  min: number;
  max: number;
}

/** About `count` round tick values (1, 2 or 5 × 10ᵏ apart, at least `minStep`) covering [min, max]. */
function ticks(min: number, max: number, count = 5, minStep = 0): number[] {
  if (!(max > min)) return [min];
  const raw = Math.max((max - min) / count, minStep);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A short label: 1.2k for thousands, no trailing zeros, at most 3 significant digits. */
function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

/** A range with a little margin, so points do not sit on the frame (and a flat series still has height). */
function padded({ min, max }: Range, fraction = 0.05): Range {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1 };
  if (max === min) return { min: min - (Math.abs(min) || 1) * 0.1, max: max + (Math.abs(max) || 1) * 0.1 };
  const margin = (max - min) * fraction;
  return { min: min - margin, max: max + margin };
}

/** Base of both charts: sizing to the CSS box × devicePixelRatio, the frame, axes and title. */
abstract class CanvasChart {
  private pending = false;
  protected width = 0;
  protected height = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly title: string,
  ) {
    // a resize (layout change, zoom) needs a new backing store, hence a redraw
    new ResizeObserver(() => this.redraw()).observe(canvas);
    this.redraw();
  }

  /** Schedules one draw in the next frame, however often it is called before then. */
  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const { clientWidth, clientHeight } = this.canvas;
    if (clientWidth === 0 || clientHeight === 0) return; // hidden: drawn when it shows
    const [w, h] = [Math.round(clientWidth * ratio), Math.round(clientHeight * ratio)];
    if (this.canvas.width !== w || this.canvas.height !== h) [this.canvas.width, this.canvas.height] = [w, h];
    const g = this.canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0); // draw in CSS pixels
    this.width = clientWidth;
    this.height = clientHeight;
    g.clearRect(0, 0, clientWidth, clientHeight);
    g.font = TITLE_FONT;
    g.fillStyle = INK;
    g.textAlign = 'left';
    g.textBaseline = 'top';
    g.fillText(this.title, PAD.left, 6);
    this.paint(g);
  }

  protected abstract paint(g: CanvasRenderingContext2D): void;

  /** The plot area inside the axes, in CSS pixels. */
  protected get area() {
    return {
      x: PAD.left,
      y: PAD.top,
      w: Math.max(this.width - PAD.left - PAD.right, 1),
      h: Math.max(this.height - PAD.top - PAD.bottom, 1),
    };
  }

  /** Grid lines and tick labels for both axes; returns the data → pixel mappings. */
  protected axes(g: CanvasRenderingContext2D, xr: Range, yr: Range, format = { x: formatTick, y: formatTick }, xStep = 0) {
    const a = this.area;
    const px = (x: number) => a.x + ((x - xr.min) / (xr.max - xr.min)) * a.w;
    const py = (y: number) => a.y + a.h - ((y - yr.min) / (yr.max - yr.min)) * a.h;
    g.font = FONT;
    g.lineWidth = 1;
    g.strokeStyle = GRID;
    g.fillStyle = MUTED;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const t of ticks(yr.min, yr.max, Math.max(2, Math.floor(a.h / 40)))) {
      const y = Math.round(py(t)) + 0.5;
      g.beginPath();
      g.moveTo(a.x, y);
      g.lineTo(a.x + a.w, y);
      g.stroke();
      g.fillText(format.y(t), a.x - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const t of ticks(xr.min, xr.max, Math.max(2, Math.floor(a.w / 70)), xStep)) {
      const x = Math.round(px(t)) + 0.5;
      g.beginPath();
      g.moveTo(x, a.y);
      g.lineTo(x, a.y + a.h);
      g.stroke();
      g.fillText(format.x(t), x, a.y + a.h + 6);
    }
    g.strokeStyle = MUTED;
    g.strokeRect(a.x + 0.5, a.y + 0.5, a.w, a.h);
    return { px, py };
  }

  /** A centred grey note in the plot area, for a chart with nothing to show yet. */
  protected empty(g: CanvasRenderingContext2D, text: string): void {
    const a = this.area;
    g.font = FONT;
    g.fillStyle = MUTED;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, a.x + a.w / 2, a.y + a.h / 2);
  }
}

export interface Series {
  name: string;
  color: string;
  /** Draw a dot at each point (for short series such as one value per epoch). */
  dots?: boolean;
}

export interface LineChartOptions {
  /** Fixed y range (for example [0, 1] for accuracies); otherwise fitted to the data. */
  y?: [number, number];
  /** Formats y tick labels (for example as percentages). */
  formatY?: (v: number) => string;
  /** Shown while the chart has no points. */
  placeholder?: string;
  /** x counts whole things (epochs): no ticks between them. */
  integerX?: boolean;
}

/** Lines of (x, y) points, appended as they arrive. */
export class LineChart extends CanvasChart {
  private readonly points: { x: number[]; y: number[] }[];

  constructor(
    canvas: HTMLCanvasElement,
    title: string,
    readonly series: Series[],
    readonly options: LineChartOptions = {},
  ) {
    super(canvas, title);
    this.points = series.map(() => ({ x: [], y: [] }));
  }

  add(series: number, x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    this.points[series]!.x.push(x);
    this.points[series]!.y.push(y);
    this.redraw();
  }

  clear(): void {
    for (const p of this.points) p.x.length = p.y.length = 0;
    this.redraw();
  }

  /** A copy of every series' points (what a chart shows can be saved, and shown again by setData). */
  data(): { x: number[]; y: number[] }[] {
    return this.points.map((p) => ({ x: [...p.x], y: [...p.y] }));
  }

  /** Replaces the points of the first data.length series (points of series it does not have are left out). */
  setData(data: { x: number[]; y: number[] }[]): void {
    data.slice(0, this.series.length).forEach((p, i) => {
      this.points[i] = { x: [...p.x], y: [...p.y] };
    });
    this.redraw();
  }

  protected paint(g: CanvasRenderingContext2D): void {
    const all = this.points.flatMap((p) => p.x.map((x, i) => [x, p.y[i]!] as const));
    if (all.length === 0) {
      this.empty(g, this.options.placeholder ?? 'no data yet');
      return;
    }
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of all) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
    const yr = this.options.y ? { min: this.options.y[0], max: this.options.y[1] } : padded({ min: y0, max: y1 });
    const { px, py } = this.axes(
      g,
      { min: x0, max: x1 },
      yr,
      { x: formatTick, y: this.options.formatY ?? formatTick },
      this.options.integerX ? 1 : 0,
    );
    const a = this.area;
    g.save();
    g.beginPath();
    g.rect(a.x, a.y, a.w, a.h);
    g.clip();
    g.lineWidth = 1.5;
    g.lineJoin = 'round';
    this.series.forEach((s, k) => {
      const { x, y } = this.points[k]!;
      g.strokeStyle = g.fillStyle = s.color;
      g.beginPath();
      for (const [i, xi] of x.entries()) {
        if (i === 0) g.moveTo(px(xi), py(y[i]!));
        else g.lineTo(px(xi), py(y[i]!));
      }
      g.stroke();
      if (s.dots || x.length === 1) {
        x.forEach((xi, i) => {
          g.beginPath();
          g.arc(px(xi), py(y[i]!), 3, 0, 2 * Math.PI);
          g.fill();
        });
      }
    });
    g.restore();
  }
}

/** 2-D points coloured by an integer class; replaced as a whole (one snapshot per epoch). */
export class ScatterPlot extends CanvasChart {
  private points: Float32Array = new Float32Array(0);
  private labels: Uint8Array = new Uint8Array(0);
  private subtitle = '';

  constructor(
    canvas: HTMLCanvasElement,
    title: string,
    readonly colors: string[] = PALETTE,
    readonly placeholder = 'no data yet',
  ) {
    super(canvas, title);
  }

  /** `points` holds x then y for each point; `labels` one class per point. */
  set(points: Float32Array, labels: Uint8Array, subtitle = ''): void {
    [this.points, this.labels, this.subtitle] = [points, labels, subtitle];
    this.redraw();
  }

  clear(): void {
    this.set(new Float32Array(0), new Uint8Array(0));
  }

  protected paint(g: CanvasRenderingContext2D): void {
    const n = Math.min(this.points.length >> 1, this.labels.length);
    g.font = TITLE_FONT;
    const titleEnd = PAD.left + g.measureText(this.title).width + 12;
    g.font = FONT;
    if (this.subtitle && this.width - PAD.right - g.measureText(this.subtitle).width >= titleEnd) {
      // only where it fits
      g.fillStyle = MUTED;
      g.textAlign = 'right';
      g.textBaseline = 'top';
      g.fillText(this.subtitle, this.width - PAD.right, 7);
    }
    if (n === 0) {
      this.empty(g, this.placeholder);
      return;
    }
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      const [x, y] = [this.points[2 * i]!, this.points[2 * i + 1]!];
      [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    }
    const { px, py } = this.axes(g, padded({ min: x0, max: x1 }), padded({ min: y0, max: y1 }));
    // many points: small, translucent squares; drawn in the given order, which mixes the classes
    const size = n > 5000 ? 1.5 : n > 1000 ? 2.5 : 3.5;
    g.globalAlpha = n > 5000 ? 0.55 : 0.8;
    let current = -1;
    for (let i = 0; i < n; i++) {
      const label = this.labels[i]!;
      if (label !== current) g.fillStyle = this.colors[(current = label) % this.colors.length]!;
      g.fillRect(px(this.points[2 * i]!) - size / 2, py(this.points[2 * i + 1]!) - size / 2, size, size);
    }
    g.globalAlpha = 1;
  }
}

/** Fills `container` with colour swatches and names (an HTML legend that wraps with the page). */
export function renderLegend(container: HTMLElement, entries: { name: string; color: string }[]): void {
  container.replaceChildren(
    ...entries.map(({ name, color }) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const swatch = document.createElement('i');
      swatch.style.background = color;
      item.append(swatch, name);
      return item;
    }),
  );
}
