// The 8259A pair, driven only through its ports, its IRQ lines, INTR and the acknowledge, and
// checked against the Intel 8259A data sheet.
import { describe, expect, it } from 'vitest';
import { Pic8259, PicPair } from '../../../../emulator/devices/pic8259.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const MASTER = 0x20, SLAVE = 0xa0;
// OCW2 and OCW3 commands, as guests write them.
const EOI = 0x20, ROTATE_EOI = 0xa0, SET_ROTATE_AEOI = 0x80, CLEAR_ROTATE_AEOI = 0x00;
const SPECIFIC_EOI = (l: number) => 0x60 | l;
const ROTATE_SPECIFIC_EOI = (l: number) => 0xe0 | l;
const SET_PRIORITY = (l: number) => 0xc0 | l;
const READ_IRR = 0x0a, READ_ISR = 0x0b, POLL = 0x0c, SET_SMM = 0x68, RESET_SMM = 0x48;

interface InitOptions {
  /** ICW1 bits beyond D4 and IC4 (LTIM = 0x08). */
  icw1?: number;
  icw4?: number;
  masterBase?: number;
  slaveBase?: number;
  masterIcw3?: number;
  slaveIcw3?: number;
}

/** The pair after the initialisation sequence a PC operating system writes, every input unmasked. */
function setup(o: InitOptions = {}) {
  const io = new IoPorts();
  const pic = new PicPair(io);
  const intr: boolean[] = [];
  pic.onIntrChange = (level) => intr.push(level);
  const init = (port: number, base: number, icw3: number) => {
    io.write8(port, 0x11 | (o.icw1 ?? 0)); // ICW1: edge, cascade, ICW4 needed
    io.write8(port + 1, base); // ICW2
    io.write8(port + 1, icw3); // ICW3
    io.write8(port + 1, o.icw4 ?? 0x01); // ICW4: 8086 mode
    io.write8(port + 1, 0x00); // OCW1: nothing masked
  };
  init(MASTER, o.masterBase ?? 0x20, o.masterIcw3 ?? 0x04);
  init(SLAVE, o.slaveBase ?? 0x28, o.slaveIcw3 ?? 0x02);
  const irq = (n: number) => pic.irqLine(n);
  const readIrr = (port: number) => { io.write8(port, READ_IRR); return io.read8(port); };
  const readIsr = (port: number) => { io.write8(port, READ_ISR); return io.read8(port); };
  return { io, pic, intr, irq, readIrr, readIsr };
}

describe('8259A initialisation (ICW1-ICW4)', () => {
  it('gives IR n the vector ICW2 | n', () => {
    const { pic, irq, io } = setup({ masterBase: 0x40 });
    irq(0).raise();
    expect(pic.acknowledge()).toBe(0x40);
    io.write8(MASTER, EOI);
    irq(6).raise();
    expect(pic.acknowledge()).toBe(0x46);
  });

  it('uses only T7-T3 of ICW2 in 8086 mode', () => {
    const { pic, irq } = setup({ masterBase: 0x47 });
    irq(1).raise();
    expect(pic.acknowledge()).toBe(0x41);
  });

  it('clears the IMR on ICW1', () => {
    const { io } = setup();
    io.write8(MASTER + 1, 0xff);
    io.write8(MASTER, 0x11);
    io.write8(MASTER + 1, 0x20);
    io.write8(MASTER + 1, 0x04);
    io.write8(MASTER + 1, 0x01);
    expect(io.read8(MASTER + 1)).toBe(0x00);
  });

  it('takes no ICW3 in single mode (SNGL), and no ICW4 without IC4', () => {
    const io = new IoPorts();
    const pic = new Pic8259(true);
    io.register(0x50, 2, pic);
    io.write8(0x50, 0x12); // ICW1: single, no ICW4
    io.write8(0x51, 0x88); // ICW2
    io.write8(0x51, 0xf0); // now OCW1, not ICW3
    expect(io.read8(0x51)).toBe(0xf0);
    pic.setInput(3, true);
    expect(pic.int).toBe(true);
    expect(pic.acknowledge()).toBe(0x8b);
  });

  it('zeroes the ICW4 functions when ICW1 says no ICW4 follows', () => {
    const { io, pic, irq, readIsr } = setup({ icw4: 0x03 }); // AEOI
    io.write8(MASTER, 0x10); // ICW1: cascade, no ICW4
    io.write8(MASTER + 1, 0x20);
    io.write8(MASTER + 1, 0x04);
    irq(1).raise();
    pic.acknowledge();
    expect(readIsr(MASTER)).toBe(0x02); // not ended automatically
  });

  it('does not interrupt in the middle of the sequence, and does after it', () => {
    const io = new IoPorts();
    const pic = new PicPair(io);
    io.write8(MASTER, 0x19); // ICW1, level triggered
    pic.irqLine(5).raise();
    io.write8(MASTER + 1, 0x20);
    expect(pic.intr).toBe(false);
    io.write8(MASTER + 1, 0x04);
    expect(pic.intr).toBe(false);
    io.write8(MASTER + 1, 0x01);
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it('powers up with the PC BIOS vectors (08h, 70h) and every input masked', () => {
    const io = new IoPorts();
    const pic = new PicPair(io);
    expect(io.read8(MASTER + 1)).toBe(0xff);
    expect(io.read8(SLAVE + 1)).toBe(0xff);
    pic.irqLine(0).raise();
    expect(pic.intr).toBe(false);
    io.write8(MASTER + 1, 0xfe);
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x08);
    pic.irqLine(8).raise();
    io.write8(SLAVE + 1, 0xfe);
    io.write8(MASTER + 1, 0xfa);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x70);
  });
});

