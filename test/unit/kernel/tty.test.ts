// The console (kernel/tty.ts over the COM1 driver kernel/dev/uart.ts) against the real emulated
// 16550A (emulator/devices/uart16550.ts) on its cycle clock: a FakeHostPort whose ports go to an
// IoPorts bus holding the chip, and a loop that plays the board and the kernel: it runs the clock to
// the next device event and calls tty.onIrq() on each rising edge of IRQ 4, as the edge-triggered
// 8259A would deliver it, then takes a Ctrl-C with takeInterrupt() as the kernel's IRQ 4 handler
// does. The tty's wakeup is a recorder (readable: a line or end of file; writable: room for
// output). What the chip puts on the line is what a terminal would see.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../emulator/clock.ts';
import { IER_ERBFI, LCR_DLAB, MCR_LOOP, MCR_OUT2, Uart16550 } from '../../../emulator/devices/uart16550.ts';
import { IrqRecorder } from '../../../emulator/irq.ts';
import { IoPorts } from '../../../emulator/memory/ioports.ts';
import { Ring } from '../../../kernel/dev/ring.ts';
import { Uart } from '../../../kernel/dev/uart.ts';
import { Hw } from '../../../kernel/hw.ts';
import { P2V } from '../../../kernel/layout.ts';
import { Tty } from '../../../kernel/tty.ts';
import type { WaitChannel } from '../../../kernel/wait.ts';
import { BusHostPort } from './fake-hostport.ts';

const COM1 = 0x3f8, IIR = COM1 + 2, LCR = COM1 + 3, FCR = COM1 + 2;
/** 1.152 MHz: one 8N1 character at 115200 baud is exactly 100 cycles. */
const HZ = 1_152_000;
const CHAR = 100;

interface RigOptions {
  txCap?: number;
  editCap?: number;
  linesCap?: number;
  /** Runs on the chip before the driver's init(). */
  before?: (com1: Uart16550, clock: Clock) => void;
}

function rig(o: RigOptions = {}) {
  const io = new IoPorts();
  const clock = new Clock(HZ);
  const irq = new IrqRecorder();
  const sent: number[] = [];
  const com1 = new Uart16550(io, COM1, (b) => sent.push(b), irq, clock);
  const port = new BusHostPort(0x10000, io);
  const hw = new Hw(port);
  o.before?.(com1, clock);
  const uart = new Uart(hw, new Ring(hw, P2V(0x1000), o.txCap ?? 64));
  uart.init();
  /** Counts of wakeup(tty.readable), wakeup(tty.writable) and Ctrl-Cs taken; `other` counts wakeups of any other channel. */
  const events = { lines: 0, interrupts: 0, outputSpace: 0, other: 0 };
  const hooks: {
    /** Runs inside each wakeup, after it is counted. */
    onWakeup: ((chan: WaitChannel) => void) | null;
    /** Runs after each IRQ 4 handler returns (where the kernel would run the processes it woke). */
    afterIrq: (() => void) | null;
  } = { onWakeup: null, afterIrq: null };
  const tty: Tty = new Tty(uart, new Ring(hw, P2V(0x2000), o.editCap ?? 32), new Ring(hw, P2V(0x3000), o.linesCap ?? 64), (chan) => {
    if (chan === tty.readable) events.lines++;
    else if (chan === tty.writable) events.outputSpace++;
    else events.other++;
    hooks.onWakeup?.(chan);
  });
  let seen = irq.rises;
  /** When the edge seen last is delivered (the processor may take it late: interrupts off, a long host call). */
  let dueAt = Infinity;
  let irqLatency = 0;
  const deliver = (): void => {
    if (irq.rises > seen) {
      seen = irq.rises;
      if (dueAt === Infinity) dueAt = clock.now + irqLatency;
    }
    if (clock.now >= dueAt) {
      dueAt = Infinity;
      tty.onIrq();
      if (tty.takeInterrupt()) events.interrupts++;
      hooks.afterIrq?.();
    }
  };
  /**
   * Runs device events, delivering IRQ 4 edges `latency` cycles after they happen, until nothing
   * is scheduled or `until` holds.
   */
  const run = (until: () => boolean = () => false, latency = 0): void => {
    irqLatency = latency;
    for (let steps = 0; steps < 1_000_000; steps++) {
      deliver();
      if (until()) return;
      const next = Math.min(clock.nextEventTime(), dueAt);
      if (!Number.isFinite(next)) return;
      clock.advanceTo(Math.max(next, clock.now));
      clock.runDue();
    }
    throw new Error('the UART never went quiet');
  };
  const type = (s: string): void => com1.receive([...s].map((c) => c.charCodeAt(0)));
  const text = (): string => String.fromCharCode(...sent);
  const line = (max = 1000): string => String.fromCharCode(...tty.readLine(max));
  return { io, clock, irq, sent, com1, port, hw, uart, tty, events, hooks, run, type, text, line };
}

