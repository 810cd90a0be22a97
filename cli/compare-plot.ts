// `ts386 compare --svg FILE`: page faults (y) against frames (x), one line per policy, as an SVG
// document. d3-scale maps the numbers to the picture and picks the ticks, d3-shape draws the lines
// (d3-scale-chromatic's Tableau 10 colours them); what is written here is the glue: the axes,
// the legend, and the marks.
//
// Each policy's line is a <path class="policy-line" data-policy="NAME">, with a dot at each
// point; a point where more frames gave more faults than the frame count before it (Belady's
// anomaly) has a red ring, <circle class="belady">, with a <title> that says so. `opt`, when it was
// run, is the floor no policy can go below: a dashed line labelled "OPT (floor)", drawn first.
//
// With `ts386 compare --sim`, each policy also has the trace simulator's counts: a thin dotted line
// in the policy's colour, <path class="sim-line" data-policy="NAME">, labelled "NAME (simulated)"
// in the legend, drawn under the real lines so that where the two agree the real one shows.

import { scaleLinear, scaleOrdinal } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { line } from 'd3-shape';
import { esc, HEIGHT, MARGIN, num, svgStart, WIDTH, xAxis, xScale, yAxis } from './svg-plot.ts';

export interface PlotPoint {
  frames: number;
  /** null for a run that failed: the line has a gap there. */
  faults: number | null;
  /** More faults than at the frame count before it. */
  belady: boolean;
}

export interface PlotSeries {
  policy: string;
  /** Frames ascending. */
  points: readonly PlotPoint[];
  /** The trace simulator's counts at the same frames (--sim), if any; their `belady` is not marked. */
  simulated?: readonly PlotPoint[] | undefined;
}

/** The legend's room with the simulated lines' longer labels ("second-chance (simulated)"). */
const SIM_MARGIN_RIGHT = 230;
const FLOOR_POLICY = 'opt';
const FLOOR_COLOUR = '#444';
const ANOMALY_COLOUR = '#d62728';
/** The simulated lines: thin, dotted (round dots, a gap of three widths). */
const SIM_STROKE = ' stroke-width="1.75" stroke-dasharray="0.1 3.5" stroke-linecap="round"';
/** A legend row's height, and the least it shrinks to when there are many rows. */
const LEGEND_ROW = 20;
const LEGEND_ROW_MIN = 15;


