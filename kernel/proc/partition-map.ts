// What `mem` shows under --mm segments: each partition and hole in address order, a one-line map of
// the arena (a letter per partition, '.' for a hole), the external fragmentation (free memory, the
// largest hole, the number of holes), and what placing, moving, compacting and swapping have done.

import { hex } from '../format.ts';
import type { Process } from './process.ts';
import type { Segments } from './segments.ts';

/** Columns of the map: each covers arena size / MAP_WIDTH bytes. */
export const MAP_WIDTH = 64;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const kib = (n: number): string => `${n >> 10} KiB`;

export function describePartitions(segs: Segments, procs: ReadonlyMap<number, Process>): string[] {
  const t = segs.partitions, st = t.stats(), c = segs.counters;
  const entries = t.entries();
  const end = t.arenaStart + t.arenaSize;
  const lines = [`partitions: ${kib(t.arenaSize)} at 0x${hex(t.arenaStart)}-0x${hex(end)}, ${t.fit} fit`];
  const letter = new Map<number, string>();
  let n = 0;
  for (const e of entries) {
    if (e.owner === 0) { lines.push(`  0x${hex(e.start)} ${kib(e.size).padStart(9)}  hole`); continue; }
    const l = LETTERS[n++ % LETTERS.length]!;
    letter.set(e.start, l);
    const p = procs.get(e.owner);
    lines.push(`  0x${hex(e.start)} ${kib(e.size).padStart(9)}  ${l} pid ${e.owner}${p === undefined ? '' : ` (${p.argv.join(' ')})`}`);
  }
  // The map: the column's middle byte decides what it shows.
  const cell = t.arenaSize / MAP_WIDTH;
  let map = '';
  for (let i = 0, k = 0; i < MAP_WIDTH; i++) {
    const at = t.arenaStart + (i + 0.5) * cell;
    while (k < entries.length - 1 && entries[k]!.start + entries[k]!.size <= at) k++;
    const e = entries[k]!;
    map += e.owner === 0 ? '.' : letter.get(e.start)!;
  }
  lines.push(`map (${kib(cell)} a column): ${map}`);
  lines.push(`holes: ${st.holes}, ${kib(st.free)} free, largest ${kib(st.largestHole)}; external fragmentation ${Math.round(st.fragmentation * 100)}%`);
  const out = [...procs.values()].filter((p) => p.seg !== null && p.seg.where !== 'in').map((p) => `pid ${p.pid} (${p.seg!.size >> 10} KiB, ${p.seg!.where})`);
  lines.push(`placed ${c.placed}, refused ${c.refused}; grown in place ${c.grownInPlace}, moved to grow ${c.moves} (${kib(c.movedBytes)}); compactions ${c.compactions} (${kib(c.compactedBytes)} moved, ${c.compactCycles.toLocaleString('en-US')} cycles)`);
  lines.push(`rolled out ${c.rollOuts} (${kib(c.rolledBytes)}), rolled in ${c.rollIns}${out.length > 0 ? `; not in memory: ${out.join(', ')}` : ''}`);
  return lines;
}
