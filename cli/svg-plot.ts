// What `ts386 compare`'s and `ts386 thrash`'s plots share: the page, the title, the plot area and
// its two axes (grid lines and ticks from d3 scales), and how text and numbers are written, so
// that the same figures give the same bytes. Each plot draws its own lines, points and legend.

import { scaleLinear, type ScaleLinear } from 'd3-scale';

export const WIDTH = 760;
export const HEIGHT = 460;
export const MARGIN = { top: 48, right: 190, bottom: 56, left: 68 };
/** Room between the plot's edges and the first and last x value. */
export const X_INSET = 12;

export const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** Coordinates with two decimals at most, so the same numbers give the same bytes. */
export const num = (v: number): string => String(Math.round(v * 100) / 100);

/** The x scale for `values` across a plot `plotW` wide (one value alone stands in the middle). */
export function xScale(values: readonly number[], plotW: number): ScaleLinear<number, number> {
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return scaleLinear().domain(lo === hi ? [lo - 1, hi + 1] : [lo, hi]).range([X_INSET, plotW - X_INSET]);
}

/** The document's start: the page, the title on top, and the plot area's group (closed by the caller). */
export function svgStart(out: string[], title: string): void {
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  out.push(`<g transform="translate(${MARGIN.left},${MARGIN.top})">`);
}

/** The y axis: a grid line and a label at each of `ticks`, the axis line and its `label`. */
export function yAxis(out: string[], y: ScaleLinear<number, number>, ticks: readonly number[], plotW: number, plotH: number, label: string): void {
  out.push('<g class="axis y-axis">');
  for (const t of ticks) {
    out.push(`<line x1="0" x2="${plotW}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="-8" y="${num(y(t))}" dy="0.32em" text-anchor="end">${t}</text>`);
  }
  out.push(`<line x1="0" x2="0" y1="0" y2="${plotH}" stroke="black"/>`);
  out.push(`<text transform="translate(-48,${plotH / 2}) rotate(-90)" text-anchor="middle">${label}</text>`);
  out.push('</g>');
}

/** The x axis of whole numbers: each of `values` is a tick while there are at most `most`, else the scale's. */
export function xAxis(out: string[], x: ScaleLinear<number, number>, values: readonly number[], most: number, plotW: number, plotH: number, label: string): void {
  out.push('<g class="axis x-axis">');
  const distinct = [...new Set(values)];
  const ticks = distinct.length <= most ? distinct : x.ticks(10).filter(Number.isInteger);
  for (const t of ticks) {
    out.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${plotH}" y2="${plotH + 5}" stroke="black"/>`);
    out.push(`<text x="${num(x(t))}" y="${plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<line x1="0" x2="${plotW}" y1="${plotH}" y2="${plotH}" stroke="black"/>`);
  out.push(`<text x="${plotW / 2}" y="${plotH + 42}" text-anchor="middle">${label}</text>`);
  out.push('</g>');
}
