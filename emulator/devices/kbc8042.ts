// The 8042 keyboard controller of the PC AT (IBM AT Technical Reference, "Keyboard Controller";
// the PS/2 additions as the OSDev "8042 PS/2 Controller" page lists them), as far as a PC needs it
// without a keyboard: the self-tests, the command byte, and the output port that carries the A20
// gate and the processor's reset line.
//
// Wiring (the board): data port 0x60 and status/command port 0x64; `onA20(enabled)` drives the A20
// gate (output port bit 1), `onReset()` resets the processor (output port bit 0 driven low);
// optional IrqLines for IRQ1 (keyboard output buffer full) and IRQ12 (auxiliary device). No clock:
// every command completes before the next port access, so IBF is never seen set.
//
//   status (read 0x64)   PERR TIMEOUT AUXB INH A2 SYS IBF OBF
//                        A2: the last write was a command (port 0x64); INH: 1 = keyboard not
//                        inhibited (the key lock is open); AUXB: the byte in the output buffer is
//                        from the auxiliary device
//   command byte (RAM 0) 0 XLAT DISAUX DISKBD 0 SYS AUXINT KBDINT
//   output port          KBDDATA KBDCLK AUXOBF OBF - - A20 !RESET
//
// Commands written to 0x64: 20-3F read controller RAM (20 = the command byte), 60-7F write it (the
// next byte on 0x60), A7/A8 disable/enable the auxiliary port, A9 test it (00), AA self-test (55),
// AB keyboard interface test (00), AD/AE disable/enable the keyboard, C0 read the input port, D0/D1
// read/write the output port, D2/D3 write the keyboard/auxiliary output buffer, D4 write to the
// auxiliary device, DD/DF A20 off/on (HP Vectra and later controllers), E0 read the test inputs,
// F0-FF pulse output port bits 3-0 low for 6 us where the command's bit is 0 (FE: reset).
//
// No keyboard or mouse is attached: a byte written to one (0x60 outside a command, or D4) sets the
// TIMEOUT status bit and gets no reply, unless the board hooks `onDeviceWrite` to model one.

