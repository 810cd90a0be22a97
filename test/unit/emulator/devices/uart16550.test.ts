// The 16550A, driven only through its ports, its IRQ line and the host's side of the cable, on a
// cycle clock advanced by hand, and checked against the National PC16550D data sheet.
//
// Most tests run the clock at 1.152 MHz so that one bit at 115200 baud is exactly 10 cycles and an
// 8N1 character (start + 8 data + stop) is 100 cycles.
import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../emulator/clock.ts';
import {
  FCR_CLEAR_RX, FCR_CLEAR_TX, FCR_ENABLE, IER_EDSSI, IER_ELSI, IER_ERBFI, IER_ETBEI,
  LSR_BI, LSR_DR, LSR_FE, LSR_OE, LSR_PE, LSR_RX_FIFO_ERROR, LSR_TEMT, LSR_THRE,
  MCR_DTR, MCR_LOOP, MCR_OUT1, MCR_OUT2, MCR_RTS,
  MSR_CTS, MSR_DCD, MSR_DCTS, MSR_DDCD, MSR_DDSR, MSR_DSR, MSR_RI, MSR_TERI, Uart16550,
} from '../../../../emulator/devices/uart16550.ts';
import { IrqRecorder } from '../../../../emulator/irq.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

const COM1 = 0x3f8;
const RBR = COM1, THR = COM1, DLL = COM1, DLM = COM1 + 1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2;
const LCR = COM1 + 3, MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;
const LCR_8N1 = 0x03;
/** One 8N1 character at 115200 baud on the 1.152 MHz test clock. */
const CHAR = 100;
const NO_INT = 0x01, FIFOS = 0xc0;
const IIR_LINE_STATUS = 0x06, IIR_RX_DATA = 0x04, IIR_TIMEOUT = 0x0c, IIR_THRE = 0x02, IIR_MODEM = 0x00;
/** FCR with the FIFOs on and RX trigger level 1, 4, 8 or 14. */
const FIFO_TRIGGER = { 1: 0x01, 4: 0x41, 8: 0x81, 14: 0xc1 } as const;

interface Options {
  hz?: number;
  divisor?: number;
  lcr?: number;
  fcr?: number;
  ier?: number;
  mcr?: number;
  clock?: boolean;
}

/** A UART programmed the way a driver does it: divisor, LCR, FCR, MCR, then IER. */
function setup(o: Options = {}) {
  const io = new IoPorts();
  const clock = new Clock(o.hz ?? 1_152_000);
  const irq = new IrqRecorder();
  const sent: Array<[number, number]> = [];
  const uart = new Uart16550(io, COM1, (b) => sent.push([b, clock.now]), irq, o.clock === false ? null : clock);
  const divisor = o.divisor ?? 1;
  io.write8(LCR, 0x80);
  io.write8(DLL, divisor & 0xff);
  io.write8(DLM, divisor >> 8);
  io.write8(LCR, o.lcr ?? LCR_8N1);
  io.write8(FCR, o.fcr ?? 0);
  io.write8(MCR, o.mcr ?? (MCR_DTR | MCR_RTS | MCR_OUT2));
  io.write8(IER, o.ier ?? 0);
  const goto = (t: number) => {
    clock.advanceTo(t);
    clock.runDue();
  };
  const read = (port: number) => io.read8(port);
  const write = (port: number, ...bytes: number[]) => { for (const b of bytes) io.write8(port, b); };
  const bytes = () => sent.map(([b]) => b);
  const times = () => sent.map(([, t]) => t);
  /** Reads RBR while LSR.DR is set. */
  const drain = () => {
    const out: number[] = [];
    while ((read(LSR) & LSR_DR) !== 0) out.push(read(RBR));
    return out;
  };
  return { io, clock, irq, uart, sent, goto, read, write, bytes, times, drain };
}

