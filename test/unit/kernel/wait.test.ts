// HeldForIo (kernel/wait.ts): what the drive still uses after its owner let go is freed once, and
// only once its request's status is final.
import { describe, expect, it } from 'vitest';
import { HeldForIo, type IoWait } from '../../../kernel/wait.ts';

const request = (status: IoWait['status'] = 'queued'): IoWait => ({ name: 'disk', status, error: null });

describe('HeldForIo', () => {
  it('frees an item whose request is already done at once, and one still queued only when reap() finds it done', () => {
    const freed: number[] = [];
    const held = new HeldForIo<{ req: IoWait; n: number }>((t) => freed.push(t.n));
    held.hold({ req: request('done'), n: 1 });
    expect(freed).toEqual([1]);
    const a = request(), b = request();
    held.hold({ req: a, n: 2 });
    held.hold({ req: b, n: 3 });
    held.reap();
    expect(freed).toEqual([1]);
    expect(held.inFlight()).toBe(a);
    expect(held.inFlight((t) => t.n === 3)).toBe(b);
    a.status = 'error';
    held.reap();
    expect(freed).toEqual([1, 2]);
    expect(held.inFlight((t) => t.n === 2)).toBeNull();
    b.status = 'done';
    held.reap();
    held.reap();
    expect(freed).toEqual([1, 2, 3]);
    expect(held.inFlight()).toBeNull();
  });
});
