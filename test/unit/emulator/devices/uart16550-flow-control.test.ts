// The 16550A's host side as a terminal with RTS/CTS hardware handshake (emulator/devices/uart16550.ts,
// "Receive flow control" at the top): the terminal starts a character only while the UART's RTS
// output (MCR bit 1, "Modem Control Register") is asserted and the receiver has room, so bytes
// passed to receive() wait in the host queue instead of being lost to an overrun ("Line Status
// Register", bit 1), and with nothing held they arrive exactly as on a plain line.
//
// The clock runs at 1.152 MHz so that an 8N1 character at 115200 baud is exactly 100 cycles.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import {
  FCR_CLEAR_RX, FCR_ENABLE, IER_ELSI, IER_ERBFI, LSR_DR, LSR_OE, MCR_DTR, MCR_LOOP, MCR_OUT2, MCR_RTS, Uart16550,
} from '../../../../emulator/devices/uart16550.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const COM1 = 0x3f8;
const RBR = COM1, DLL = COM1, DLM = COM1 + 1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2;
const LCR = COM1 + 3, MCR = COM1 + 4, LSR = COM1 + 5;
const CHAR = 100;
const IIR_LINE_STATUS = 0x06;
/** FCR: FIFOs on, RX trigger level 1 or 14. */
const FIFO_1 = 0x01, FIFO_14 = 0xc1;
/** What a driver leaves in MCR: DTR, RTS and OUT2 (the PC's IRQ gate). */
const READY = MCR_DTR | MCR_RTS | MCR_OUT2;
const NOT_READY = MCR_DTR | MCR_OUT2;

/** `n` bytes in which a lost or reordered byte shows. */
const pattern = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

/** A UART programmed as a driver does it (115200 8N1), on a hand-run clock. */
function setup(o: { fcr?: number; mcr?: number; ier?: number; clock?: boolean } = {}) {
  const io = new IoPorts();
  const clock = new Clock(1_152_000);
  const irq = new IrqRecorder();
  const uart = new Uart16550(io, COM1, () => {}, irq, o.clock === false ? null : clock);
  io.write8(LCR, 0x80);
  io.write8(DLL, 1);
  io.write8(DLM, 0);
  io.write8(LCR, 0x03);
  io.write8(FCR, o.fcr ?? 0);
  io.write8(MCR, o.mcr ?? READY);
  io.write8(IER, o.ier ?? 0);
  const goto = (t: number): void => {
    clock.advanceTo(t);
    clock.runDue();
  };
  const read = (port: number): number => io.read8(port);
  const write = (port: number, value: number): void => io.write8(port, value);
  /** Every LSR value the guest has read (OE would show in one of them). */
  const lsrSeen: number[] = [];
  /** Reads RBR while LSR.DR is set, as an interrupt handler does. */
  const drain = (): number[] => {
    const out: number[] = [];
    for (;;) {
      const lsr = read(LSR);
      lsrSeen.push(lsr);
      if ((lsr & LSR_DR) === 0) return out;
      out.push(read(RBR));
    }
  };
  const overrunSeen = (): boolean => lsrSeen.some((v) => (v & LSR_OE) !== 0);
  return { io, clock, irq, uart, goto, read, write, drain, overrunSeen };
}

/**
 * A guest that polls LSR every cycle and reads each byte the moment it arrives (so the receiver
 * never fills): the cycle of each arrival.
 */
function arrivalTimesOfPromptReader(o: { fcr: number; flowControl: boolean }, n: number): number[] {
  const { uart, goto, read } = setup({ fcr: o.fcr });
  uart.setHostFlowControl(o.flowControl);
  uart.receive(pattern(n));
  const times: number[] = [];
  for (let t = 0; times.length < n && t <= (n + 1) * CHAR; t++) {
    goto(t);
    if ((read(LSR) & LSR_DR) !== 0) {
      read(RBR);
      times.push(t);
    }
  }
  return times;
}