/** Printable text of `n` bytes that shows where a byte was lost or reordered. */
const pattern = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(0x21 + ((i * 7) % 94))).join('');

describe('Uart.init', () => {
  it('programs divisor 1 (115200 baud) through DLAB, then 8N1 with DLAB off', () => {
    const r = rig({ before: (com1) => { com1.dll = 12; com1.dlm = 1; } }); // a different divisor first
    expect([r.com1.dll, r.com1.dlm]).toEqual([1, 0]);
    expect(r.com1.lcr).toBe(0x03); // 8 data bits, 1 stop bit, no parity, DLAB 0
    expect(r.com1.lcr & LCR_DLAB).toBe(0);
    const lcrWrites = r.port.portWrites.filter(([p]) => p === LCR).map(([, v]) => v);
    expect(lcrWrites).toEqual([0x80, 0x03]);
  });

  it('turns the FIFOs on (and clears them), sets OUT2 so the card drives IRQ 4, and enables receive interrupts only', () => {
    const r = rig();
    expect(r.port.portWrites.some(([p, v]) => p === FCR && (v & 0x07) === 0x07)).toBe(true);
    expect(r.io.read8(IIR) & 0xc0).toBe(0xc0); // FIFOs enabled
    expect(r.com1.mcr & MCR_OUT2).toBe(MCR_OUT2);
    expect(r.com1.mcr & MCR_LOOP).toBe(0);
    expect(r.com1.ier).toBe(IER_ERBFI);
  });

  it('drops bytes that arrived before it ran', () => {
    const r = rig({
      before: (com1, clock) => {
        // As the BIOS leaves the chip (serial_init): FIFOs on, DTR, RTS and OUT2 up; so the
        // terminal sends, and the bytes are there when the kernel's driver starts.
        com1.write8(0x3fa, 0x07);
        com1.write8(0x3fc, 0x0b);
        com1.receive([0x6a, 0x75, 0x6e, 0x6b]);
        clock.advanceTo(10 * CHAR);
        clock.runDue();
      },
    });
    r.run();
    expect(r.text()).toBe('');
    expect(r.tty.hasLine).toBe(false);
  });
});