describe('16550 transmitter timing', () => {
  it('takes 10/115200 s for an 8N1 byte at 115200 baud: TEMT stays low and the host gets the byte only then', () => {
    // 33 MHz: 10 / 115200 s = 2864.58 cycles, so the stop bit ends in cycle 2865.
    const { goto, read, write, bytes } = setup({ hz: 33_000_000 });
    write(THR, 0x41);
    expect(read(LSR) & LSR_TEMT).toBe(0);
    goto(2864);
    expect(read(LSR) & LSR_TEMT).toBe(0);
    expect(bytes()).toEqual([]);
    goto(2865);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
    expect(bytes()).toEqual([0x41]);
  });

  it('moves THR into the shift register at once (THRE set, TEMT low); a second byte holds THRE low until the first is out', () => {
    const { goto, read, write, times } = setup();
    write(THR, 1);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE);
    write(THR, 2);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(0);
    goto(CHAR - 1);
    expect(read(LSR) & LSR_THRE).toBe(0);
    goto(CHAR);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE);
    goto(2 * CHAR);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
    expect(times()).toEqual([CHAR, 2 * CHAR]);
  });

  it('scales the character time with the divisor and the LCR frame: 9600 baud 7E2 is 11 bits of 12 baud clocks', () => {
    // LCR 0x1e: 7 data bits, parity on (even), 2 stop bits: 1 + 7 + 1 + 2 = 11 bits.
    const { write, times, goto } = setup({ divisor: 12, lcr: 0x1e });
    write(THR, 0x41);
    goto(10_000);
    expect(times()).toEqual([11 * 12 * 10]);
  });

  it('sends 1.5 stop bits for 5-bit words with LCR bit 2 set', () => {
    // 1 start + 5 data + 1.5 stop = 7.5 bits = 75 cycles.
    const { write, times, goto } = setup({ lcr: 0x04 });
    write(THR, 0x1f);
    goto(1000);
    expect(times()).toEqual([75]);
  });

  it('sends only the bits of the word length', () => {
    const { write, bytes, goto } = setup({ lcr: 0x02 }); // 7 data bits
    write(THR, 0xc1);
    goto(1000);
    expect(bytes()).toEqual([0x41]);
  });

  it('replaces the byte waiting in THR when THR is written again in 16450 mode', () => {
    const { write, bytes, goto } = setup();
    write(THR, 1, 2, 3); // 1 to the TSR, 2 to THR, then 3 over it
    goto(10 * CHAR);
    expect(bytes()).toEqual([1, 3]);
  });

  it('queues 16 bytes in the TX FIFO behind the shift register and loses writes to a full FIFO', () => {
    const { write, bytes, times, goto, read } = setup({ fcr: FIFO_TRIGGER[1] });
    for (let i = 0; i < 18; i++) write(THR, i); // 0 goes to the TSR, 1..16 fill the FIFO, 17 is lost
    goto(100 * CHAR);
    expect(bytes()).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(times()).toEqual(Array.from({ length: 17 }, (_, i) => (i + 1) * CHAR));
    expect(read(LSR) & LSR_TEMT).toBe(LSR_TEMT);
  });

  it('drops the bytes queued in the TX FIFO on FCR bit 2, but finishes the one being shifted', () => {
    const { write, bytes, goto, read } = setup({ fcr: FIFO_TRIGGER[1] });
    write(THR, 1, 2, 3);
    write(FCR, FCR_ENABLE | FCR_CLEAR_TX);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE);
    goto(10 * CHAR);
    expect(bytes()).toEqual([1]);
  });

  it('transmits at once without a clock, with THRE and TEMT always set (the board without timing)', () => {
    const { write, bytes, read } = setup({ clock: false });
    write(THR, 0x68, 0x69);
    expect(bytes()).toEqual([0x68, 0x69]);
    expect(read(LSR) & (LSR_THRE | LSR_TEMT)).toBe(LSR_THRE | LSR_TEMT);
  });
});

describe('16550 THR empty interrupt', () => {
  it('is requested when ETBEI is set while THR is empty, and cleared by the IIR read that reports it', () => {
    const { write, read, irq } = setup();
    write(IER, IER_ETBEI);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(IIR_THRE);
    expect(irq.level).toBe(false);
    expect(read(IIR)).toBe(NO_INT);
  });

  it('is cleared by writing THR and comes back when THR empties into the shift register', () => {
    const { write, read, irq, goto } = setup({ ier: IER_ETBEI });
    write(THR, 1, 2); // 1 to the TSR; 2 waits in THR
    expect(irq.level).toBe(false);
    expect(read(IIR)).toBe(NO_INT);
    goto(CHAR - 1);
    expect(irq.level).toBe(false);
    goto(CHAR);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(IIR_THRE);
  });

  it('is requested at once after FCR0 changes, if enabled', () => {
    const { write, read, irq } = setup({ ier: IER_ETBEI });
    read(IIR);
    expect(irq.level).toBe(false);
    write(FCR, FCR_ENABLE);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(FIFOS | IIR_THRE);
  });

  it('in FIFO mode comes when the TX FIFO is empty, not when each byte leaves', () => {
    const { write, read, irq, goto } = setup({ ier: IER_ETBEI, fcr: FIFO_TRIGGER[1] });
    read(IIR); // the interrupt from enabling ETBEI
    write(THR, 1, 2, 3);
    goto(2 * CHAR - 1);
    expect(irq.level).toBe(false);
    goto(2 * CHAR); // 3 moves into the TSR: the FIFO is empty
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(FIFOS | IIR_THRE);
  });
});