describe('16550 host flow control: nothing the host sends is lost', () => {
  it.each([['FIFO', FIFO_14], ['16450', 0]] as const)(
    'delivers 1,000 bytes, in order, to a guest that does not read for a long time (%s mode), and never sets OE',
    (_mode, fcr) => {
      const { uart, goto, clock, drain, overrunSeen, read } = setup({ fcr, ier: IER_ERBFI | IER_ELSI });
      const text = pattern(1000);
      uart.receive(text);
      goto(5000 * CHAR); // five times as long as the whole text takes on the line
      expect(read(IIR) & 0x0f).not.toBe(IIR_LINE_STATUS);
      const got = drain(); // the receiver is full: 16 bytes (1 in 16450 mode); the rest wait
      expect(got).toEqual(text.slice(0, fcr === 0 ? 1 : 16));
      // Then the guest keeps reading, now and then, whatever has arrived.
      for (let t = clock.now; got.length < text.length && t < 100_000 * CHAR; t += 37 * CHAR + 13) {
        goto(t);
        got.push(...drain());
      }
      expect(got).toEqual(text);
      expect(overrunSeen()).toBe(false);
    },
  );

  it('holds the 17th byte while the FIFO is full, and sends it one character time after RBR is read', () => {
    const { uart, goto, read, drain, overrunSeen } = setup({ fcr: FIFO_14 });
    const text = pattern(20);
    uart.receive(text);
    goto(100 * CHAR);
    const t = 100 * CHAR;
    expect(read(RBR)).toBe(text[0]); // room for one: the terminal starts the 17th now
    goto(t + CHAR - 1);
    expect(drain()).toEqual(text.slice(1, 16));
    goto(t + CHAR);
    expect(drain()).toEqual([text[16]]);
    goto(t + 2 * CHAR);
    expect(drain()).toEqual([text[17]]);
    expect(overrunSeen()).toBe(false);
  });

  it('in 16450 mode starts each byte only once the one before has been read', () => {
    const { uart, goto, read, drain, overrunSeen } = setup();
    uart.receive([1, 2]);
    goto(10 * CHAR);
    expect(read(RBR)).toBe(1);
    goto(11 * CHAR - 1);
    expect(drain()).toEqual([]);
    goto(11 * CHAR);
    expect(drain()).toEqual([2]);
    expect(overrunSeen()).toBe(false);
  });

  it('sends the held bytes once the guest clears the RX FIFO with FCR bit 1', () => {
    const { uart, goto, write, drain } = setup({ fcr: FIFO_14 });
    const text = pattern(18);
    uart.receive(text);
    goto(50 * CHAR);
    write(FCR, FCR_ENABLE | FCR_CLEAR_RX | 0xc0); // drops the 16 it holds
    goto(51 * CHAR);
    expect(drain()).toEqual([text[16]]);
    goto(52 * CHAR);
    expect(drain()).toEqual([text[17]]);
  });

  it('loses bytes as before when the host is told not to honour flow control (a terminal without handshake)', () => {
    const { uart, goto, drain, overrunSeen } = setup({ fcr: FIFO_14 });
    uart.setHostFlowControl(false);
    const text = pattern(1000);
    uart.receive(text);
    goto(5000 * CHAR);
    expect(drain()).toEqual(text.slice(0, 16));
    expect(overrunSeen()).toBe(true);
    goto(6000 * CHAR);
    expect(drain()).toEqual([]); // the other 984 went by while the FIFO was full
  });
});

