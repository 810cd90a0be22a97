// `ts386 thrash --svg FILE`: CPU utilisation (y, 0 to 100 %) against the number of processes (x),
// one line per load-control mode, as an SVG document: the thrashing curve. d3-scale maps the
// numbers to the picture and picks the ticks, d3-shape draws the lines (d3-scale-chromatic's
// Tableau 10 colours them); what is written here is the glue: the axes, the legend, the marks.
//
// Each mode's line is a <path class="mode-line" data-mode="NAME"> (data-mode="default" for the
// kernel's default, no boot option), with a dot at each point (its <title> gives the figure); a run
// that failed leaves a gap.

import { scaleLinear, scaleOrdinal } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';

export interface UtilisationPoint {
  procs: number;
  /** Percent, 0 to 100; null for a run that failed: the line has a gap there. */
  utilisation: number | null;
}

export interface UtilisationSeries {
  /** The load-control mode (boot option loadcontrol=MODE), or null for the kernel's default. */
  mode: string | null;
  /** Processes ascending. */
  points: readonly UtilisationPoint[];
}

const WIDTH = 760;
const HEIGHT = 460;
const MARGIN = { top: 48, right: 190, bottom: 56, left: 68 };
/** Room between the axes' ends and the first and last points. */
const X_INSET = 12;

const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** Coordinates with two decimals at most, so the same numbers give the same bytes. */
const num = (v: number): string => String(Math.round(v * 100) / 100);
const modeName = (s: UtilisationSeries): string => s.mode ?? 'default';
const label = (s: UtilisationSeries): string => (s.mode === null ? "the kernel's default" : `load control ${s.mode}`);

/** The SVG document for `series` (in the order given: the legend's order); `title` goes on top. */
export function utilisationSvg(series: readonly UtilisationSeries[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const procs = series.flatMap((s) => s.points.map((p) => p.procs));
  const [pMin, pMax] = [Math.min(...procs), Math.max(...procs)];
  const x = scaleLinear().domain(pMin === pMax ? [pMin - 1, pMax + 1] : [pMin, pMax]).range([X_INSET, plotW - X_INSET]);
  const y = scaleLinear().domain([0, 100]).range([plotH, 0]);
  const colour = scaleOrdinal<string, string>().domain(series.map(modeName)).range(schemeTableau10);
  const path = line<UtilisationPoint>().defined((p) => p.utilisation !== null).x((p) => x(p.procs)).y((p) => y(p.utilisation ?? 0));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  out.push(`<g transform="translate(${MARGIN.left},${MARGIN.top})">`);

  out.push('<g class="axis y-axis">');
  for (const t of y.ticks(10)) {
    out.push(`<line x1="0" x2="${plotW}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="-8" y="${num(y(t))}" dy="0.32em" text-anchor="end">${t}</text>`);
  }
  out.push(`<line x1="0" x2="0" y1="0" y2="${plotH}" stroke="black"/>`);
  out.push(`<text transform="translate(-48,${plotH / 2}) rotate(-90)" text-anchor="middle">CPU utilisation (% of cycles in user mode)</text>`);
  out.push('</g>');
  out.push('<g class="axis x-axis">');
  // Processes are whole numbers: each level is a tick while they fit.
  const levels = [...new Set(procs)];
  const xTicks = levels.length <= 16 ? levels : x.ticks(10).filter(Number.isInteger);
  for (const t of xTicks) {
    out.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${plotH}" y2="${plotH + 5}" stroke="black"/>`);
    out.push(`<text x="${num(x(t))}" y="${plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<line x1="0" x2="${plotW}" y1="${plotH}" y2="${plotH}" stroke="black"/>`);
  out.push(`<text x="${plotW / 2}" y="${plotH + 42}" text-anchor="middle">processes (copies of the program at once)</text>`);
  out.push('</g>');

  for (const s of series) {
    const mode = esc(modeName(s)), stroke = colour(modeName(s));
    out.push(`<g class="series" data-mode="${mode}">`);
    out.push(`<path class="mode-line" data-mode="${mode}" d="${path(s.points) ?? ''}" fill="none" stroke="${stroke}" stroke-width="2"/>`);
    for (const p of s.points) {
      if (p.utilisation === null) continue;
      out.push(`<circle cx="${num(x(p.procs))}" cy="${num(y(p.utilisation))}" r="3" fill="${stroke}"><title>${esc(label(s))}, ${p.procs} processes: ${p.utilisation.toFixed(1)} %</title></circle>`);
    }
    out.push('</g>');
  }
  out.push('</g>');

  out.push(`<g class="legend" transform="translate(${WIDTH - MARGIN.right + 20},${MARGIN.top})">`);
  series.forEach((s, row) => {
    out.push(`<g transform="translate(0,${row * 20})"><line x1="0" x2="26" y1="0" y2="0" stroke="${colour(modeName(s))}" stroke-width="2"/><text x="34" y="0" dy="0.32em">${esc(label(s))}</text></g>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