describe('PicPair reset', () => {
  it('returns both chips to the power-on state, dropping INTR', () => {
    const { io, pic, irq, intr, readIsr } = setup({ masterBase: 0x40, icw4: 0x03 });
    irq(5).raise();
    irq(9).raise();
    expect(pic.intr).toBe(true);
    pic.reset();
    expect(intr.at(-1)).toBe(false);
    expect(io.read8(MASTER + 1)).toBe(0xff);
    expect(io.read8(SLAVE + 1)).toBe(0xff);
    io.write8(MASTER + 1, 0x00);
    io.write8(SLAVE + 1, 0x00);
    expect(pic.intr).toBe(false); // edge requests need a new edge
    irq(5).lower();
    irq(5).raise();
    expect(pic.acknowledge()).toBe(0x0d);
    expect(readIsr(MASTER)).toBe(0x20); // no AEOI any more
  });
});

describe('8259A requests and INTR', () => {
  it('raises INTR for a request and drops it once the request is acknowledged', () => {
    const { pic, intr, irq } = setup();
    irq(4).raise();
    expect(pic.intr).toBe(true);
    expect(intr).toEqual([true]);
    pic.acknowledge();
    expect(pic.intr).toBe(false);
    expect(intr).toEqual([true, false]);
  });

  it('delivers IRQ1 before IRQ3 under fixed priority', () => {
    const { io, pic, irq } = setup();
    irq(3).raise();
    irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it('holds a lower-priority request while a higher level is in service (fully nested mode)', () => {
    const { io, pic, irq } = setup();
    irq(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
    irq(5).raise();
    expect(pic.intr).toBe(false);
    irq(3).lower();
    irq(3).raise(); // the same level again: also held
    expect(pic.intr).toBe(false);
    io.write8(MASTER, EOI);
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it('lets a higher-priority request interrupt a lower level in service', () => {
    const { pic, irq, readIsr } = setup();
    irq(5).raise();
    expect(pic.acknowledge()).toBe(0x25);
    irq(1).raise();
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x21);
    expect(readIsr(MASTER)).toBe(0x22);
  });

  it('keeps a masked request in the IRR and delivers it when unmasked', () => {
    const { io, pic, irq, readIrr } = setup();
    io.write8(MASTER + 1, 0x10); // mask IR4
    irq(4).raise();
    expect(pic.intr).toBe(false);
    expect(readIrr(MASTER)).toBe(0x10);
    io.write8(MASTER + 1, 0x00);
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x24);
    expect(readIrr(MASTER)).toBe(0x00);
  });

  it('reads the IMR at A0=1', () => {
    const { io } = setup();
    io.write8(MASTER + 1, 0x5a);
    expect(io.read8(MASTER + 1)).toBe(0x5a);
  });

  it('reads the IRR or the ISR at A0=0, as OCW3 last selected', () => {
    const { io, pic, irq } = setup();
    irq(6).raise();
    irq(7).raise();
    pic.acknowledge(); // IR6 in service, IR7 waiting
    io.write8(MASTER, READ_ISR);
    expect(io.read8(MASTER)).toBe(0x40);
    expect(io.read8(MASTER)).toBe(0x40);
    io.write8(MASTER, 0x08); // OCW3 with RR=0: the selection stays
    expect(io.read8(MASTER)).toBe(0x40);
    io.write8(MASTER, READ_IRR);
    expect(io.read8(MASTER)).toBe(0x80);
  });
});

describe('8259A end of interrupt and rotation (OCW2)', () => {
  it('clears the highest-priority ISR bit on a non-specific EOI', () => {
    const { io, pic, irq, readIsr } = setup();
    irq(3).raise();
    pic.acknowledge();
    irq(1).raise();
    pic.acknowledge();
    expect(readIsr(MASTER)).toBe(0x0a);
    io.write8(MASTER, EOI);
    expect(readIsr(MASTER)).toBe(0x08);
    io.write8(MASTER, EOI);
    expect(readIsr(MASTER)).toBe(0x00);
  });

  it('clears only the named ISR bit on a specific EOI', () => {
    const { io, pic, irq, readIsr } = setup();
    irq(3).raise();
    pic.acknowledge();
    irq(1).raise();
    pic.acknowledge();
    io.write8(MASTER, SPECIFIC_EOI(3));
    expect(readIsr(MASTER)).toBe(0x02);
  });

  it('makes the level it ends the lowest priority on a rotate-on-non-specific EOI', () => {
    const { io, pic, irq } = setup();
    irq(1).raise();
    pic.acknowledge();
    io.write8(MASTER, ROTATE_EOI); // IR1 lowest: the order is now 2 3 4 5 6 7 0 1
    irq(0).raise();
    irq(4).raise();
    expect(pic.acknowledge()).toBe(0x24);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x20);
  });

  it('sets the lowest priority with the set-priority command', () => {
    const { io, pic, irq } = setup();
    io.write8(MASTER, SET_PRIORITY(4)); // IR5 highest
    irq(0).raise();
    irq(5).raise();
    irq(4).raise();
    expect(pic.acknowledge()).toBe(0x25);
    expect(pic.intr).toBe(false); // IR0 and IR4 now rank below IR5 in service
    io.write8(MASTER, SPECIFIC_EOI(5));
    expect(pic.acknowledge()).toBe(0x20);
    io.write8(MASTER, SPECIFIC_EOI(0));
    expect(pic.acknowledge()).toBe(0x24);
  });

  it('clears the named level and makes it lowest on a rotate-on-specific EOI', () => {
    const { io, pic, irq, readIsr } = setup();
    irq(6).raise();
    pic.acknowledge();
    io.write8(MASTER, ROTATE_SPECIFIC_EOI(6)); // IR7 highest now
    expect(readIsr(MASTER)).toBe(0x00);
    irq(0).raise();
    irq(7).raise();
    expect(pic.acknowledge()).toBe(0x27);
  });

  it('ends the interrupt at the acknowledge in automatic EOI mode', () => {
    const { pic, irq, readIsr } = setup({ icw4: 0x03 });
    irq(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
    expect(readIsr(MASTER)).toBe(0x00);
    irq(5).raise(); // a lower level is not held back
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it('rotates on each automatic EOI once rotate-in-AEOI is set, and stops when it is cleared', () => {
    const { io, pic, irq } = setup({ icw4: 0x03 });
    io.write8(MASTER, SET_ROTATE_AEOI);
    irq(0).raise();
    expect(pic.acknowledge()).toBe(0x20); // IR0 becomes lowest
    irq(0).lower();
    irq(0).raise();
    irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21); // IR1 now outranks IR0, and becomes lowest itself
    expect(pic.acknowledge()).toBe(0x20);
    io.write8(MASTER, CLEAR_ROTATE_AEOI);
    io.write8(MASTER, SET_PRIORITY(7));
    irq(0).lower();
    irq(0).raise();
    expect(pic.acknowledge()).toBe(0x20); // with rotation this would make IR0 lowest
    irq(0).lower();
    irq(0).raise();
    irq(1).lower();
    irq(1).raise();
    expect(pic.acknowledge()).toBe(0x20); // no rotation: IR0 still highest
  });
});

describe('8259A special mask mode and poll (OCW3)', () => {
  it('lets lower levels through while the level in service is masked in special mask mode', () => {
    const { io, pic, irq } = setup();
    irq(3).raise();
    pic.acknowledge();
    irq(5).raise();
    io.write8(MASTER + 1, 0x08); // mask IR3 without special mask mode: IR5 still held
    expect(pic.intr).toBe(false);
    io.write8(MASTER, SET_SMM);
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
    io.write8(MASTER, RESET_SMM);
    io.write8(MASTER, SPECIFIC_EOI(5));
    irq(6).raise();
    expect(pic.intr).toBe(false); // IR3 in service blocks again
  });

  it('does not clear a masked ISR bit on a non-specific EOI in special mask mode', () => {
    const { io, pic, irq, readIsr } = setup();
    irq(3).raise();
    pic.acknowledge();
    io.write8(MASTER + 1, 0x08);
    io.write8(MASTER, SET_SMM);
    irq(5).raise();
    pic.acknowledge();
    io.write8(MASTER, EOI);
    expect(readIsr(MASTER)).toBe(0x08);
  });

  it('answers a poll with the highest request and puts it in service', () => {
    const { io, irq, readIsr } = setup();
    irq(4).raise();
    irq(6).raise();
    io.write8(MASTER, POLL);
    expect(io.read8(MASTER)).toBe(0x84);
    expect(readIsr(MASTER)).toBe(0x10);
    io.write8(MASTER, POLL);
    expect(io.read8(MASTER)).toBe(0x00); // IR6 is held by IR4 in service
    io.write8(MASTER, EOI);
    io.write8(MASTER, POLL);
    expect(io.read8(MASTER + 1)).toBe(0x86); // any read answers the poll
    io.write8(MASTER, EOI);
    io.write8(MASTER, POLL);
    expect(io.read8(MASTER)).toBe(0x00);
    expect(io.read8(MASTER + 1)).toBe(0x00); // the poll is answered once; then the IMR reads again
  });
});

describe('8259A triggering (ICW1 LTIM)', () => {
  it('takes one interrupt per rising edge: an input held high must fall and rise again', () => {
    const { io, pic, irq } = setup();
    irq(5).raise();
    pic.acknowledge();
    io.write8(MASTER, EOI);
    expect(pic.intr).toBe(false);
    irq(5).raise(); // still high: no edge
    expect(pic.intr).toBe(false);
    irq(5).lower();
    irq(5).raise();
    expect(pic.intr).toBe(true);
  });

  it('forgets an edge request whose input falls before the acknowledge', () => {
    const { pic, irq, readIrr } = setup();
    irq(3).raise();
    irq(3).lower();
    expect(readIrr(MASTER)).toBe(0x00);
    expect(pic.intr).toBe(false);
  });

  it('needs a new edge after ICW1 on an input that was already high', () => {
    const { io, pic, irq } = setup();
    io.write8(MASTER + 1, 0xff);
    irq(4).raise();
    io.write8(MASTER, 0x11);
    io.write8(MASTER + 1, 0x20);
    io.write8(MASTER + 1, 0x04);
    io.write8(MASTER + 1, 0x01);
    expect(pic.intr).toBe(false);
    irq(4).lower();
    irq(4).raise();
    expect(pic.acknowledge()).toBe(0x24);
  });

  it('requests again after the EOI while a level-triggered input stays high', () => {
    const { io, pic, irq, readIrr } = setup({ icw1: 0x08 });
    irq(5).raise();
    expect(pic.acknowledge()).toBe(0x25);
    expect(readIrr(MASTER)).toBe(0x20); // the level is still there
    expect(pic.intr).toBe(false);
    io.write8(MASTER, EOI);
    expect(pic.intr).toBe(true);
    irq(5).lower();
    expect(pic.intr).toBe(false);
    expect(readIrr(MASTER)).toBe(0x00);
  });
});

describe('8259A spurious interrupts', () => {
  it('answers IR7 without setting its ISR bit when the request went away (spurious IRQ 7)', () => {
    const { pic, irq, intr, readIsr } = setup();
    irq(3).raise();
    expect(intr).toEqual([true]);
    irq(3).lower();
    expect(pic.acknowledge()).toBe(0x27);
    expect(readIsr(MASTER)).toBe(0x00);
  });

  it('tells a spurious IR7 from a real one by the ISR', () => {
    const { pic, irq, readIsr } = setup();
    irq(7).raise();
    expect(pic.acknowledge()).toBe(0x27);
    expect(readIsr(MASTER)).toBe(0x80);
  });
});

describe('8259A cascade (the AT pair)', () => {
  it("delivers the slave's IRQ 9 as the slave's vector + 1 through the master's IR2", () => {
    const { io, pic, irq, intr, readIsr } = setup();
    irq(9).raise();
    expect(intr).toEqual([true]);
    expect(pic.acknowledge()).toBe(0x29);
    expect(readIsr(SLAVE)).toBe(0x02);
    expect(readIsr(MASTER)).toBe(0x04);
    expect(pic.intr).toBe(false);
    io.write8(SLAVE, EOI);
    io.write8(MASTER, EOI);
    expect(readIsr(SLAVE)).toBe(0x00);
    expect(readIsr(MASTER)).toBe(0x00);
  });

  it('ranks IRQ8-15 between IRQ1 and IRQ3, at the master\'s IR2', () => {
    const { io, pic, irq } = setup();
    irq(3).raise();
    irq(14).raise();
    irq(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x2e);
    io.write8(SLAVE, EOI);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x23);
  });

  it('holds further slave requests until the master ends IR2, in fully nested mode', () => {
    const { io, pic, irq } = setup();
    irq(12).raise();
    expect(pic.acknowledge()).toBe(0x2c);
    irq(8).raise(); // higher than IRQ12 on the slave, but the master's IR2 is in service
    expect(pic.intr).toBe(false);
    io.write8(SLAVE, EOI);
    io.write8(MASTER, EOI);
    expect(pic.acknowledge()).toBe(0x28);
  });

  it("lets a slave's higher request through while IR2 is in service, in special fully nested mode", () => {
    const { pic, irq } = setup({ icw4: 0x11 });
    irq(12).raise();
    expect(pic.acknowledge()).toBe(0x2c);
    irq(13).raise(); // lower on the slave: held by IRQ12 in the slave
    expect(pic.intr).toBe(false);
    irq(8).raise();
    expect(pic.intr).toBe(true);
    expect(pic.acknowledge()).toBe(0x28);
  });

  it('masks the whole slave with the master\'s IR2 mask bit', () => {
    const { io, pic, irq } = setup();
    io.write8(MASTER + 1, 0x04);
    irq(10).raise();
    expect(pic.intr).toBe(false);
    io.write8(MASTER + 1, 0x00);
    expect(pic.acknowledge()).toBe(0x2a);
  });

  it('supplies its own IR2 vector when ICW3 declares no slave there', () => {
    const { pic, irq } = setup({ masterIcw3: 0x00 });
    irq(11).raise();
    expect(pic.acknowledge()).toBe(0x22);
  });

  it('gets no vector from a slave whose ID is not the cascade address (the bus floats)', () => {
    const { pic, irq } = setup({ slaveIcw3: 0x05 });
    irq(11).raise();
    expect(pic.acknowledge()).toBe(0xff);
  });

  it('sends the AT bus IRQ2 pin to IRQ9', () => {
    const { pic } = setup();
    expect(pic.irqLine(2)).toBe(pic.irqLine(9));
    pic.irqLine(2).raise();
    expect(pic.acknowledge()).toBe(0x29);
    expect(() => pic.irqLine(16)).toThrow();
  });
});

describe('PicPair lines: pulse()', () => {
  it('holds a pulsed request until it is acknowledged, then drops the line', () => {
    const { io, pic, irq, readIrr } = setup();
    io.write8(MASTER + 1, 0x10);
    irq(4).pulse!();
    expect(readIrr(MASTER)).toBe(0x10); // masked, still pending
    io.write8(MASTER + 1, 0x00);
    expect(pic.acknowledge()).toBe(0x24);
    io.write8(MASTER, EOI);
    expect(pic.intr).toBe(false);
    irq(4).pulse!(); // the line went low at the acknowledge, so this is a new edge
    expect(pic.acknowledge()).toBe(0x24);
  });

  it('cancels a pending pulse on ICW1, and takes the next pulse as a new request', () => {
    const { io, pic, irq } = setup();
    io.write8(MASTER + 1, 0x08);
    irq(3).pulse!();
    io.write8(MASTER, 0x11);
    io.write8(MASTER + 1, 0x20);
    io.write8(MASTER + 1, 0x04);
    io.write8(MASTER + 1, 0x01);
    expect(pic.intr).toBe(false);
    irq(3).pulse!();
    expect(pic.acknowledge()).toBe(0x23);
  });

  it('holds a pulsed request on a level-triggered input until it is acknowledged', () => {
    const { io, pic, irq } = setup({ icw1: 0x08 });
    irq(10).pulse!();
    expect(pic.acknowledge()).toBe(0x2a);
    io.write8(SLAVE, EOI);
    io.write8(MASTER, EOI);
    expect(pic.intr).toBe(false);
  });
});