describe('16550 host flow control: the guest\'s RTS output', () => {
  it('sends nothing while RTS is low, and the first byte one character time after it is raised', () => {
    const { uart, goto, write, drain } = setup({ fcr: FIFO_1, mcr: NOT_READY });
    uart.receive([1, 2, 3]);
    goto(1000 * CHAR);
    expect(drain()).toEqual([]);
    const t = 1000 * CHAR;
    write(MCR, READY);
    goto(t + CHAR - 1);
    expect(drain()).toEqual([]);
    goto(t + CHAR);
    expect(drain()).toEqual([1]);
    goto(t + 3 * CHAR);
    expect(drain()).toEqual([2, 3]);
  });

  it('finishes the character already on the line when RTS drops, then holds the rest until RTS rises again', () => {
    const { uart, goto, write, drain } = setup({ fcr: FIFO_1 });
    uart.receive([1, 2, 3]);
    goto(CHAR / 2); // byte 1 is half sent
    write(MCR, NOT_READY);
    goto(CHAR);
    expect(drain()).toEqual([1]);
    goto(500 * CHAR);
    expect(drain()).toEqual([]);
    write(MCR, READY);
    goto(501 * CHAR - 1);
    expect(drain()).toEqual([]);
    goto(501 * CHAR);
    expect(drain()).toEqual([2]);
    goto(502 * CHAR);
    expect(drain()).toEqual([3]);
  });

  it('keeps a byte on the line on time when RTS drops and rises again while it is sent', () => {
    const { uart, goto, write, drain } = setup({ fcr: FIFO_1 });
    uart.receive([1, 2]);
    goto(30);
    write(MCR, NOT_READY);
    goto(60);
    write(MCR, READY);
    goto(CHAR);
    expect(drain()).toEqual([1]);
    goto(2 * CHAR);
    expect(drain()).toEqual([2]);
  });

  it('holds bytes after a master reset (MCR = 0) until the guest raises RTS', () => {
    const { uart, goto, write, drain } = setup({ fcr: FIFO_1 });
    uart.reset();
    uart.receive([7]);
    goto(100 * CHAR);
    expect(drain()).toEqual([]);
    write(MCR, READY);
    goto(101 * CHAR);
    expect(drain()).toEqual([7]);
  });

  it('holds bytes in loopback, where RTS is inactive, and after it while RTS stays low', () => {
    const { uart, goto, write, drain } = setup({ mcr: MCR_LOOP | MCR_RTS });
    uart.receive([0x41]);
    goto(10 * CHAR);
    expect(drain()).toEqual([]);
    write(MCR, NOT_READY);
    goto(20 * CHAR);
    expect(drain()).toEqual([]);
    write(MCR, READY);
    goto(21 * CHAR);
    expect(drain()).toEqual([0x41]);
  });

  it('without a clock, moves host bytes in only while RTS is asserted', () => {
    const { uart, write, drain } = setup({ clock: false, fcr: FIFO_1, mcr: NOT_READY });
    uart.receive(pattern(40));
    expect(drain()).toEqual([]);
    write(MCR, READY);
    expect(drain()).toEqual(pattern(40)); // each read makes room for the next
  });
});

describe('16550 host flow control: timing while nothing is held', () => {
  it.each([['FIFO', FIFO_1], ['16450', 0]] as const)(
    'delivers to a guest that reads each byte as it arrives one character time apart (%s mode), as without handshake',
    (_mode, fcr) => {
      const expected = Array.from({ length: 50 }, (_, i) => (i + 1) * CHAR);
      expect(arrivalTimesOfPromptReader({ fcr, flowControl: true }, 50)).toEqual(expected);
      expect(arrivalTimesOfPromptReader({ fcr, flowControl: false }, 50)).toEqual(expected);
    },
  );

  it('delivers byte k at k character times to a guest that reads in batches that never fill the FIFO', () => {
    const { uart, goto, drain, overrunSeen } = setup({ fcr: FIFO_14 });
    const text = pattern(96);
    uart.receive(text);
    let got = 0;
    for (let k = 1; k <= 12; k++) {
      const t = 8 * k * CHAR; // at most 8 bytes wait between reads
      goto(t - 1);
      got += drain().length;
      expect(got).toBe(8 * k - 1);
      goto(t);
      got += drain().length;
      expect(got).toBe(8 * k);
    }
    expect(overrunSeen()).toBe(false);
  });
});
