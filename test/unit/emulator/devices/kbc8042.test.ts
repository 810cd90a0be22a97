// The 8042 keyboard controller, driven only through ports 0x60/0x64, its callbacks and IRQ lines,
// and checked against the IBM AT Technical Reference's keyboard controller commands.
import { describe, expect, it } from 'vitest';
import { Kbc8042 } from '../../../../emulator/devices/kbc8042.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const DATA = 0x60, COMMAND = 0x64, STATUS = 0x64;
const OBF = 0x01, IBF = 0x02, SYS = 0x04, A2 = 0x08, INH = 0x10, AUXB = 0x20, TIMEOUT = 0x40;

function setup(a20 = false) {
  const io = new IoPorts();
  const a20Log: boolean[] = [];
  let resets = 0;
  const irq1 = new IrqRecorder();
  const irq12 = new IrqRecorder();
  const kbc = new Kbc8042(io, { onA20: (e) => a20Log.push(e), onReset: () => resets++, irq1, irq12, a20 });
  const command = (c: number, data?: number) => {
    io.write8(COMMAND, c);
    if (data !== undefined) io.write8(DATA, data);
  };
  const status = () => io.read8(STATUS);
  const read = () => io.read8(DATA);
  /** Sends a command and reads its one-byte reply. */
  const ask = (c: number) => {
    command(c);
    expect(status() & OBF).toBe(OBF);
    return read();
  };
  return { io, kbc, a20Log, resets: () => resets, irq1, irq12, command, status, read, ask };
}

describe('8042 self-tests', () => {
  it('answers the self-test 0xAA with 0x55 and sets the system flag', () => {
    const { status, ask } = setup();
    expect(status() & SYS).toBe(0); // a cold boot
    expect(ask(0xaa)).toBe(0x55);
    expect(status() & (OBF | SYS)).toBe(SYS);
  });

  it('answers the keyboard interface test 0xAB and the auxiliary test 0xA9 with 0x00 (no error)', () => {
    const { ask } = setup();
    expect(ask(0xab)).toBe(0x00);
    expect(ask(0xa9)).toBe(0x00);
  });

  it('returns the last byte again when port 0x60 is read with the output buffer empty', () => {
    const { ask, read, status } = setup();
    ask(0xaa);
    expect(status() & OBF).toBe(0);
    expect(read()).toBe(0x55);
  });

  it('queues replies and hands them out one at a time, in order', () => {
    const { command, read, status } = setup();
    command(0xaa);
    command(0xab);
    expect(read()).toBe(0x55);
    expect(status() & OBF).toBe(OBF);
    expect(read()).toBe(0x00);
    expect(status() & OBF).toBe(0);
  });
});

describe('8042 status register', () => {
  it('reports the keyboard not inhibited, IBF clear, and A2 after a command write', () => {
    const { command, io, status } = setup();
    expect(status() & (INH | IBF)).toBe(INH);
    command(0xad);
    expect(status() & A2).toBe(A2);
    io.write8(DATA, 0x00);
    expect(status() & A2).toBe(0);
  });

  it('sets TIMEOUT when a byte is sent to the absent keyboard, with no reply, until the next command', () => {
    const { io, command, status } = setup();
    io.write8(DATA, 0xff); // keyboard reset command
    expect(status() & (TIMEOUT | OBF)).toBe(TIMEOUT);
    command(0xae);
    expect(status() & TIMEOUT).toBe(0);
  });

  it('passes bytes for the keyboard and the auxiliary device (0xD4) to a device the board attaches', () => {
    const { io, kbc, command, status, read } = setup();
    const got: Array<[number, boolean]> = [];
    kbc.onDeviceWrite = (b, aux) => {
      got.push([b, aux]);
      kbc.deviceByte(0xfa, aux);
    };
    io.write8(DATA, 0xf4);
    command(0xd4, 0xf5);
    expect(got).toEqual([[0xf4, false], [0xf5, true]]);
    expect(status() & (TIMEOUT | OBF | AUXB)).toBe(OBF);
    expect(read()).toBe(0xfa);
    expect(status() & (OBF | AUXB)).toBe(OBF | AUXB);
  });
});

