// The COM1 driver's receive flow control (kernel/dev/uart.ts) against the real emulated 16550A
// (emulator/devices/uart16550.ts) on its cycle clock, through a BusHostPort: setReceiveReady
// lowers and raises RTS (MCR bit 1, "Modem Control Register") and keeps DTR and OUT2 as init()
// sets them, writing MCR only on a change; the emulated terminal holds its bytes while RTS is low.
// A loop plays the board: it runs the clock to the next device event and calls onIrq() on each
// rising edge of IRQ 4, as the edge-triggered 8259A would deliver it.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import { MCR_DTR, MCR_OUT2, MCR_RTS, Uart16550 } from '../../../../emulator/devices/uart16550.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';
import { Ring } from '../../../../kernel/dev/ring.ts';
import { Uart } from '../../../../kernel/dev/uart.ts';
import { Hw } from '../../../../kernel/hw.ts';
import { P2V } from '../../../../kernel/layout.ts';
import { BusHostPort } from '../fake-hostport.ts';

const COM1 = 0x3f8, FCR = COM1 + 2, MCR = COM1 + 4;
/** 1.152 MHz: one 8N1 character at 115200 baud is exactly 100 cycles. */
const CHAR = 100;

function rig(before?: (com1: Uart16550, io: IoPorts, clock: Clock) => void) {
  const io = new IoPorts();
  const clock = new Clock(1_152_000);
  const irq = new IrqRecorder();
  const com1 = new Uart16550(io, COM1, () => {}, irq, clock);
  const port = new BusHostPort(0x10000, io);
  const hw = new Hw(port);
  before?.(com1, io, clock);
  const uart = new Uart(hw, new Ring(hw, P2V(0x1000), 64));
  uart.init();
  const received: number[] = [];
  let seen = irq.rises;
  /** Runs device events until `until` cycles, handing each IRQ 4 edge to the driver. */
  const runTo = (until: number): void => {
    for (;;) {
      if (irq.rises > seen) {
        seen = irq.rises;
        uart.onIrq((b) => received.push(b));
      }
      const next = clock.nextEventTime();
      if (!(next <= until)) break;
      clock.advanceTo(Math.max(next, clock.now));
      clock.runDue();
    }
    clock.advanceTo(Math.max(until, clock.now));
  };
  /** The MCR values the driver has written, in order. */
  const mcrWrites = (): number[] => port.portWrites.filter(([p]) => p === MCR).map(([, v]) => v);
  return { io, clock, com1, port, uart, received, runTo, mcrWrites };
}

describe('Uart receive flow control (RTS)', () => {
  it('init() asserts RTS with DTR and OUT2, and the driver starts ready', () => {
    const r = rig();
    expect(r.com1.mcr).toBe(MCR_DTR | MCR_RTS | MCR_OUT2);
    expect(r.uart.receiveReady).toBe(true);
    expect(r.mcrWrites()).toEqual([MCR_DTR | MCR_RTS | MCR_OUT2]);
  });

  it('setReceiveReady(false) clears MCR.RTS, keeping DTR and OUT2; true sets it again', () => {
    const r = rig();
    r.uart.setReceiveReady(false);
    expect(r.com1.mcr).toBe(MCR_DTR | MCR_OUT2);
    expect(r.uart.receiveReady).toBe(false);
    r.uart.setReceiveReady(true);
    expect(r.com1.mcr).toBe(MCR_DTR | MCR_RTS | MCR_OUT2);
    expect(r.uart.receiveReady).toBe(true);
  });

  it('writes MCR only when the state changes', () => {
    const r = rig();
    const afterInit = r.port.portWrites.length;
    r.uart.setReceiveReady(true); // ready already since init()
    expect(r.port.portWrites.length).toBe(afterInit);
    r.uart.setReceiveReady(false);
    r.uart.setReceiveReady(false);
    r.uart.setReceiveReady(false);
    r.uart.setReceiveReady(true);
    r.uart.setReceiveReady(true);
    expect(r.port.portWrites.slice(afterInit)).toEqual([
      [MCR, MCR_DTR | MCR_OUT2, 8],
      [MCR, MCR_DTR | MCR_RTS | MCR_OUT2, 8],
    ]);
  });

  it('init() asserts RTS again after the driver lowered it', () => {
    const r = rig();
    r.uart.setReceiveReady(false);
    r.uart.init();
    expect(r.com1.mcr & MCR_RTS).toBe(MCR_RTS);
    expect(r.uart.receiveReady).toBe(true);
    const writes = r.port.portWrites.length;
    r.uart.setReceiveReady(true);
    expect(r.port.portWrites.length).toBe(writes);
  });

  it('gets no typed byte while RTS is low, and every one, in order, once it is raised', () => {
    const r = rig();
    r.uart.setReceiveReady(false);
    const text = Array.from({ length: 300 }, (_, i) => 0x20 + (i % 95));
    r.com1.receive(text);
    r.runTo(1000 * CHAR);
    expect(r.received).toEqual([]);
    r.uart.setReceiveReady(true);
    r.runTo(2000 * CHAR);
    expect(r.received).toEqual(text);
  });

  it('after lowering RTS gets at most the one character the terminal had started', () => {
    const r = rig();
    r.com1.receive([1, 2, 3, 4]);
    r.runTo(CHAR + CHAR / 2); // byte 1 is in, byte 2 half sent
    expect(r.received).toEqual([1]);
    r.uart.setReceiveReady(false);
    r.runTo(500 * CHAR);
    expect(r.received).toEqual([1, 2]);
    r.uart.setReceiveReady(true);
    r.runTo(1000 * CHAR);
    expect(r.received).toEqual([1, 2, 3, 4]);
  });

  it('init() drops bytes that arrived before it ran (with the FIFOs on and RTS up, as the BIOS leaves them)', () => {
    const r = rig((com1, io, clock) => {
      io.write8(FCR, 0x07); // the BIOS's serial_init: FIFOs on and cleared, DTR RTS OUT2
      io.write8(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
      com1.receive([0x6a, 0x75, 0x6e, 0x6b]);
      clock.advanceTo(10 * CHAR);
      clock.runDue();
    });
    r.runTo(100 * CHAR);
    expect(r.received).toEqual([]);
  });
});
