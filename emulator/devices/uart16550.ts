// 16550A UART (National Semiconductor PC16550D data sheet): a serial port with 16-byte FIFOs.
//
// Wiring (the board): COM1 is ports 0x3F8-0x3FF on IRQ4 (COM2 0x2F8-0x2FF on IRQ3). The chip's
// 1.8432 MHz crystal divided by 16 gives a 115200 Hz baud clock, so baud = 115200 / divisor; the
// board passes its Clock so that characters take line time, and the IrqLine of the PIC input. The
// PC's serial card gates INTR with the OUT2 pin: the IRQ line is driven only while MCR.OUT2 = 1
// and loopback is off ("Loop mode operation holds this signal [OUT2] in its inactive state").
//
//   offset  DLAB=0 read / write          DLAB=1
//   0       RBR receive / THR transmit   DLL divisor latch low
//   1       IER  0 0 0 0 EDSSI ELSI ETBEI ERBFI         DLM divisor latch high
//   2       IIR  FIFOS FIFOS 0 0 ID2 ID1 ID0 !PENDING (read)
//           FCR  RT1 RT0 0 0 DMA TXCLR RXCLR ENABLE (write)
//   3       LCR  DLAB BREAK STICK EPS PEN STB WLS1 WLS0
//   4       MCR  0 0 0 LOOP OUT2 OUT1 RTS DTR
//   5       LSR  RXFIFOERR TEMT THRE BI FE PE OE DR
//   6       MSR  DCD RI DSR CTS DDCD TERI DDSR DCTS
//   7       SCR  scratch
//
// Interrupts, highest priority first (IIR bits 3-0; "Interrupt Identification Register" table):
//   0110  receiver line status: OE, PE, FE or BI        cleared by reading LSR
//   0100  received data: RBR full / FIFO at trigger     cleared when reads take it below the trigger
//   1100  character timeout (FIFO mode)                  cleared by reading RBR
//   0010  THR empty                                      cleared by reading IIR (when it is the one
//                                                        reported) or by writing THR
//   0000  modem status: a delta bit in MSR               cleared by reading MSR
//
// Time. With a Clock, a character takes (1 start + 5..8 data + parity + 1, 1.5 or 2 stop bits) *
// divisor / 115200 seconds on the line, in both directions. A byte written to THR moves at once
// into the transmitter shift register (TSR) when that is idle (THRE goes high again: "set when a
// character is transferred from the THR into the TSR"), and TEMT stays low until the TSR has
// shifted the last byte out; the host sink receives each byte when its stop bit ends. Bytes the
// host passes to receive() wait in a host queue and arrive in the RX FIFO one character time
// apart, so a paste arrives at the line rate.
//
// Receive flow control. The host's side of the cable is a terminal with RTS/CTS hardware
// handshake: the UART's RTS output (MCR bit 1, "Modem Control Register"), which drives the
// terminal's CTS, must be asserted for the terminal to start a character, and a character once
// started is sent whole. The terminal's CTS is also deasserted while the receiver is full (16
// bytes in the FIFO, or RBR holding a byte in 16450 mode), as a 16750's automatic RTS flow
// control lowers RTS by itself when its receive FIFO fills: so a guest that never touches RTS
// still loses nothing. The model decides at the start of each character, when the previous one
// has just arrived (so the one character on the line when RTS drops still arrives, and it always
// finds room); held bytes wait in the host queue, and delivery resumes one character time after
// the guest reads RBR (or clears the FIFO) or raises RTS again. In 16450 mode, where RBR is the
// whole receiver, each byte starts only once the one before has been read. With nothing held the
// timing is the same as a plain line's, and the host can never overrun the receiver: OE comes
// only from loopback, or from a host told not to honour flow control (setHostFlowControl(false),
// a terminal set to no handshake, which sends at the line rate and overruns a guest that does not
// keep up). Without a Clock, time does not pass: transmission completes at once, host bytes move
// into the receiver whenever it has room and RTS allows (never an overrun) and the character
// timeout never fires.
//
// Not modelled: the THRE-interrupt delay of one character time after an empty FIFO is first
// written, parity/stick-parity generation and checking (errors are injected with injectLineError),
// the break the transmitter sends while LCR.BREAK = 1, the DMA mode signals (FCR bit 3 is ignored),
// and the receiver's sampling phase (a character arrives one whole character time after it starts).