describe('8042 command byte', () => {
  it('reads the command byte with 0x20 and writes it with 0x60; the status system flag is its bit 2', () => {
    const { command, ask, status } = setup();
    command(0x60, 0x47);
    expect(ask(0x20)).toBe(0x47);
    expect(status() & SYS).toBe(SYS);
    command(0x60, 0x43);
    expect(status() & SYS).toBe(0);
  });

  it('reads and writes the rest of the controller RAM with 0x21-0x3F and 0x61-0x7F', () => {
    const { command, ask } = setup();
    command(0x65, 0x99);
    expect(ask(0x25)).toBe(0x99);
    expect(ask(0x20)).not.toBe(0x99);
  });

  it('disables and enables the keyboard with 0xAD/0xAE and the auxiliary port with 0xA7/0xA8', () => {
    const { command, ask } = setup();
    command(0x60, 0x00);
    command(0xad);
    expect(ask(0x20)).toBe(0x10);
    command(0xa7);
    expect(ask(0x20)).toBe(0x30);
    command(0xae);
    expect(ask(0x20)).toBe(0x20);
    command(0xa8);
    expect(ask(0x20)).toBe(0x00);
  });
});

describe('8042 output port: A20 and reset', () => {
  it('switches A20 through command 0xD1 (output port bit 1) and reads it back with 0xD0', () => {
    const { command, ask, a20Log, kbc } = setup();
    command(0xd1, 0xdf);
    expect(a20Log).toEqual([true]);
    expect(kbc.a20).toBe(true);
    expect(ask(0xd0) & 0x03).toBe(0x03);
    command(0xd1, 0xdd);
    expect(a20Log).toEqual([true, false]);
    expect(ask(0xd0) & 0x03).toBe(0x01);
  });

  it('reports A20 on every output port write, so the board gate follows even if another gate moved it', () => {
    const { command, a20Log } = setup(true);
    command(0xd1, 0xdf);
    command(0xd1, 0xdf);
    expect(a20Log).toEqual([true, true]);
  });

  it('switches A20 off and on with 0xDD and 0xDF', () => {
    const { command, a20Log, kbc } = setup();
    command(0xdf);
    expect(kbc.a20).toBe(true);
    command(0xdd);
    expect(kbc.a20).toBe(false);
    expect(a20Log).toEqual([true, false]);
  });

  it('starts with the A20 bit the board gives', () => {
    expect(setup(true).ask(0xd0) & 0x02).toBe(0x02);
    expect(setup(false).ask(0xd0) & 0x02).toBe(0x00);
  });

  it('resets the processor when 0xD1 writes output port bit 0 = 0, and lets the line go again', () => {
    const { command, ask, resets } = setup();
    command(0xd1, 0xde);
    expect(resets()).toBe(1);
    expect(ask(0xd0) & 0x01).toBe(0x01);
    command(0xd1, 0xdf);
    expect(resets()).toBe(1);
  });

  it('pulses reset with 0xFE (and any pulse command with bit 0 clear); 0xFF pulses nothing', () => {
    const { command, resets } = setup();
    command(0xfe);
    expect(resets()).toBe(1);
    command(0xff);
    expect(resets()).toBe(1);
    command(0xf0);
    expect(resets()).toBe(2);
    command(0xfd);
    expect(resets()).toBe(2);
  });

  it('shows a full output buffer in output port bit 4', () => {
    const { ask, command, read } = setup();
    expect(ask(0xd0) & 0x10).toBe(0x00); // empty when D0 read the port
    command(0xab); // 0x00 waits in the output buffer
    command(0xd0);
    expect(read()).toBe(0x00);
    expect(read() & 0x10).toBe(0x10);
  });

  it('reads the input port with 0xC0: keyboard not inhibited', () => {
    expect(setup().ask(0xc0) & 0x80).toBe(0x80);
  });
});

describe('8042 interrupts', () => {
  it('raises IRQ1 while a byte waits in the output buffer with the keyboard interrupt enabled', () => {
    const { command, read, irq1, irq12 } = setup();
    command(0x60, 0x03);
    command(0xd2, 0x1c); // as if the keyboard sent it
    expect(irq1.level).toBe(true);
    expect(irq12.level).toBe(false);
    expect(read()).toBe(0x1c);
    expect(irq1.level).toBe(false);
  });

  it('does not raise IRQ1 with the command byte interrupt bit clear', () => {
    const { command, status, irq1 } = setup();
    command(0x60, 0x00);
    command(0xd2, 0x1c);
    expect(status() & OBF).toBe(OBF);
    expect(irq1.rises).toBe(0);
  });

  it('raises IRQ12 for an auxiliary byte (0xD3) with the auxiliary interrupt enabled', () => {
    const { command, status, read, irq1, irq12 } = setup();
    command(0x60, 0x03);
    command(0xd3, 0x08);
    expect(status() & (OBF | AUXB)).toBe(OBF | AUXB);
    expect(irq12.level).toBe(true);
    expect(irq1.level).toBe(false);
    expect(read()).toBe(0x08);
    expect(irq12.level).toBe(false);
  });
});