describe('Tty output', () => {
  it('puts printed text on the line with \\n sent as \\r\\n', () => {
    const r = rig();
    r.tty.print('hello\nworld\n');
    r.run();
    expect(r.text()).toBe('hello\r\nworld\r\n');
    expect(r.tty.drained).toBe(true);
  });

  it('is drained only once the last byte has left the line, not when the ring empties', () => {
    const r = rig();
    expect(r.tty.drained).toBe(true);
    r.tty.print('x');
    expect(r.uart.txPending).toBe(0); // straight into the transmitter: the ring is empty already
    expect(r.tty.drained).toBe(false); // but the byte is still being sent
    r.run(() => r.tty.drained);
    expect(r.text()).toBe('x');
    expect(r.clock.now).toBeGreaterThanOrEqual(CHAR); // a whole character time on the line
  });

  it('refills the transmitter on THRE interrupts when the output is longer than its FIFO', () => {
    const r = rig();
    const s = pattern(60);
    r.tty.print(s);
    expect(r.sent.length).toBe(0); // nothing is on the line before time passes
    const rises = r.irq.rises;
    r.run();
    expect(r.text()).toBe(s);
    expect(r.irq.rises - rises).toBeGreaterThanOrEqual(3); // 60 bytes, 16 a FIFO load
    expect(r.com1.ier).toBe(IER_ERBFI); // THRE interrupts off again once the ring is empty
  });

  it('keeps output larger than the ring waiting, in order, and loses none of it', () => {
    const r = rig({ txCap: 64 });
    const s = pattern(1000);
    r.tty.print(s);
    expect(r.tty.drained).toBe(false);
    expect(r.uart.txPending).toBeLessThanOrEqual(64);
    r.run();
    expect(r.text().length).toBe(1000);
    expect(r.text()).toBe(s);
    expect(r.tty.drained).toBe(true);
  });

  it('keeps later prints behind earlier ones that still wait, including prints made while the line is busy', () => {
    const r = rig({ txCap: 32 });
    const a = pattern(300), b = 'second\n', c = pattern(200);
    r.tty.print(a);
    r.tty.print(b);
    r.run(() => r.sent.length >= 100);
    expect(r.sent.length).toBeLessThan(300);
    r.tty.print(c);
    r.run();
    expect(r.text()).toBe(a + 'second\r\n' + c);
  });

  for (const latency of [CHAR / 2, 3 * CHAR, 40 * CHAR]) {
    it(`loses and repeats nothing when each interrupt is taken ${latency} cycles late`, () => {
      const r = rig({ txCap: 32 });
      const s = pattern(500);
      r.tty.print(s);
      r.run(() => false, latency);
      expect(r.text()).toBe(s);
    });

    it(`loses and repeats nothing when the kernel prints while a THRE interrupt is pending (${latency} cycles)`, () => {
      const r = rig({ txCap: 32 });
      const a = pattern(300), b = pattern(50).toLowerCase();
      r.tty.print(a);
      let rises = r.irq.rises;
      let printed = false;
      // Print at the moment a THRE edge has happened but has not been delivered yet.
      r.run(() => {
        if (!printed && r.sent.length > 100 && r.irq.level && r.irq.rises > rises) {
          r.tty.print(b);
          printed = true;
        }
        rises = r.irq.rises;
        return false;
      }, latency);
      expect(printed).toBe(true);
      expect(r.text()).toBe(a + b);
    });
  }

  // The kernel's ring is 16 KiB; these small ones show edge cases a big ring hides (8: the ring
  // empties into the FIFO while print queues the rest; 17: one byte is left in the ring when the
  // FIFO takes its sixteen, and a late THRE interrupt drains the waiting output into it).
  for (const txCap of [8, 17]) {
    it(`keeps all output in order even with a ${txCap}-byte ring and late interrupts`, () => {
      const r = rig({ txCap });
      const s = pattern(200);
      r.tty.print(s);
      r.run(() => false, 3 * CHAR);
      expect(r.text()).toBe(s);
    });
  }

  it('wakes tty.writable only once the waiting output has all gone into the ring', () => {
    const r = rig({ txCap: 32 });
    const s = pattern(200);
    r.tty.print(s);
    r.events.outputSpace = 0;
    // A writer woken for room finds it at the first wakeup: its byte is taken, and goes out after
    // all of the kernel's.
    let taken: number | null = null;
    r.hooks.onWakeup = (chan) => {
      if (chan === r.tty.writable && taken === null) taken = r.tty.writeSome(new Uint8Array([0x7e]));
    };
    r.run();
    expect(r.events.outputSpace).toBeGreaterThan(0);
    expect(taken).toBe(1);
    expect(r.text()).toBe(s + '~');
    expect(r.events.lines + r.events.other).toBe(0);
  });

  it('never leaves a writer asleep while there is room: with a ring no bigger than the FIFO, a write still goes out whole', () => {
    for (const txCap of [8, 16, 17]) {
      const r = rig({ txCap });
      const bytes = new TextEncoder().encode('x'.repeat(100));
      let done = r.tty.writeSome(bytes);
      // As a blocked write(): asleep on writable, it tries again only after a wakeup.
      let asleep = done < bytes.length, woken = false;
      r.hooks.onWakeup = (chan) => { if (chan === r.tty.writable && asleep) woken = true; };
      r.hooks.afterIrq = () => {
        if (!woken) return;
        woken = false;
        done += r.tty.writeSome(bytes.subarray(done));
        asleep = done < bytes.length;
      };
      r.run();
      expect(done, `ring of ${txCap}`).toBe(bytes.length);
      expect(r.text()).toBe('x'.repeat(100));
    }
  });

  it('writeSome takes what fits in the ring and the room the FIFO makes, counting \\n as two bytes, and returns how many it took', () => {
    const r = rig({ txCap: 64 });
    const bytes = new TextEncoder().encode('a\n'.repeat(50));
    const taken = r.tty.writeSome(bytes);
    // The 64-byte ring and the 16 bytes the idle transmitter's FIFO takes at once: 80 bytes,
    // 26 × "a\r\n" (78 bytes) and one more "a" (a newline does not fit in the one byte left).
    expect(taken).toBe(53);
    r.run();
    expect(r.text()).toBe('a\r\n'.repeat(26) + 'a');
    // The caller (a blocked write) goes on with the rest each time room appears.
    let done = taken;
    for (let calls = 0; done < bytes.length && calls < 10; calls++) {
      done += r.tty.writeSome(bytes.subarray(done));
      r.run();
    }
    expect(r.text()).toBe('a\r\n'.repeat(50));
  });

  it('lets a writer that got a short writeSome retry it after each wakeup of tty.writable, in order, behind kernel output queued before', () => {
    const r = rig({ txCap: 64 });
    const k = pattern(150).toLowerCase();
    r.tty.print(k);
    const data = new TextEncoder().encode((pattern(70) + '\n').repeat(20));
    // As the kernel does: write() takes what fits, and while bytes are left the process sleeps on
    // tty.writable; a wakeup makes it runnable, and it re-runs write() after the IRQ handler.
    let done = r.tty.writeSome(data);
    expect(done).toBe(0); // the kernel's output waits: nothing may overtake it
    let asleep = true, runnable = false, retries = 0;
    r.hooks.onWakeup = (chan) => { if (chan === r.tty.writable && asleep) runnable = true; };
    r.hooks.afterIrq = () => {
      if (!runnable) return;
      runnable = false;
      retries++;
      done += r.tty.writeSome(data.subarray(done));
      asleep = done < data.length;
    };
    r.run(() => false, 2 * CHAR);
    expect(done).toBe(data.length);
    expect(asleep).toBe(false);
    expect(retries).toBeGreaterThan(1); // 1460 bytes through a 64-byte ring
    expect(r.text()).toBe(k + (pattern(70) + '\r\n').repeat(20));
  });

  it('writeSome takes nothing while kernel output waits, so process output cannot overtake it', () => {
    const r = rig({ txCap: 32 });
    const k = pattern(100);
    r.tty.print(k);
    expect(r.tty.writeSome(new TextEncoder().encode('user'))).toBe(0);
    r.run();
    expect(r.tty.writeSome(new TextEncoder().encode('user'))).toBe(4);
    r.run();
    expect(r.text()).toBe(k + 'user');
  });
});

