// The kernel command line (parseCmdline in kernel/kernel.ts): `frames=bitmap|buddy heap=first|best`,
// defaults buddy and first-fit, anything else reported (and ignored) rather than fatal.
import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../../../kernel/cmdline.ts';

const DEFAULTS = { frames: 'buddy', heap: 'first', policy: 'fifo', scope: 'global', alloc: 'equal', loadControl: 'off', rss: 'fixed', fork: 'cow', mm: 'paging', fit: 'first' };

describe('parseCmdline', () => {
  it('gives the defaults, buddy frames and a first-fit heap, for an empty command line', () => {
    expect(parseCmdline('')).toEqual({ options: DEFAULTS, errors: [] });
    expect(parseCmdline('   ')).toEqual({ options: DEFAULTS, errors: [] });
  });

  it('selects the bitmap frame allocator and the best-fit heap', () => {
    expect(parseCmdline('frames=bitmap heap=best')).toEqual({ options: { ...DEFAULTS, frames: 'bitmap', heap: 'best' }, errors: [] });
  });

  it('accepts the default values spelled out, in either order', () => {
    expect(parseCmdline('heap=first frames=buddy')).toEqual({ options: DEFAULTS, errors: [] });
  });

  it('takes any run of spaces, tabs and newlines between options', () => {
    expect(parseCmdline('  frames=bitmap\t\theap=best\n')).toEqual({ options: { ...DEFAULTS, frames: 'bitmap', heap: 'best' }, errors: [] });
  });

  it('selects eager or copy-on-write fork, and reports another', () => {
    expect(parseCmdline('fork=eager').options.fork).toBe('eager');
    expect(parseCmdline('fork=cow').options.fork).toBe('cow');
    expect(parseCmdline('fork=lazy').errors).toEqual(["unknown boot option 'fork=lazy'"]);
  });

  it('selects the memory mode and the partitions\' fit, and reports a mode or fit it does not have', () => {
    expect(parseCmdline('mm=segments fit=worst').options).toEqual({ ...DEFAULTS, mm: 'segments', fit: 'worst' });
    expect(parseCmdline('mm=paging fit=next').options).toEqual({ ...DEFAULTS, fit: 'next' });
    expect(parseCmdline('mm=flat fit=buddy')).toEqual({ options: DEFAULTS, errors: ["unknown boot option 'mm=flat'", "unknown boot option 'fit=buddy'"] });
  });

  it('lets a later option override an earlier one', () => {
    expect(parseCmdline('frames=bitmap frames=buddy heap=best heap=first').options).toEqual(DEFAULTS);
  });

  it('selects the global replacement policy, and reports one it does not have', () => {
    expect(parseCmdline('policy=second-chance').options.policy).toBe('second-chance');
    expect(parseCmdline('policy=opt')).toEqual({ options: DEFAULTS, errors: ["unknown boot option 'policy=opt'"] });
  });

  it('selects local replacement and its allocation rule, and reports a scope or rule it does not have', () => {
    expect(parseCmdline('scope=local alloc=proportional').options).toEqual({ ...DEFAULTS, scope: 'local', alloc: 'proportional' });
    expect(parseCmdline('scope=both alloc=fair')).toEqual({ options: DEFAULTS, errors: ["unknown boot option 'scope=both'", "unknown boot option 'alloc=fair'"] });
  });

  it('reports an unknown option and keeps going', () => {
    const r = parseCmdline('quiet heap=best');
    expect(r.options).toEqual({ ...DEFAULTS, heap: 'best' });
    expect(r.errors).toEqual(["unknown boot option 'quiet'"]);
  });

  it('reports an unknown value and keeps the default', () => {
    const r = parseCmdline('frames=slab heap=last');
    expect(r.options).toEqual(DEFAULTS);
    expect(r.errors).toEqual(["unknown boot option 'frames=slab'", "unknown boot option 'heap=last'"]);
    expect(parseCmdline('heap=worst heap=next').options.heap).toBe('next');
  });

  it('reports a known key without a value, or with an empty one', () => {
    const r = parseCmdline('frames heap=');
    expect(r.options).toEqual(DEFAULTS);
    expect(r.errors).toEqual(["unknown boot option 'frames'", "unknown boot option 'heap='"]);
  });

  it('is case sensitive', () => {
    const r = parseCmdline('FRAMES=bitmap heap=Best');
    expect(r.options).toEqual(DEFAULTS);
    expect(r.errors.length).toBe(2);
  });

  it('reports a value with a second "=" rather than reading the part before it', () => {
    const r = parseCmdline('frames=bitmap=yes');
    expect(r.options).toEqual(DEFAULTS);
    expect(r.errors).toEqual(["unknown boot option 'frames=bitmap=yes'"]);
  });

  it('reports every bad word, in order', () => {
    expect(parseCmdline('a b=c frames=bitmap d').errors).toEqual([
      "unknown boot option 'a'", "unknown boot option 'b=c'", "unknown boot option 'd'",
    ]);
  });
});
