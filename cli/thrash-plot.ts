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
import { esc, HEIGHT, MARGIN, num, svgStart, WIDTH, xAxis, xScale, yAxis } from './svg-plot.ts';

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

const modeName = (s: UtilisationSeries): string => s.mode ?? 'default';
const label = (s: UtilisationSeries): string => (s.mode === null ? "the kernel's default" : `load control ${s.mode}`);

/** The SVG document for `series` (in the order given: the legend's order); `title` goes on top. */
export function utilisationSvg(series: readonly UtilisationSeries[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const procs = series.flatMap((s) => s.points.map((p) => p.procs));
  const x = xScale(procs, plotW);
  const y = scaleLinear().domain([0, 100]).range([plotH, 0]);
  const colour = scaleOrdinal<string, string>().domain(series.map(modeName)).range(schemeTableau10);
  const path = line<UtilisationPoint>().defined((p) => p.utilisation !== null).x((p) => x(p.procs)).y((p) => y(p.utilisation ?? 0));

  const out: string[] = [];
  svgStart(out, title);
  yAxis(out, y, y.ticks(10), plotW, plotH, 'CPU utilisation (% of cycles in user mode)');
  // Processes are whole numbers: each level is a tick while they fit.
  xAxis(out, x, procs, 16, plotW, plotH, 'processes (copies of the program at once)');

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