import type { Clock, Task } from '../clock.ts';
import { NO_IRQ, type IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

/** The baud clock: 1.8432 MHz / 16. */
export const BAUD_BASE = 115_200;
/** Line time is counted in half bits, so that 1.5 stop bits are exact. */
const HALF_BIT_HZ = 2 * BAUD_BASE;

export const IER_ERBFI = 0x01, IER_ETBEI = 0x02, IER_ELSI = 0x04, IER_EDSSI = 0x08;
export const IIR_NONE = 0x01, IIR_MODEM = 0x00, IIR_THRE = 0x02, IIR_RX_DATA = 0x04, IIR_LINE_STATUS = 0x06;
export const IIR_TIMEOUT = 0x0c, IIR_FIFOS_ENABLED = 0xc0;
export const FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02, FCR_CLEAR_TX = 0x04, FCR_DMA = 0x08;
export const LCR_STOP_BITS = 0x04, LCR_PARITY = 0x08, LCR_BREAK = 0x40, LCR_DLAB = 0x80;
export const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
export const LSR_DR = 0x01, LSR_OE = 0x02, LSR_PE = 0x04, LSR_FE = 0x08, LSR_BI = 0x10;
export const LSR_THRE = 0x20, LSR_TEMT = 0x40, LSR_RX_FIFO_ERROR = 0x80;
export const MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08;
export const MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;

const FIFO_SIZE = 16;
/** FCR bits 7-6: the RX FIFO trigger level. */
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** The errors a received character carries (kept beside its byte, shifted left by 8). */
const RX_ERRORS = LSR_PE | LSR_FE | LSR_BI;

/** A line error the host can inject on a received character (for tests and break handling). */
export type LineError = 'parity' | 'framing' | 'break';

export class Uart16550 implements PortHandler {
  private readonly base: number;
  private readonly sink: (byte: number) => void;
  private readonly irq: IrqLine;
  private readonly clock: Clock | null;

  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  // The divisor is undefined after reset; 1 (115200 baud) lets an unprogrammed guest talk at full speed.
  dll = 0x01;
  dlm = 0;
  private fifoEnabled = false;
  private triggerLevel = 1;

  // Receiver. The RX FIFO (one entry deep in 16450 mode, where it is the RBR) holds each byte with
  // its PE/FE/BI bits in bits 10-8.
  private readonly rxFifo = new Uint16Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  /** What RBR reads when the receiver is empty: the last byte read. */
  private rbr = 0;
  private overrun = false;
  /** 16450 mode: PE/FE/BI of the character received, until LSR is read. */
  private lineErrors = 0;
  private timeoutPending = false;
  /** Bytes the host has sent that have not reached the receiver yet (same encoding as rxFifo). */
  private readonly hostRx: number[] = [];
  private hostRxHead = 0;
  /** Whether the host's terminal honours RTS/CTS handshake and the receiver being full (see the top). */
  private hostFlowControl = true;
  private readonly rxTask: Task | null;
  private readonly timeoutTask: Task | null;

  // Transmitter: the TX FIFO (one entry deep in 16450 mode, where it is the THR) and the TSR.
  private readonly txFifo = new Uint8Array(FIFO_SIZE);
  private txHead = 0;
  private txCount = 0;
  private tsrBusy = false;
  private tsrByte = 0;
  /** The THRE interrupt condition: set when THR empties (or ETBEI is set while it is empty). */
  private thrInterrupt = false;
  private readonly txTask: Task | null;

  // Modem status.
  /** CTS, DSR, RI, DCD as the host's side of the cable drives them (MSR bit positions). */
  private modemInputs = MSR_CTS | MSR_DSR | MSR_DCD;
  /** MSR bits 7-4 as last seen, from which the delta bits are made. */
  private msrLines = MSR_CTS | MSR_DSR | MSR_DCD;
  private msrDeltas = 0;

  private irqLevel = false;

  /**
   * `sink` receives each transmitted byte. `irq` is the chip's INTR as the board gates it (see the
   * top); `clock` gives the line its timing (without it, bytes move instantly).
   */
  constructor(io: IoPorts, base: number, sink: (byte: number) => void, irq: IrqLine = NO_IRQ, clock: Clock | null = null) {
    this.base = base;
    this.sink = sink;
    this.irq = irq;
    this.clock = clock;
    if (clock !== null) {
      clock.tickTime(1, HALF_BIT_HZ); // checks that line time can be derived from this clock
      this.rxTask = clock.newTask(() => this.rxArrived());
      this.timeoutTask = clock.newTask(() => {
        this.timeoutPending = true;
        this.updateIrq();
      });
      this.txTask = clock.newTask(() => this.txComplete());
    } else {
      this.rxTask = this.timeoutTask = this.txTask = null;
    }
    io.register(base, 8, this);
  }

  // --- the host's side of the cable ---

  /** Queues bytes typed at the host's terminal; they arrive in the receiver at the line rate. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.hostRx.push(b & 0xff);
    this.pumpRx();
  }

  /** Queues a received character that arrives with a parity or framing error, or a break (a zero character with BI). */
  injectLineError(kind: LineError, byte = 0): void {
    const err = kind === 'parity' ? LSR_PE : kind === 'framing' ? LSR_FE : LSR_BI;
    this.hostRx.push(((kind === 'break' ? 0 : byte & 0xff) | (err << 8)));
    this.pumpRx();
  }

  /**
   * Whether the host's terminal waits for RTS and for room in the receiver before it sends a
   * character (the default), or sends at the line rate regardless (no handshake: a busy guest
   * loses bytes to overrun).
   */
  setHostFlowControl(enabled: boolean): void {
    this.hostFlowControl = enabled;
    this.pumpRx();
  }

  /** Drives the modem inputs (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD); changes set MSR's delta bits. */
  setModemInputs(lines: number): void {
    this.modemInputs = lines & (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD);
    this.updateModemStatus();
    this.updateIrq();
  }

  /** Master reset ("Reset" table): registers and FIFOs as at power-on; the divisor, SCR and host queue stay. */
  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.fifoEnabled = false;
    this.triggerLevel = 1;
    this.rxHead = this.rxCount = 0;
    this.txHead = this.txCount = 0;
    this.overrun = false;
    this.lineErrors = 0;
    this.timeoutPending = false;
    this.tsrBusy = false;
    this.thrInterrupt = false;
    this.msrLines = this.modemInputs;
    this.msrDeltas = 0;
    if (this.clock !== null) {
      this.clock.cancel(this.txTask!);
      this.clock.cancel(this.timeoutTask!);
      this.clock.cancel(this.rxTask!);
    }
    this.pumpRx();
    this.updateIrq();
  }

  // --- the ports ---

  read8(port: number): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0: return dlab ? this.dll : this.readRbr();
      case 1: return dlab ? this.dlm : this.ier;
      case 2: return this.readIir();
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return this.readLsr();
      case 6: return this.readMsr();
      default: return this.scr;
    }
  }

  write8(port: number, value: number): void {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (port - this.base) {
      case 0:
        if (dlab) this.dll = value;
        else this.writeThr(value);
        break;
      case 1:
        if (dlab) this.dlm = value;
        else this.writeIer(value);
        break;
      case 2: this.writeFcr(value); break;
      case 3: this.lcr = value; break;
      case 4: this.writeMcr(value); break;
      case 7: this.scr = value; break;
      default: break; // LSR and MSR are read-only (writing them is for factory test)
    }
  }

  // --- registers ---

  private readRbr(): number {
    if (this.rxCount > 0) {
      this.rbr = this.rxFifo[this.rxHead]! & 0xff;
      this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
      this.rxCount--;
    }
    // "When a timeout interrupt has occurred it is cleared and the timer reset when the CPU reads one
    // character from the RCVR FIFO."
    this.timeoutPending = false;
    this.restartTimeout();
    this.pumpRx(); // room again: a byte the terminal held back starts on its way
    this.updateIrq();
    return this.rbr;
  }

  private readIir(): number {
    const id = this.interruptId();
    // The THRE interrupt is cleared by the IIR read that reports it.
    if (id === IIR_THRE) {
      this.thrInterrupt = false;
      this.updateIrq();
    }
    return id | (this.fifoEnabled ? IIR_FIFOS_ENABLED : 0);
  }

  private readLsr(): number {
    let v = this.overrun ? LSR_OE : 0;
    if (this.rxCount > 0) v |= LSR_DR;
    v |= this.visibleErrors();
    if (this.txCount === 0) v |= this.tsrBusy ? LSR_THRE : LSR_THRE | LSR_TEMT;
    if (this.fifoEnabled && this.errorsInFifo()) v |= LSR_RX_FIFO_ERROR;
    // OE, PE, FE and BI are cleared by the read; in FIFO mode PE/FE/BI belong to the character at
    // the top of the FIFO, whose error is now reported.
    this.overrun = false;
    this.lineErrors = 0;
    if (this.fifoEnabled && this.rxCount > 0) this.rxFifo[this.rxHead] = this.rxFifo[this.rxHead]! & 0xff;
    this.updateIrq();
    return v;
  }

  private readMsr(): number {
    const v = this.msrLines | this.msrDeltas;
    this.msrDeltas = 0;
    this.updateIrq();
    return v;
  }

  private writeThr(value: number): void {
    this.thrInterrupt = false;
    if (this.clock === null) {
      this.lineOut(value);
      this.thrInterrupt = true; // the THR is empty again at once
      this.updateIrq();
      return;
    }
    if (this.txCount < (this.fifoEnabled ? FIFO_SIZE : 1)) {
      this.txFifo[(this.txHead + this.txCount) % FIFO_SIZE] = value;
      this.txCount++;
    } else if (!this.fifoEnabled) {
      this.txFifo[this.txHead] = value; // 16450 mode: a write to a full THR replaces its byte
    } // FIFO mode: a byte written to a full FIFO is lost
    if (!this.tsrBusy) this.startTransmit();
    this.updateIrq();
  }

  private writeIer(value: number): void {
    const old = this.ier;
    this.ier = value & 0x0f;
    // Enabling the THRE interrupt while THR is empty requests it at once (as the 8250 family does).
    if ((this.ier & ~old & IER_ETBEI) !== 0 && this.txCount === 0) this.thrInterrupt = true;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const enable = (value & FCR_ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      // "Resetting FCR0 will clear all bytes in both FIFOs", and setting it starts them empty.
      this.fifoEnabled = enable;
      this.clearRx();
      this.txHead = this.txCount = 0;
      // "The first transmitter interrupt after changing FCR0 will be immediate, if it is enabled."
      this.thrInterrupt = true;
    }
    // "FCR0 must be a 1 when other FCR bits are written to or they will not be programmed."
    if (enable) {
      if ((value & FCR_CLEAR_RX) !== 0) this.clearRx();
      if ((value & FCR_CLEAR_TX) !== 0 && this.txCount > 0) {
        this.txHead = this.txCount = 0;
        this.thrInterrupt = true;
      }
      this.triggerLevel = TRIGGER_LEVELS[value >> 6]!;
    }
    this.pumpRx(); // a cleared FIFO has room for bytes the terminal held back
    this.updateIrq();
  }

  private writeMcr(value: number): void {
    const old = this.mcr;
    this.mcr = value & 0x1f;
    // RTS raised, or loopback off again: host bytes that were held back start arriving.
    if ((old & ~this.mcr & MCR_LOOP) !== 0 || (~old & this.mcr & MCR_RTS) !== 0) this.pumpRx();
    this.updateModemStatus();
    this.updateIrq();
  }

  // --- transmitter ---

  /** Moves the next byte from THR / the TX FIFO into the TSR and starts shifting it out. */
  private startTransmit(): void {
    this.tsrByte = this.txFifo[this.txHead]!;
    this.txHead = (this.txHead + 1) % FIFO_SIZE;
    this.txCount--;
    this.tsrBusy = true;
    this.clock!.schedule(this.txTask!, this.charCycles());
    if (this.txCount === 0) this.thrInterrupt = true; // THRE rises: the THR empty interrupt
  }

  private txComplete(): void {
    this.tsrBusy = false;
    this.lineOut(this.tsrByte);
    if (this.txCount > 0) this.startTransmit();
    this.updateIrq();
  }

  /** A character leaves the TSR: on the wire to the host, or back into the receiver in loopback. */
  private lineOut(byte: number): void {
    if ((this.mcr & MCR_LOOP) !== 0) this.rxLine(byte);
    else this.sink(byte & this.wordMask());
  }

  // --- receiver ---

  /**
   * Starts the next host byte on its way to the receiver when the terminal may send it (or,
   * without a clock, moves bytes in while there is room). Idempotent: a byte already on the line
   * keeps its arrival time.
   */
  private pumpRx(): void {
    if ((this.mcr & MCR_LOOP) !== 0) return; // "the receiver Serial Input is disconnected"
    if (this.clock === null) {
      while (this.hostRxHead < this.hostRx.length && this.rxHasRoom() && this.clearToSend()) this.rxLine(this.takeHostByte());
      return;
    }
    if (this.hostRxHead < this.hostRx.length && !this.rxTask!.scheduled && this.clearToSend()) this.clock.schedule(this.rxTask!, this.charCycles());
  }

  /**
   * The terminal's CTS: the UART's RTS output (loopback holds it inactive, but pumpRx does not
   * send then anyway), deasserted too while the receiver is full (see the top).
   */
  private clearToSend(): boolean {
    if (!this.hostFlowControl) return true;
    return (this.mcr & MCR_RTS) !== 0 && this.rxHasRoom();
  }

  private rxHasRoom(): boolean {
    return this.rxCount < (this.fifoEnabled ? FIFO_SIZE : 1);
  }

  private rxArrived(): void {
    if ((this.mcr & MCR_LOOP) !== 0) return; // the input was disconnected meanwhile: the byte waits
    this.rxLine(this.takeHostByte());
    this.pumpRx();
    this.updateIrq();
  }

  private takeHostByte(): number {
    const v = this.hostRx[this.hostRxHead++]!;
    if (this.hostRxHead === this.hostRx.length) {
      this.hostRx.length = 0;
      this.hostRxHead = 0;
    } else if (this.hostRxHead >= 4096) {
      this.hostRx.splice(0, this.hostRxHead);
      this.hostRxHead = 0;
    }
    return v;
  }

  /** A complete character in the receiver shift register goes to the RX FIFO (or RBR). */
  private rxLine(entry: number): void {
    entry &= this.wordMask() | (RX_ERRORS << 8); // the bits above the word length read as 0
    if (this.fifoEnabled) {
      // "An overrun error will occur only after the FIFO is full and the next character has been
      // completely received in the shift register ... the character in the shift register is
      // overwritten, but it is not transferred to the FIFO."
      if (this.rxCount === FIFO_SIZE) this.overrun = true;
      else {
        this.rxFifo[(this.rxHead + this.rxCount) % FIFO_SIZE] = entry;
        this.rxCount++;
      }
      // The timeout counts from the most recent character received.
      this.restartTimeout();
    } else {
      // 16450 mode: a character arriving before the last was read replaces it and sets OE.
      if (this.rxCount > 0) this.overrun = true;
      this.rxFifo[this.rxHead] = entry;
      this.rxCount = 1;
      this.lineErrors |= (entry >> 8) & RX_ERRORS;
    }
  }

  private clearRx(): void {
    this.rxHead = this.rxCount = 0;
    this.timeoutPending = false;
    this.restartTimeout();
  }

  /** (Re)starts the character timeout: four character times from now while the FIFO holds data. */
  private restartTimeout(): void {
    if (this.clock === null) return;
    if (this.fifoEnabled && this.rxCount > 0) this.clock.schedule(this.timeoutTask!, 4 * this.charCycles());
    else this.clock.cancel(this.timeoutTask!);
  }

  /** PE/FE/BI as LSR shows them now. */
  private visibleErrors(): number {
    if (!this.fifoEnabled) return this.lineErrors;
    return this.rxCount > 0 ? (this.rxFifo[this.rxHead]! >> 8) & RX_ERRORS : 0;
  }

  private errorsInFifo(): boolean {
    for (let i = 0; i < this.rxCount; i++) {
      if ((this.rxFifo[(this.rxHead + i) % FIFO_SIZE]! >> 8) !== 0) return true;
    }
    return false;
  }

  // --- modem status ---

  private updateModemStatus(): void {
    const m = this.mcr;
    // Loopback: "the four MODEM Control inputs (CTS, DSR, RI, and DCD) are internally connected to
    // the four MODEM Control outputs (RTS, DTR, OUT1, and OUT2)".
    const lines = (m & MCR_LOOP) !== 0
      ? ((m & MCR_RTS) !== 0 ? MSR_CTS : 0) | ((m & MCR_DTR) !== 0 ? MSR_DSR : 0) |
        ((m & MCR_OUT1) !== 0 ? MSR_RI : 0) | ((m & MCR_OUT2) !== 0 ? MSR_DCD : 0)
      : this.modemInputs;
    const changed = lines ^ this.msrLines;
    if ((changed & MSR_CTS) !== 0) this.msrDeltas |= MSR_DCTS;
    if ((changed & MSR_DSR) !== 0) this.msrDeltas |= MSR_DDSR;
    if ((changed & MSR_DCD) !== 0) this.msrDeltas |= MSR_DDCD;
    // TERI: the trailing edge of a ring, RI going from on to off.
    if ((this.msrLines & ~lines & MSR_RI) !== 0) this.msrDeltas |= MSR_TERI;
    this.msrLines = lines;
  }

  // --- interrupts ---

  /** IIR bits 3-0: the highest-priority enabled interrupt, or IIR_NONE. */
  private interruptId(): number {
    const ier = this.ier;
    if ((ier & IER_ELSI) !== 0 && (this.overrun || this.visibleErrors() !== 0)) return IIR_LINE_STATUS;
    if ((ier & IER_ERBFI) !== 0) {
      if (this.timeoutPending) return IIR_TIMEOUT;
      if (this.rxCount >= (this.fifoEnabled ? this.triggerLevel : 1)) return IIR_RX_DATA;
    }
    if ((ier & IER_ETBEI) !== 0 && this.thrInterrupt) return IIR_THRE;
    if ((ier & IER_EDSSI) !== 0 && this.msrDeltas !== 0) return IIR_MODEM;
    return IIR_NONE;
  }

  private updateIrq(): void {
    const level = (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2 && this.interruptId() !== IIR_NONE;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    if (level) this.irq.raise();
    else this.irq.lower();
  }

  // --- line timing ---

  private wordMask(): number {
    return (1 << (5 + (this.lcr & 3))) - 1;
  }

  /** Cycles one character takes on the line at the current LCR and divisor. */
  private charCycles(): number {
    const wordLength = 5 + (this.lcr & 3);
    const parity = (this.lcr & LCR_PARITY) !== 0 ? 1 : 0;
    // LCR bit 2: one stop bit, or 1.5 with 5-bit words and 2 otherwise.
    const stopHalves = (this.lcr & LCR_STOP_BITS) === 0 ? 2 : wordLength === 5 ? 3 : 4;
    const halves = 2 * (1 + wordLength + parity) + stopHalves;
    const divisor = this.dll | (this.dlm << 8) || 0x10000; // a divisor of 0 counts 65536
    return this.clock!.tickTime(halves * divisor, HALF_BIT_HZ);
  }
}