import { NO_IRQ, type IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

export const STATUS_OBF = 0x01, STATUS_IBF = 0x02, STATUS_SYS = 0x04, STATUS_A2 = 0x08;
export const STATUS_INH = 0x10, STATUS_AUXB = 0x20, STATUS_TIMEOUT = 0x40, STATUS_PERR = 0x80;
export const CMD_KBD_INT = 0x01, CMD_AUX_INT = 0x02, CMD_SYS = 0x04, CMD_DISABLE_KBD = 0x10;
export const CMD_DISABLE_AUX = 0x20, CMD_XLAT = 0x40;
export const OUT_RESET = 0x01, OUT_A20 = 0x02, OUT_OBF = 0x10, OUT_AUX_OBF = 0x20;

/** The input port (command C0): keyboard not inhibited (bit 7), manufacturing jumper out (bit 5). */
const INPUT_PORT = 0xa0;
/** Output-queue entries from the auxiliary device carry this bit above the byte. */
const FROM_AUX = 0x100;

export interface Kbc8042Options {
  /** Output port bit 1 written (D1, DD, DF): the A20 gate follows it. Called on every write, changed or not. */
  onA20: (enabled: boolean) => void;
  /** Output port bit 0 driven low (D1 with bit 0 = 0, or a pulse command such as FE): reset the processor. */
  onReset: () => void;
  irq1?: IrqLine;
  irq12?: IrqLine;
  /** The A20 gate at power-on, as output port bit 1 starts (the board's gate; not reported through onA20). */
  a20?: boolean;
}

export class Kbc8042 implements PortHandler {
  /** A byte for the keyboard (aux = false) or auxiliary device; null: nothing attached (TIMEOUT). */
  onDeviceWrite: ((byte: number, aux: boolean) => void) | null = null;

  private readonly dataPort: number;
  private readonly onA20: (enabled: boolean) => void;
  private readonly onReset: () => void;
  private readonly irq1: IrqLine;
  private readonly irq12: IrqLine;
  /** The controller's 32 bytes of RAM; byte 0 is the command byte. */
  private readonly ram = new Uint8Array(32);
  private outputPort: number;
  /** The last write was to the command port. */
  private a2 = false;
  private timeout = false;
  /** The byte in the output buffer (with FROM_AUX), or -1 when it is empty. */
  private ob = -1;
  /** Bytes waiting for the output buffer. */
  private readonly queue: number[] = [];
  /** The last byte read from port 0x60, which a read with the buffer empty returns again. */
  private lastData = 0;
  /** The command whose data byte port 0x60 expects next, or -1. */
  private pending = -1;
  private irq1Level = false;
  private irq12Level = false;

  constructor(io: IoPorts, options: Kbc8042Options, dataPort = 0x60, commandPort = 0x64) {
    this.dataPort = dataPort;
    this.onA20 = options.onA20;
    this.onReset = options.onReset;
    this.irq1 = options.irq1 ?? NO_IRQ;
    this.irq12 = options.irq12 ?? NO_IRQ;
    // Keyboard clock and data high, reset line high (inactive), A20 as the board has it.
    this.outputPort = 0xc0 | OUT_RESET | (options.a20 === true ? OUT_A20 : 0);
    // The command byte at power-on: keyboard interrupt and scan-code translation on; the system flag
    // clear (a cold boot) until the BIOS sets it.
    this.ram[0] = CMD_KBD_INT | CMD_XLAT;
    io.register(dataPort, 1, this);
    io.register(commandPort, 1, this);
  }

  /** Output port bit 1 as the controller last drove it. */
  get a20(): boolean {
    return (this.outputPort & OUT_A20) !== 0;
  }

  /** A byte from the keyboard (or, with aux, the auxiliary device) for the guest to read on port 0x60. */
  deviceByte(byte: number, aux = false): void {
    this.enqueue((byte & 0xff) | (aux ? FROM_AUX : 0));
    this.updateIrq();
  }

  read8(port: number): number {
    if (port !== this.dataPort) return this.status();
    if (this.ob >= 0) {
      this.lastData = this.ob & 0xff;
      this.ob = -1;
      this.fillOutputBuffer();
      this.updateIrq();
    }
    return this.lastData;
  }

  write8(port: number, value: number): void {
    if (port === this.dataPort) {
      this.a2 = false;
      this.writeData(value);
    } else {
      this.a2 = true;
      this.timeout = false;
      this.pending = -1;
      this.command(value);
    }
    this.updateIrq();
  }

  private status(): number {
    let s = STATUS_INH;
    if (this.ob >= 0) s |= (this.ob & FROM_AUX) !== 0 ? STATUS_OBF | STATUS_AUXB : STATUS_OBF;
    if ((this.ram[0]! & CMD_SYS) !== 0) s |= STATUS_SYS; // the status bit is the command byte's
    if (this.a2) s |= STATUS_A2;
    if (this.timeout) s |= STATUS_TIMEOUT;
    return s;
  }

  private command(cmd: number): void {
    if (cmd >= 0x20 && cmd <= 0x3f) return this.enqueue(this.ram[cmd & 0x1f]!);
    if ((cmd >= 0x60 && cmd <= 0x7f) || cmd === 0xd1 || cmd === 0xd2 || cmd === 0xd3 || cmd === 0xd4) {
      this.pending = cmd; // the data byte follows on port 0x60
      return;
    }
    if (cmd >= 0xf0) {
      // Pulse output port bits 3-0 low where the command's bits are 0. Only bit 0 (reset) has an
      // effect here: it pulses the processor's reset line.
      if ((cmd & OUT_RESET) === 0) this.onReset();
      return;
    }
    switch (cmd) {
      case 0xa7: this.ram[0] = this.ram[0]! | CMD_DISABLE_AUX; break;
      case 0xa8: this.ram[0] = this.ram[0]! & ~CMD_DISABLE_AUX; break;
      case 0xa9: this.enqueue(0x00); break; // auxiliary interface test: no error
      case 0xaa:
        // Self-test: 55 means it passed; the system flag is set as after POST (as Bochs does).
        this.ram[0] = this.ram[0]! | CMD_SYS;
        this.enqueue(0x55);
        break;
      case 0xab: this.enqueue(0x00); break; // keyboard interface test: no error
      case 0xad: this.ram[0] = this.ram[0]! | CMD_DISABLE_KBD; break;
      case 0xae: this.ram[0] = this.ram[0]! & ~CMD_DISABLE_KBD; break;
      case 0xc0: this.enqueue(INPUT_PORT); break;
      case 0xd0: this.enqueue(this.readOutputPort()); break;
      case 0xdd: this.writeOutputPort(this.outputPort & ~OUT_A20); break;
      case 0xdf: this.writeOutputPort(this.outputPort | OUT_A20); break;
      case 0xe0: this.enqueue(0x00); break; // test inputs: keyboard clock and data low
      default: break; // commands this controller does not have are ignored
    }
  }

  private writeData(value: number): void {
    const cmd = this.pending;
    this.pending = -1;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd & 0x1f] = value;
      return;
    }
    switch (cmd) {
      case 0xd1: this.writeOutputPort(value); return;
      case 0xd2: this.enqueue(value); return;
      case 0xd3: this.enqueue(value | FROM_AUX); return;
      case 0xd4: this.toDevice(value, true); return;
      default: this.toDevice(value, false); return;
    }
  }

  private toDevice(value: number, aux: boolean): void {
    if (this.onDeviceWrite === null) this.timeout = true;
    else this.onDeviceWrite(value, aux);
  }

  private readOutputPort(): number {
    let v = this.outputPort & ~(OUT_OBF | OUT_AUX_OBF);
    if (this.ob >= 0) v |= (this.ob & FROM_AUX) !== 0 ? OUT_AUX_OBF : OUT_OBF;
    return v;
  }

  private writeOutputPort(value: number): void {
    this.outputPort = value & ~(OUT_OBF | OUT_AUX_OBF); // bits 4-5 show the buffers, not a latch
    this.onA20((value & OUT_A20) !== 0);
    if ((value & OUT_RESET) === 0) {
      this.onReset();
      // The line is let go again: the processor would otherwise be held in reset, and the BIOS it
      // restarts expects to find the controller as it left it.
      this.outputPort |= OUT_RESET;
    }
  }

  private enqueue(entry: number): void {
    this.queue.push(entry);
    this.fillOutputBuffer();
  }

  private fillOutputBuffer(): void {
    if (this.ob < 0 && this.queue.length > 0) this.ob = this.queue.shift()!;
  }

  /** IRQ1 / IRQ12 follow a full output buffer when the command byte enables them (output port bits 4, 5). */
  private updateIrq(): void {
    const full = this.ob >= 0;
    const aux = (this.ob & FROM_AUX) !== 0;
    const kbd = full && !aux && (this.ram[0]! & CMD_KBD_INT) !== 0;
    const mouse = full && aux && (this.ram[0]! & CMD_AUX_INT) !== 0;
    if (kbd !== this.irq1Level) {
      this.irq1Level = kbd;
      if (kbd) this.irq1.raise();
      else this.irq1.lower();
    }
    if (mouse !== this.irq12Level) {
      this.irq12Level = mouse;
      if (mouse) this.irq12.raise();
      else this.irq12.lower();
    }
  }
}