describe('Tty input', () => {
  it('echoes typed bytes and completes a line on Enter, readable with readLine', () => {
    const r = rig();
    r.type('ls -l\r');
    r.run();
    expect(r.text()).toBe('ls -l\r\n');
    expect(r.events.lines).toBe(1);
    expect(r.tty.hasLine).toBe(true);
    expect(r.line()).toBe('ls -l\n');
    expect(r.tty.hasLine).toBe(false);
  });

  it('takes \\n as Enter too', () => {
    const r = rig();
    r.type('pwd\n');
    r.run();
    expect(r.line()).toBe('pwd\n');
  });

  it('has no line before Enter', () => {
    const r = rig();
    r.type('abc');
    r.run();
    expect(r.text()).toBe('abc');
    expect(r.tty.hasLine).toBe(false);
    expect(r.events.lines).toBe(0);
  });

  it('erases the last typed byte with DEL or BS, echoing "\\b \\b"', () => {
    const r = rig();
    r.type('lx\x7fs\r');
    r.type('cz\x08d\r');
    r.run();
    expect(r.text()).toBe('lx\b \bs\r\ncz\b \bd\r\n');
    expect(r.line()).toBe('ls\n');
    expect(r.line()).toBe('cd\n');
  });

  it('echoes nothing for backspace on an empty line', () => {
    const r = rig();
    r.type('\x7f\x7fa\r');
    r.run();
    expect(r.text()).toBe('a\r\n');
    expect(r.line()).toBe('a\n');
  });

  it('erases the whole line with Ctrl-U', () => {
    const r = rig();
    r.type('abc\x15x\r');
    r.run();
    expect(r.text()).toBe('abc\b \b\b \b\b \bx\r\n');
    expect(r.line()).toBe('x\n');
  });

  it('notes Ctrl-C for takeInterrupt() (which clears it), echoes ^C and drops the line being typed', () => {
    const r = rig();
    expect(r.tty.takeInterrupt()).toBe(false);
    r.type('abc\x03');
    r.run();
    expect(r.events.interrupts).toBe(1); // taken after the IRQ handler, as the kernel does
    expect(r.tty.takeInterrupt()).toBe(false); // taking it cleared it
    expect(r.events.lines).toBe(0); // no line, so no reader wakes
    expect(r.text()).toBe('abc^C\r\n');
    expect(r.tty.hasLine).toBe(false);
    r.type('xy\r');
    r.run();
    expect(r.line()).toBe('xy\n');
    expect(r.events.interrupts).toBe(1);
    expect(r.events.lines).toBe(1);
  });

  it('makes Ctrl-D on an empty line an end of file: wakes the reader, and one read returns nothing', () => {
    const r = rig();
    r.type('\x04');
    r.run();
    expect(r.events.lines).toBe(1);
    expect(r.text()).toBe(''); // not echoed
    expect(r.tty.hasLine).toBe(true);
    expect(r.tty.readLine(100).length).toBe(0);
    expect(r.tty.hasLine).toBe(false);
  });

  it('ignores Ctrl-D on a line being typed', () => {
    const r = rig();
    r.type('ab\x04');
    r.run();
    expect(r.events.lines).toBe(0);
    expect(r.tty.hasLine).toBe(false);
    r.type('c\r');
    r.run();
    expect(r.events.lines).toBe(1);
    expect(r.line()).toBe('abc\n');
  });

  it('ignores other control bytes', () => {
    const r = rig();
    r.type('\x01a\x02b\x1b\r');
    r.run();
    expect(r.text()).toBe('ab\r\n');
    expect(r.line()).toBe('ab\n');
  });

  it('does not echo with echo off, but still completes lines', () => {
    const r = rig();
    r.tty.echo = false;
    r.type('secret\r');
    r.run();
    expect(r.text()).toBe('');
    expect(r.line()).toBe('secret\n');
  });

  it('hands a line out in pieces when the reader asks for less, and lines in the order typed', () => {
    const r = rig();
    r.type('hello\rworld\r');
    r.run();
    expect(r.events.lines).toBe(2);
    expect(r.line(3)).toBe('hel');
    expect(r.tty.hasLine).toBe(true);
    expect(r.line(100)).toBe('lo\n');
    expect(r.line(100)).toBe('world\n');
    expect(r.tty.hasLine).toBe(false);
    expect(r.line(100)).toBe('');
  });

  it('receives a pasted line whole, at the line rate, through FIFO-level and timeout interrupts', () => {
    const r = rig({ editCap: 64 });
    const s = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'; // 44 bytes: beyond one FIFO load
    r.type(s + '\r');
    r.run();
    expect(r.text()).toBe(s + '\r\n');
    expect(r.line()).toBe(s + '\n');
  });

  it('stops echoing bytes when the line being typed is full, and refuses the line', () => {
    const r = rig({ editCap: 4 });
    r.type('abcdef\r');
    r.run();
    expect(r.text()).toBe('abcd\r\nline too long (at most 4 characters): not taken\r\n');
    expect(r.tty.hasLine).toBe(false);
  });

  it('holds the terminal back (RTS low) rather than lose a line that does not fit, and lets it go on once a reader makes room', () => {
    const r = rig({ linesCap: 32, editCap: 8 });
    const lines = ['abcdef', 'ghijkl', 'mnopqr', 'stuvwx', 'yz0123'];
    r.type(lines.map((l) => `${l}\r`).join(''));
    r.run();
    expect(r.uart.receiveReady).toBe(false); // 21 of 32 bytes taken: the rest of the paste waits
    const got: string[] = [];
    for (let k = 0; k < 10 && got.length < lines.length; k++) {
      while (r.tty.hasLine) got.push(r.line().trimEnd());
      r.run();
    }
    expect(got).toEqual(lines);
    expect(r.uart.receiveReady).toBe(true);
  });

  it('echoes behind kernel output that is still waiting', () => {
    const r = rig({ txCap: 16 });
    const k = pattern(100);
    r.tty.print(k);
    r.type('q\r');
    r.run();
    expect(r.text()).toBe(k + 'q\r\n');
  });

  it('flushInput drops finished lines and the one being typed', () => {
    const r = rig();
    r.type('one\rtw');
    r.run();
    r.tty.flushInput();
    expect(r.tty.hasLine).toBe(false);
    r.type('o\r');
    r.run();
    expect(r.line()).toBe('o\n');
  });
});