describe('16550 receiver', () => {
  it('receives host bytes one character time apart', () => {
    const { uart, read, goto } = setup();
    uart.receive([0x61, 0x62]);
    goto(CHAR - 1);
    expect(read(LSR) & LSR_DR).toBe(0);
    goto(CHAR);
    expect(read(LSR) & LSR_DR).toBe(LSR_DR);
    expect(read(RBR)).toBe(0x61);
    expect(read(LSR) & LSR_DR).toBe(0);
    goto(2 * CHAR);
    expect(read(RBR)).toBe(0x62);
  });

  it('overruns in 16450 mode: a byte arriving before RBR is read replaces it and sets OE until LSR is read', () => {
    const { uart, read, goto } = setup();
    uart.setHostFlowControl(false); // a terminal without handshake: the only way the host can overrun
    uart.receive([1, 2]);
    goto(2 * CHAR);
    expect(read(LSR) & (LSR_OE | LSR_DR)).toBe(LSR_OE | LSR_DR);
    expect(read(LSR) & LSR_OE).toBe(0);
    expect(read(RBR)).toBe(2);
  });

  it('overruns in FIFO mode when a 17th byte arrives: the 16 stay and the 17th is lost', () => {
    const { uart, read, goto, drain } = setup({ fcr: FIFO_TRIGGER[14] });
    uart.setHostFlowControl(false);
    uart.receive(Array.from({ length: 17 }, (_, i) => i));
    goto(16 * CHAR);
    expect(read(LSR) & LSR_OE).toBe(0);
    goto(17 * CHAR);
    expect(read(LSR) & LSR_OE).toBe(LSR_OE);
    expect(drain()).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('delivers a long paste without overrun to a guest that reads each byte as it arrives', () => {
    const { uart, read, goto } = setup();
    const text = Array.from({ length: 200 }, (_, i) => i & 0xff);
    uart.receive(text);
    const got: number[] = [];
    for (let t = 1; got.length < text.length && t < 300; t++) {
      goto(t * CHAR);
      expect(read(LSR) & LSR_OE).toBe(0);
      got.push(read(RBR));
    }
    expect(got).toEqual(text);
  });

  it('moves host bytes in without a clock as the receiver has room, never overrunning', () => {
    const { uart, read, drain } = setup({ clock: false });
    uart.receive([1, 2, 3]);
    expect(drain()).toEqual([1, 2, 3]);
    expect(read(LSR) & LSR_OE).toBe(0);
  });

  it('reads 0 in the bits above a 7-bit word', () => {
    const { uart, read, goto } = setup({ lcr: 0x02 });
    uart.receive([0xc1]);
    goto(CHAR);
    expect(read(RBR)).toBe(0x41);
  });

  it('empties the RX FIFO on FCR bit 1', () => {
    const { uart, read, write, goto } = setup({ fcr: FIFO_TRIGGER[1] });
    uart.receive([1, 2, 3]);
    goto(3 * CHAR);
    write(FCR, FCR_ENABLE | FCR_CLEAR_RX);
    expect(read(LSR) & LSR_DR).toBe(0);
  });
});

describe('16550 received data interrupt and FIFO trigger levels', () => {
  it('raises the interrupt with trigger level 8 at the 8th byte, and drops it when reads go below 8', () => {
    const { uart, read, goto, irq } = setup({ fcr: FIFO_TRIGGER[8], ier: IER_ERBFI });
    uart.receive([1, 2, 3, 4, 5, 6, 7, 8]);
    goto(7 * CHAR);
    expect(irq.level).toBe(false);
    expect(read(IIR)).toBe(FIFOS | NO_INT);
    goto(8 * CHAR);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(FIFOS | IIR_RX_DATA);
    read(RBR);
    expect(irq.level).toBe(false);
    expect(read(IIR)).toBe(FIFOS | NO_INT);
  });

  it.each([1, 4, 14] as const)('raises the interrupt at byte %i for that trigger level', (level) => {
    const { uart, goto, irq } = setup({ fcr: FIFO_TRIGGER[level], ier: IER_ERBFI });
    uart.receive(new Array<number>(16).fill(0x2a));
    goto(level * CHAR - 1);
    expect(irq.level).toBe(false);
    goto(level * CHAR);
    expect(irq.level).toBe(true);
  });

  it('in 16450 mode is pending while RBR holds a byte', () => {
    const { uart, read, goto, irq } = setup({ ier: IER_ERBFI });
    uart.receive([7]);
    goto(CHAR);
    expect(read(IIR)).toBe(IIR_RX_DATA);
    expect(irq.level).toBe(true);
    read(RBR);
    expect(irq.level).toBe(false);
  });
});

describe('16550 character timeout', () => {
  it('fires 4 character times after the last byte arrived when the FIFO holds fewer bytes than the trigger', () => {
    const { uart, read, goto, irq } = setup({ fcr: FIFO_TRIGGER[14], ier: IER_ERBFI });
    uart.receive([1, 2, 3]); // the last arrives at 3 * CHAR
    goto(7 * CHAR - 1);
    expect(irq.level).toBe(false);
    goto(7 * CHAR);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(FIFOS | IIR_TIMEOUT);
  });

  it('is cleared by reading RBR, which restarts the timer', () => {
    const { uart, read, goto, irq } = setup({ fcr: FIFO_TRIGGER[14], ier: IER_ERBFI });
    uart.receive([1, 2, 3]);
    goto(7 * CHAR);
    expect(read(RBR)).toBe(1);
    expect(irq.level).toBe(false);
    expect(read(IIR)).toBe(FIFOS | NO_INT);
    goto(11 * CHAR - 1);
    expect(irq.level).toBe(false);
    goto(11 * CHAR);
    expect(read(IIR)).toBe(FIFOS | IIR_TIMEOUT);
  });

  it('does not fire once the FIFO is empty, nor in 16450 mode', () => {
    const fifo = setup({ fcr: FIFO_TRIGGER[14], ier: IER_ERBFI });
    fifo.uart.receive([1]);
    fifo.goto(CHAR);
    fifo.read(RBR);
    fifo.goto(20 * CHAR);
    expect(fifo.read(IIR)).toBe(FIFOS | NO_INT);
    const plain = setup({ ier: IER_ERBFI });
    plain.uart.receive([1]);
    plain.goto(20 * CHAR);
    expect(plain.read(IIR)).toBe(IIR_RX_DATA);
  });

  it('counts 4 character times at the programmed rate (9600 baud: 4 * 1200 cycles)', () => {
    const { uart, read, goto } = setup({ fcr: FIFO_TRIGGER[4], ier: IER_ERBFI, divisor: 12 });
    uart.receive([1]);
    goto(1200 + 4800 - 1);
    expect(read(IIR)).toBe(FIFOS | NO_INT);
    goto(1200 + 4800);
    expect(read(IIR)).toBe(FIFOS | IIR_TIMEOUT);
  });
});

describe('16550 line status', () => {
  it('reports an injected parity, framing or break error with its character, cleared by reading LSR', () => {
    const { uart, read, goto } = setup();
    uart.injectLineError('parity', 0x33);
    goto(CHAR);
    expect(read(LSR) & (LSR_PE | LSR_DR)).toBe(LSR_PE | LSR_DR);
    expect(read(LSR) & LSR_PE).toBe(0);
    expect(read(RBR)).toBe(0x33);
    uart.injectLineError('framing', 0x44);
    goto(2 * CHAR);
    expect(read(LSR) & LSR_FE).toBe(LSR_FE);
    read(RBR);
    uart.injectLineError('break', 0x55);
    goto(3 * CHAR);
    expect(read(LSR) & LSR_BI).toBe(LSR_BI);
    expect(read(RBR)).toBe(0); // a break loads one zero character
  });

  it('in FIFO mode shows an error when its character reaches the top, and bit 7 while any is in the FIFO', () => {
    const { uart, read, goto } = setup({ fcr: FIFO_TRIGGER[14] });
    uart.receive([1]);
    uart.injectLineError('parity', 2);
    uart.receive([3]);
    goto(3 * CHAR);
    expect(read(LSR)).toBe(LSR_RX_FIFO_ERROR | LSR_TEMT | LSR_THRE | LSR_DR);
    expect(read(RBR)).toBe(1);
    expect(read(LSR)).toBe(LSR_RX_FIFO_ERROR | LSR_TEMT | LSR_THRE | LSR_PE | LSR_DR);
    expect(read(LSR)).toBe(LSR_TEMT | LSR_THRE | LSR_DR); // reported: no other error left
    expect(read(RBR)).toBe(2);
  });

  it('raises the line status interrupt on overrun, cleared by reading LSR', () => {
    const { uart, read, goto, irq } = setup({ ier: IER_ELSI });
    uart.setHostFlowControl(false);
    uart.receive([1, 2]);
    goto(CHAR);
    expect(irq.level).toBe(false);
    goto(2 * CHAR);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(IIR_LINE_STATUS);
    read(LSR);
    expect(irq.level).toBe(false);
  });
});

describe('16550 interrupt priorities (IIR)', () => {
  it('reports line status, then received data, then THR empty, then modem status', () => {
    const { uart, read, goto, write } = setup();
    uart.injectLineError('framing', 0x41);
    goto(CHAR);
    uart.setModemInputs(MSR_DSR | MSR_DCD); // CTS drops: DCTS
    write(IER, IER_ERBFI | IER_ETBEI | IER_ELSI | IER_EDSSI);
    expect(read(IIR)).toBe(IIR_LINE_STATUS);
    read(LSR);
    expect(read(IIR)).toBe(IIR_RX_DATA);
    read(RBR);
    expect(read(IIR)).toBe(IIR_THRE); // this read clears it
    expect(read(IIR)).toBe(IIR_MODEM);
    read(MSR);
    expect(read(IIR)).toBe(NO_INT);
  });

  it('reports received data before THR empty when both are pending', () => {
    const { uart, read, goto } = setup({ ier: IER_ERBFI | IER_ETBEI });
    uart.receive([9]);
    goto(CHAR);
    expect(read(IIR)).toBe(IIR_RX_DATA);
    expect(read(IIR)).toBe(IIR_RX_DATA); // reading IIR does not clear it
    read(RBR);
    expect(read(IIR)).toBe(IIR_THRE);
  });

  it('sets IIR bits 7-6 while the FIFOs are enabled', () => {
    const { read, write } = setup();
    expect(read(IIR)).toBe(NO_INT);
    write(FCR, FCR_ENABLE);
    expect(read(IIR)).toBe(FIFOS | NO_INT);
    write(FCR, 0);
    expect(read(IIR)).toBe(NO_INT);
  });
});

describe('16550 IRQ output on a PC', () => {
  it('drives the line only while an enabled interrupt is pending, and drops it when the cause goes', () => {
    const { uart, goto, irq, read } = setup();
    uart.receive([1]);
    goto(CHAR);
    expect(irq.level).toBe(false); // ERBFI is off
    expect(read(IIR)).toBe(NO_INT);
    const on = setup({ ier: IER_ERBFI });
    on.uart.receive([1]);
    on.goto(CHAR);
    expect(on.irq.level).toBe(true);
    on.read(RBR);
    expect(on.irq.level).toBe(false);
  });

  it('keeps the line low while MCR.OUT2 = 0, with the interrupt still shown in IIR', () => {
    const { uart, goto, irq, read, write } = setup({ ier: IER_ERBFI, mcr: MCR_DTR | MCR_RTS });
    uart.receive([1]);
    goto(CHAR);
    expect(read(IIR)).toBe(IIR_RX_DATA);
    expect(irq.level).toBe(false);
    write(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    expect(irq.level).toBe(true);
  });

  it('keeps the line low in loopback, where the OUT2 pin is held inactive', () => {
    const { goto, irq, read, write } = setup({ ier: IER_ERBFI, mcr: MCR_LOOP | MCR_OUT2 });
    write(THR, 0x5a);
    goto(CHAR);
    expect(read(IIR)).toBe(IIR_RX_DATA);
    expect(irq.level).toBe(false);
  });
});

describe('16550 loopback (MCR bit 4)', () => {
  it('returns transmitted bytes to the receiver after a character time and sends nothing to the host', () => {
    const { goto, read, write, bytes } = setup({ mcr: MCR_LOOP });
    write(THR, 0x55);
    goto(CHAR - 1);
    expect(read(LSR) & LSR_DR).toBe(0);
    goto(CHAR);
    expect(read(RBR)).toBe(0x55);
    expect(bytes()).toEqual([]);
  });

  it('connects RTS to CTS, DTR to DSR, OUT1 to RI and OUT2 to DCD in MSR', () => {
    const { read, write } = setup({ mcr: MCR_LOOP });
    read(MSR);
    write(MCR, MCR_LOOP | MCR_RTS);
    expect(read(MSR)).toBe(MSR_CTS | MSR_DCTS);
    write(MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT1 | MCR_OUT2);
    expect(read(MSR)).toBe(MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD | MSR_DDSR | MSR_DDCD);
    write(MCR, MCR_LOOP);
    expect(read(MSR)).toBe(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
  });

  it('holds host bytes back while the receiver input is disconnected', () => {
    const { uart, goto, read, write } = setup({ mcr: MCR_LOOP });
    uart.receive([0x41]);
    goto(5 * CHAR);
    expect(read(LSR) & LSR_DR).toBe(0);
    write(MCR, MCR_RTS | MCR_OUT2); // loopback off, and RTS asserted so the terminal may send
    goto(6 * CHAR);
    expect(read(RBR)).toBe(0x41);
  });
});

describe('16550 modem status', () => {
  it('sets a delta bit for each changed input, cleared by reading MSR', () => {
    const { uart, read } = setup();
    expect(read(MSR)).toBe(MSR_CTS | MSR_DSR | MSR_DCD); // a terminal is attached
    uart.setModemInputs(MSR_CTS | MSR_DCD);
    expect(read(MSR)).toBe(MSR_CTS | MSR_DCD | MSR_DDSR);
    expect(read(MSR)).toBe(MSR_CTS | MSR_DCD);
  });

  it('sets TERI on the trailing edge of RI only', () => {
    const { uart, read } = setup();
    uart.setModemInputs(MSR_CTS | MSR_DSR | MSR_DCD | MSR_RI);
    expect(read(MSR) & 0x0f).toBe(0);
    uart.setModemInputs(MSR_CTS | MSR_DSR | MSR_DCD);
    expect(read(MSR) & 0x0f).toBe(MSR_TERI);
  });

  it('raises the modem status interrupt while a delta bit is set', () => {
    const { uart, read, irq } = setup({ ier: IER_EDSSI });
    uart.setModemInputs(MSR_DSR | MSR_DCD);
    expect(irq.level).toBe(true);
    expect(read(IIR)).toBe(IIR_MODEM);
    read(MSR);
    expect(irq.level).toBe(false);
  });
});

describe('16550 registers', () => {
  it('keeps the divisor latch behind DLAB, and RBR/IER behind it when DLAB = 0', () => {
    const { read, write } = setup({ divisor: 0x0180 });
    write(IER, 0xff);
    expect(read(IER)).toBe(0x0f); // bits 7-4 are always 0
    write(LCR, 0x83);
    expect(read(DLL)).toBe(0x80);
    expect(read(DLM)).toBe(0x01);
    expect(read(LCR)).toBe(0x83);
    write(LCR, 0x03);
    expect(read(IER)).toBe(0x0f);
  });

  it('keeps SCR and MCR bits 4-0', () => {
    const { read, write } = setup();
    write(SCR, 0xa5);
    expect(read(SCR)).toBe(0xa5);
    write(MCR, 0xff);
    expect(read(MCR)).toBe(0x1f);
  });

  it('ignores the other FCR bits while FCR0 is written 0 (a clear does not touch RBR in 16450 mode)', () => {
    const { uart, read, write, goto } = setup();
    uart.receive([0x31]);
    goto(CHAR);
    write(FCR, FCR_CLEAR_RX | FCR_CLEAR_TX);
    expect(read(LSR) & LSR_DR).toBe(LSR_DR);
    expect(read(RBR)).toBe(0x31);
  });

  it('empties both FIFOs when FCR0 changes', () => {
    const { uart, read, write, goto } = setup({ fcr: FIFO_TRIGGER[14] });
    uart.receive([1, 2]);
    goto(2 * CHAR);
    write(FCR, 0);
    expect(read(LSR) & LSR_DR).toBe(0);
  });

  it('returns to the reset state on reset()', () => {
    const { uart, read, write, irq } = setup({ ier: IER_ETBEI, fcr: FIFO_TRIGGER[4] });
    write(SCR, 0x11);
    uart.reset();
    expect(irq.level).toBe(false);
    expect(read(IER)).toBe(0);
    expect(read(IIR)).toBe(NO_INT);
    expect(read(LCR)).toBe(0);
    expect(read(MCR)).toBe(0);
    expect(read(LSR)).toBe(LSR_THRE | LSR_TEMT);
    expect(read(SCR)).toBe(0x11);
  });
});
