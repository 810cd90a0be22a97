// `ts386 fits --svg FILE`: external fragmentation (y, 0 to 100 %) against emulated time since PROG
// started (x, ms; a sample each 10 ms tick), one line per placement, as an SVG document. d3-scale
// maps the numbers to the picture and picks the ticks, d3-shape draws the lines (d3-scale-chromatic's
// Tableau 10 colours them); the page and the axes are svg-plot.ts's.
//
// Each placement's line is a <path class="fit-line" data-fit="NAME">; the paging run's is a dashed
// grey <path class="fit-line" data-fit="paging"> flat at 0 for as long as PROG ran under it, since
// any free frame holds any page: "paging (no external fragmentation)" in the legend. A run that
// failed has no line, only its legend entry, which says so.

import { scaleLinear, scaleOrdinal } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { esc, HEIGHT, MARGIN, svgStart, WIDTH, xAxis, xScale, yAxis } from './svg-plot.ts';

/** The kernel's timer: a fragmentation sample each tick. */
export const SAMPLE_MS = 10;

export interface FragSeries {
  /** The placement, or null for the paging run. */
  fit: string | null;
  /**
   * Under segments, the fragmentation (a fraction of 1) at each tick since PROG started; under
   * paging, none. null for a run that failed.
   */
  samples: readonly number[] | null;
  /** PROG's emulated time (the paging line's length); null for a run that failed. */
  emulatedMs: number | null;
}

interface Point { ms: number; pct: number }

const PAGING_COLOUR = '#888';
const fitName = (s: FragSeries): string => s.fit ?? 'paging';
const label = (s: FragSeries): string =>
  `${s.fit === null ? 'paging (no external fragmentation)' : `${s.fit} fit`}${s.emulatedMs === null ? ' (run failed)' : ''}`;

/** A run's points: a sample at each tick after PROG started; paging's two ends at 0. */
function points(s: FragSeries): Point[] {
  if (s.emulatedMs === null) return [];
  if (s.fit === null) return [{ ms: 0, pct: 0 }, { ms: s.emulatedMs, pct: 0 }];
  return (s.samples ?? []).map((f, i) => ({ ms: (i + 1) * SAMPLE_MS, pct: f * 100 }));
}

/** The SVG document for `series` (in the order given: the legend's order); `title` goes on top. */
export function fragmentationSvg(series: readonly FragSeries[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lines = series.map((s) => ({ s, points: points(s) }));
  const end = Math.max(SAMPLE_MS, ...lines.flatMap(({ points: ps }) => ps.map((p) => p.ms)));
  const x = xScale([0, end], plotW);
  const y = scaleLinear().domain([0, 100]).range([plotH, 0]);
  const colour = scaleOrdinal<string, string>().domain(series.filter((s) => s.fit !== null).map(fitName)).range(schemeTableau10);
  const stroke = (s: FragSeries): string => (s.fit === null ? PAGING_COLOUR : colour(fitName(s)));
  const dashed = (s: FragSeries): string => (s.fit === null ? ' stroke-dasharray="7 4"' : '');
  const path = line<Point>().x((p) => x(p.ms)).y((p) => y(p.pct)).digits(2);

  const out: string[] = [];
  svgStart(out, title);
  yAxis(out, y, y.ticks(10), plotW, plotH, 'external fragmentation (%)');
  // Time is continuous: the scale's own ticks (most 0, so the two ends are never the only ticks).
  xAxis(out, x, [0, end], 0, plotW, plotH, 'emulated ms since PROG started (a sample each 10 ms)');

  for (const { s, points: ps } of lines) {
    if (ps.length === 0) continue;
    const fit = esc(fitName(s));
    out.push(`<g class="series" data-fit="${fit}">`);
    out.push(`<path class="fit-line" data-fit="${fit}" d="${path(ps) ?? ''}" fill="none" stroke="${stroke(s)}" stroke-width="${s.fit === null ? 2 : 1.5}"${dashed(s)}><title>${esc(label(s))}</title></path>`);
    out.push('</g>');
  }
  out.push('</g>');

  out.push(`<g class="legend" transform="translate(${WIDTH - MARGIN.right + 20},${MARGIN.top})">`);
  series.forEach((s, row) => {
    // The paging label is wider than the margin: it breaks after "external" (the text reads the same).
    const words = esc(label(s)).replace(/^(paging \(no external) /, '$1 <tspan x="34" dy="14">') + (s.fit === null ? '</tspan>' : '');
    out.push(`<g class="legend-entry" data-fit="${esc(fitName(s))}" transform="translate(0,${row * 20})"><line x1="0" x2="26" y1="0" y2="0" stroke="${stroke(s)}" stroke-width="2"${dashed(s)}/><text x="34" y="0" dy="0.32em">${words}</text></g>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
