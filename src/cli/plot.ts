// The SVG plot of the experiments: weighted-kNN accuracy per epoch, one line per run, its
// label at the line's end (spread apart where they would overlap).

/** kNN accuracy per epoch, one line per run. */
export function knnPlot(runs: { name: string; knn: number[] }[], epochCount: number): string {
  const [w, h, left, bottom, top, right] = [640, 400, 56, 40, 20, 170];
  const all = runs.flatMap((r) => r.knn);
  const lo = Math.floor(Math.min(...all) * 20) / 20, hi = Math.ceil(Math.max(...all) * 20) / 20;
  const x = (e: number) => left + ((e - 1) / Math.max(epochCount - 1, 1)) * (w - left - right);
  const y = (v: number) => h - bottom - ((v - lo) / Math.max(hi - lo, 1e-9)) * (h - bottom - top);
  const colours = ['#888', '#1f77b4', '#2ca02c', '#ff7f0e', '#d62728'];
  const grid = Array.from({ length: Math.round((hi - lo) / 0.05) + 1 }, (_, i) => lo + 0.05 * i).map((v) =>
    `<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${(100 * v).toFixed(0)} %</text>`).join('');
  const labelY = spread(runs.map((r) => y(r.knn.at(-1)!) + 4), 14);
  const lines = runs.map((r, i) => {
    const colour = colours[i % colours.length];
    const points = r.knn.map((v, e) => `${x(e + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>` +
      `<text x="${w - right + 8}" y="${labelY[i]!.toFixed(1)}" fill="${colour}">${r.name}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>${grid}
<line x1="${left}" x2="${w - right}" y1="${h - bottom}" y2="${h - bottom}" stroke="#333"/>
<text x="${(left + w - right) / 2}" y="${h - 8}" text-anchor="middle">epoch (weighted kNN top-1 on v, Fashion-MNIST test)</text>
${Array.from({ length: epochCount }, (_, e) => `<text x="${x(e + 1)}" y="${h - bottom + 16}" text-anchor="middle">${e + 1}</text>`).join('')}
${lines}
</svg>
`;
}

/** Positions at least `gap` apart, each as close to its wish as the others allow (labels that would overlap). */
function spread(wishes: number[], gap: number): number[] {
  const order = wishes.map((_, i) => i).sort((a, b) => wishes[a]! - wishes[b]!);
  const placed = wishes.slice();
  order.forEach((i, k) => { if (k > 0) placed[i] = Math.max(wishes[i]!, placed[order[k - 1]!]! + gap); });
  return placed;
}
