// `npm run fuzz -- N [SEED]` (scripts/fuzz.mjs): a bad count is one line and exit status 2.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'fuzz.mjs');

describe('scripts/fuzz.mjs', () => {
  it.each([[[]], [['0']], [['-5']], [['many']], [['10', 'x']]])('refuses %j with one line and status 2', (args) => {
    const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^usage: npm run fuzz -- N \[SEED\]/);
  });
});
