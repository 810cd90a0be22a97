// Wait channels (xv6's sleep/wakeup): what a sleeping process waits for. A channel is any object
// with a name: the console's input and output, a disk request, a process's children, the clock.
// Whatever produces the event (a device's interrupt handler, exit, the timer) only wakes the
// channel; the processes asleep on it run again and re-do the work that made them wait (a system
// call from its INT 80h, a page fault from its faulting instruction), which now finds what it
// waited for. So no code below the trap entry points ever calls back up into a process.
//
// A wakeup with nothing asleep is harmless, and so is a wakeup that comes early: whoever wakes
// re-checks its condition and sleeps again if it must (xv6's `while (!cond) sleep(chan)`).

export interface WaitChannel {
  /** What `ps` shows a process waiting for (`wait:read`, `wait:disk`, ...). */
  readonly name: string;
}

/** Wakes every process asleep on a channel. Devices are given one and call nothing else. */
export type Wakeup = (chan: WaitChannel) => void;

/** A channel that is also a request: its status becomes final ('done' or 'error') before its wakeup. */
export interface IoWait extends WaitChannel {
  status: 'queued' | 'done' | 'error';
  /** What went wrong, for 'error'. */
  error: string | null;
}

export const channel = (name: string): WaitChannel => ({ name });

/**
 * Things the drive is still using after their owner let go (a buffer it reads into, a frame it
 * writes from or reads into): each is freed once its request's status is final, at once if it
 * already is, else by the reap() that finds it so (the timer tick's, or the next user's).
 */
export class HeldForIo<T extends { readonly req: IoWait }> {
  private readonly items: T[] = [];
  private readonly free: (item: T) => void;

  constructor(free: (item: T) => void) {
    this.free = free;
  }

  hold(item: T): void {
    if (item.req.status === 'queued') this.items.push(item);
    else this.free(item);
  }

  /** The request of a held item still in flight, if any (of one `which` picks, when given). */
  inFlight(which?: (item: T) => boolean): IoWait | null {
    for (const t of this.items) if (t.req.status === 'queued' && (which === undefined || which(t))) return t.req;
    return null;
  }

  /** Frees the items whose requests are done. */
  reap(): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const t = this.items[i]!;
      if (t.req.status === 'queued') continue;
      this.items.splice(i, 1);
      this.free(t);
    }
  }
}