describe('Tty input: a line too long', () => {
  it('refuses a line longer than the edit ring with a message, and takes the next one', () => {
    const r = rig({ editCap: 32, linesCap: 128 });
    r.type(`${'a'.repeat(40)}\r`);
    r.run();
    expect(r.tty.hasLine).toBe(false);
    expect(r.text()).toContain('line too long (at most 32 characters): not taken\r\n');
    r.type('ok\r');
    r.run();
    expect(r.line()).toBe('ok\n');
  });

  it('takes a line of exactly the ring\'s length', () => {
    const r = rig({ editCap: 32, linesCap: 128 });
    r.type(`${'b'.repeat(32)}\r`);
    r.run();
    expect(r.line()).toBe(`${'b'.repeat(32)}\n`);
    expect(r.text()).not.toContain('too long');
  });
});

describe('Tty input: a receiver overrun', () => {
  it('says so and drops the line being typed rather than take it with letters missing', () => {
    const r = rig();
    r.com1.setHostFlowControl(false); // a terminal with no handshake
    r.type(`run echo ${'x'.repeat(30)}\r`);
    r.run(() => false, 40 * CHAR); // the kernel takes its interrupt late: the 16-byte FIFO overruns
    expect(r.text()).toContain('console: input lost (receiver overrun): the line being typed was dropped');
    expect(r.tty.hasLine).toBe(false);
    r.com1.setHostFlowControl(true);
    r.type('ok\r');
    r.run();
    expect(r.line()).toBe('ok\n');
  });
});
