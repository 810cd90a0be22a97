// The kernel's import structure (ARCHITECTURE.md, "The kernel's layers"): no import circle, file by
// file or folder by folder (an import that runs back up a layer closes one), and the Kernel itself
// (kernel/kernel.ts, the trap dispatch that holds every part) imported only by the composition point,
// kernel/index.ts. Type-only imports count: a circle of types is a circle of ideas.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const kernelDir = path.join(root, 'kernel');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** kernel-relative path -> the kernel-relative paths it imports (static `import`/`export ... from`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(kernelDir)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'/gm)) {
      const abs = path.resolve(path.dirname(file), m[1]!);
      if (abs.startsWith(kernelDir + path.sep)) targets.push(path.relative(kernelDir, abs));
    }
    graph.set(path.relative(kernelDir, file), targets);
  }
  return graph;
}

/** The cycles of a graph, each as a path that returns to its start (empty when there are none). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (m === n) continue;
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (state.get(m) === undefined) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The same graph with each file replaced by its folder (files at kernel/'s top stay themselves). */
function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const unit = (f: string): string => (f.includes(path.sep) ? f.split(path.sep)[0]! + '/' : f);
  const out = new Map<string, string[]>();
  for (const [f, ts] of graph) {
    const u = unit(f);
    out.set(u, [...new Set([...(out.get(u) ?? []), ...ts.map(unit).filter((t) => t !== u)])]);
  }
  return out;
}

describe('the kernel import structure', () => {
  const graph = importGraph();

  it('reads the whole kernel', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('kernel.ts')).toContain('boot.ts');
    expect(graph.get(path.join('mm', 'pager.ts'))).toContain(path.join('mm', 'backing.ts'));
  });

  it('finds a circle when there is one (the check itself)', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('has no import circle between files', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('has no import circle between its folders: no import runs back up a layer', () => {
    expect(findCycles(folderGraph(graph))).toEqual([]);
  });

  it('lets only the composition point (index.ts) import the Kernel, and only the Kernel import boot', () => {
    const importers = (target: string): string[] => [...graph].filter(([, ts]) => ts.includes(target)).map(([f]) => f);
    expect(importers('kernel.ts')).toEqual(['index.ts']);
    expect(importers('boot.ts')).toEqual(['kernel.ts']);
  });
});