/** The SVG document for `series` (in the order given: the legend's order); `title` goes on top. */
export function faultsSvg(series: readonly PlotSeries[], title: string): string {
  const right = series.some((s) => s.simulated !== undefined) ? SIM_MARGIN_RIGHT : MARGIN.right;
  const plotW = WIDTH - MARGIN.left - right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = series.flatMap((s) => [...s.points, ...(s.simulated ?? [])]);
  const frames = all.map((p) => p.frames);
  const faults = all.flatMap((p) => (p.faults === null ? [] : [p.faults]));
  const x = xScale(frames, plotW);
  const y = scaleLinear().domain([0, Math.max(1, ...faults)]).nice().range([plotH, 0]);
  const others = series.map((s) => s.policy).filter((p) => p !== FLOOR_POLICY);
  const colour = scaleOrdinal<string, string>().domain(others).range(schemeTableau10);
  const stroke = (policy: string): string => (policy === FLOOR_POLICY ? FLOOR_COLOUR : colour(policy));
  const path = line<PlotPoint>().defined((p) => p.faults !== null).x((p) => x(p.frames)).y((p) => y(p.faults ?? 0));

  const out: string[] = [];
  svgStart(out, title);
  // Axes: grid lines and ticks from the scales; frames and faults are whole numbers.
  yAxis(out, y, y.ticks(8).filter(Number.isInteger), plotW, plotH, 'page faults');
  xAxis(out, x, frames, 12, plotW, plotH, 'frames (resident limit, run -m)');

  // The floor first, so that the policies' lines are drawn over it.
  const ordered = [...series].sort((a, b) => Number(b.policy === FLOOR_POLICY) - Number(a.policy === FLOOR_POLICY));
  // The simulated lines under all the real ones.
  for (const s of ordered) {
    if (s.simulated === undefined) continue;
    out.push(`<g class="sim-series" data-policy="${esc(s.policy)}">`);
    out.push(`<path class="sim-line" data-policy="${esc(s.policy)}" d="${path(s.simulated) ?? ''}" fill="none" stroke="${stroke(s.policy)}"${SIM_STROKE}/>`);
    for (const p of s.simulated) {
      if (p.faults === null) continue;
      out.push(`<circle cx="${num(x(p.frames))}" cy="${num(y(p.faults))}" r="2" fill="white" stroke="${stroke(s.policy)}"><title>${esc(s.policy)} (simulated), ${p.frames} frames: ${p.faults} faults</title></circle>`);
    }
    out.push('</g>');
  }
  for (const s of ordered) {
    const floor = s.policy === FLOOR_POLICY;
    out.push(`<g class="series" data-policy="${esc(s.policy)}">`);
    out.push(`<path class="policy-line" data-policy="${esc(s.policy)}" d="${path(s.points) ?? ''}" fill="none" stroke="${stroke(s.policy)}" stroke-width="2"${floor ? ' stroke-dasharray="7 4"' : ''}/>`);
    for (const p of s.points) {
      if (p.faults === null) continue;
      out.push(`<circle cx="${num(x(p.frames))}" cy="${num(y(p.faults))}" r="3" fill="${stroke(s.policy)}"><title>${esc(s.policy)}, ${p.frames} frames: ${p.faults} faults</title></circle>`);
    }
    if (floor) {
      const last = [...s.points].reverse().find((p) => p.faults !== null);
      if (last) out.push(`<text x="${num(x(last.frames))}" y="${num(y(last.faults!) - 8)}" text-anchor="end" fill="${FLOOR_COLOUR}">OPT (floor)</text>`);
    }
    out.push('</g>');
  }
  // Belady's anomaly: a ring around each point that has more faults than the one before it.
  const anomalies = series.flatMap((s) => s.points.map((p, i) => ({ s, p, before: s.points[i - 1] })).filter(({ p }) => p.belady && p.faults !== null));
  for (const { s, p, before } of anomalies) {
    const was = before?.faults !== null && before !== undefined ? ` (${before.frames} frames: ${before.faults})` : '';
    out.push(`<circle class="belady" data-policy="${esc(s.policy)}" cx="${num(x(p.frames))}" cy="${num(y(p.faults!))}" r="8" fill="none" stroke="${ANOMALY_COLOUR}" stroke-width="2.5"><title>Belady's anomaly: ${esc(s.policy)}, ${p.frames} frames: ${p.faults} faults${was}</title></circle>`);
  }
  out.push('</g>');

  // The legend, right of the plot: each policy, then its simulated line under it.
  const entries = series.flatMap((s) => {
    const floor = s.policy === FLOOR_POLICY;
    const name = floor ? 'OPT' : s.policy;
    const real = `<line x1="0" x2="26" y1="0" y2="0" stroke="${stroke(s.policy)}" stroke-width="2"${floor ? ' stroke-dasharray="7 4"' : ''}/><text x="34" y="0" dy="0.32em">${floor ? 'OPT (floor)' : esc(name)}</text>`;
    const sim = `<line x1="0" x2="26" y1="0" y2="0" stroke="${stroke(s.policy)}"${SIM_STROKE}/><text x="34" y="0" dy="0.32em">${esc(name)} (simulated)</text>`;
    return s.simulated === undefined ? [real] : [real, sim];
  });
  const rows = entries.length + (anomalies.length > 0 ? 1 : 0);
  const rowH = Math.max(LEGEND_ROW_MIN, Math.min(LEGEND_ROW, Math.floor((HEIGHT - MARGIN.top - 12) / Math.max(1, rows))));
  out.push(`<g class="legend" transform="translate(${WIDTH - right + 20},${MARGIN.top})">`);
  entries.forEach((entry, row) => out.push(`<g transform="translate(0,${row * rowH})">${entry}</g>`));
  if (anomalies.length > 0) {
    out.push(`<g transform="translate(0,${entries.length * rowH + 6})"><circle cx="13" cy="0" r="7" fill="none" stroke="${ANOMALY_COLOUR}" stroke-width="2.5"/><text x="34" y="0" dy="0.32em">Belady's anomaly</text></g>`);
  }
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
