// The 8259A programmable interrupt controller (Intel 8259A data sheet), and the AT's pair of them.
//
//   port A0=0 write  D4=1: ICW1   0 0 0 1 LTIM ADI SNGL IC4   (starts initialisation)
//                    D4=0 D3=0: OCW2  R SL EOI 0 0 L2 L1 L0   (EOI and priority rotation)
//                    D4=0 D3=1: OCW3  0 ESMM SMM 0 1 P RR RIS (special mask, poll, read select)
//   port A0=1 write  ICW2 (vector T7-T3), ICW3 (master: IRs with a slave; slave: its ID),
//                    ICW4 (0 0 0 SFNM BUF M/S AEOI uPM), then OCW1 (the IMR) once initialised
//   port A0=0 read   IRR or ISR (OCW3 RR/RIS), or the poll word after OCW3 P=1
//   port A0=1 read   IMR (or the poll word after OCW3 P=1)
//
// Priority: IR(L+1 mod 8) is highest, where L is the lowest-priority level (7 after ICW1; moved by
// the rotate commands). A request is serviced when it is unmasked and no level of equal or higher
// priority is in service (fully nested mode).
//
// Requests: the data sheet's priority cell feeds the IRR through a transparent latch, so an IRR bit
// follows its request. With LTIM=0 the request is a rising edge on IR, held while IR stays high
// and consumed by the acknowledge; with LTIM=1 it is the high level of IR itself. A request that
// goes away before the acknowledge leaves nothing to service, and the 8259A answers with IR7's
// vector without setting an ISR bit ("default IR7", the spurious interrupt).
//
// This model runs in 8086 mode whatever ICW4's uPM bit says (a PC has no 8080 CALL sequence), and
// ignores ADI, the A7-A5 address bits of ICW1, and ICW4's BUF and M/S (buffered mode): whether a
// chip is the master is wired, as the SP/EN pin is on the board.

import type { IrqLine } from '../irq.ts';
import type { IoPorts, PortHandler } from '../memory/ioports.ts';

const ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_LTIM = 0x08, ICW1_INIT = 0x10;
const ICW4_AEOI = 0x02, ICW4_SFNM = 0x10;
const OCW3_SELECT = 0x08, OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_P = 0x04, OCW3_SMM = 0x20, OCW3_ESMM = 0x40;

/** Which initialisation word the chip expects next on A0=1; READY means OCW1. */
const READY = 0, EXPECT_ICW2 = 2, EXPECT_ICW3 = 3, EXPECT_ICW4 = 4;

/** What the data bus reads when a cascade address selects no slave (nothing drives it). */
const FLOATING_BUS = 0xff;

export class Pic8259 implements PortHandler {
  /** Interrupt request register: the requests waiting to be serviced. */
  irr = 0;
  /** In-service register: the levels acknowledged and not yet ended. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0xff;
  /** ICW2 T7-T3: the vector of IR n is vectorBase | n. */
  vectorBase: number;
  /** ICW3: on a master, a bit per IR input with a slave on it; on a slave, its ID in bits 2-0. */
  icw3: number;
  /** ICW1 LTIM: level-triggered inputs. */
  levelTriggered = false;
  /** ICW1 SNGL: the only 8259A in the system (no ICW3, no cascade). */
  single = false;
  /** ICW4 AEOI: the ISR bit is cleared at the end of the acknowledge. */
  autoEoi = false;
  /** ICW4 SFNM: special fully nested mode (a master recognises a slave's higher requests while that slave is in service). */
  specialFullyNested = false;
  /** The lowest-priority level; the one after it is the highest. */
  lowestPriority = 7;
  /** OCW2 R=1 SL=0 EOI=0: each AEOI rotates the level just serviced to lowest priority. */
  rotateOnAutoEoi = false;
  /** OCW3 SMM: the ISR no longer blocks other levels; only the IMR does. */
  specialMask = false;
  /** OCW3 RR/RIS: A0=0 reads return the ISR instead of the IRR. */
  readIsr = false;
  /** OCW3 P: the next read is the poll word. */
  pollPending = false;
  /** INT output. */
  int = false;
  /** Which initialisation word comes next (READY once ICW1..ICW4 are done). */
  private initStep = READY;
  private expectIcw4 = false;
  /** The levels driven on IR0-IR7 now. */
  private lines = 0;
  /** Inputs raised with pulse(): their device drops them when the interrupt is taken. */
  private dropOnAck = 0;
  private readonly slaves: Array<Pic8259 | null> = [null, null, null, null, null, null, null, null];
  private readonly powerOnVectorBase: number;
  private readonly powerOnIcw3: number;
  /** The SP/EN pin: a master supplies its slaves' vectors through cascade. */
  readonly isMaster: boolean;
  /** Called when INT changes. */
  onIntChange: (level: boolean) => void = () => {};

  /**
   * The data sheet leaves the state before ICW1 undefined; this chip powers up initialised as a PC
   * BIOS leaves it (8086 mode, edge triggered, `vectorBase`, cascade per `icw3`) but with every
   * input masked, so nothing is delivered before software has set the controller up.
   */
  constructor(isMaster: boolean, vectorBase = 0, icw3 = 0) {
    this.isMaster = isMaster;
    this.powerOnVectorBase = vectorBase & 0xf8;
    this.powerOnIcw3 = icw3;
    this.vectorBase = this.powerOnVectorBase;
    this.icw3 = icw3;
  }

  /** Back to the power-on state (the input levels are the devices', and stay). */
  reset(): void {
    this.dropPulses();
    this.irr = 0; // edge-triggered again: an input already high needs a new edge, as after ICW1
    this.isr = 0;
    this.imr = 0xff;
    this.vectorBase = this.powerOnVectorBase;
    this.icw3 = this.powerOnIcw3;
    this.levelTriggered = false;
    this.single = false;
    this.autoEoi = false;
    this.specialFullyNested = false;
    this.lowestPriority = 7;
    this.rotateOnAutoEoi = false;
    this.specialMask = false;
    this.readIsr = false;
    this.pollPending = false;
    this.initStep = READY;
    this.update();
  }

  /** Wires `slave`'s INT to input `ir` (the board's cascade wiring; ICW3 says whether it is used). */
  connectSlave(ir: number, slave: Pic8259): void {
    this.slaves[ir] = slave;
    slave.onIntChange = (level) => this.setInput(ir, level);
  }

  /** Drives input IR`ir` to `level`. */
  setInput(ir: number, level: boolean): void {
    const bit = 1 << ir;
    if (level) {
      if ((this.lines & bit) !== 0) return;
      this.lines |= bit;
      this.irr |= bit; // a rising edge, or a high level: either way a request now
    } else {
      if ((this.lines & bit) === 0) return;
      this.lines &= ~bit;
      // The IRR latch is transparent: a request that goes away before the acknowledge is gone.
      this.irr &= ~bit;
      this.dropOnAck &= ~bit;
    }
    this.update();
  }

  /** pulse() on an input: high until the interrupt is acknowledged (see IrqLine.pulse). */
  pulseInput(ir: number): void {
    const bit = 1 << ir;
    if ((this.lines & bit) !== 0 && (this.dropOnAck & bit) === 0) {
      // Already held high by its device: the edge it would make is not there.
      return;
    }
    this.setInput(ir, true);
    this.dropOnAck |= bit;
  }

  /**
   * The CPU's interrupt acknowledge (the two INTA cycles): returns the vector. With the highest
   * request on a cascaded input, the slave on it supplies the vector. With no request left,
   * answers IR7's vector and sets no ISR bit (the data sheet's default IR7).
   */
  acknowledge(): number {
    const ir = this.resolve();
    if (ir < 0) return (this.vectorBase | 7) & 0xff;
    // First INTA: the request moves from the IRR to the ISR.
    this.take(ir);
    // Second INTA: the vector, from this chip or from the slave named on CAS0-2.
    const slave = this.cascadeSlave(ir);
    const vector = slave !== null ? slave.acknowledgeCascade(ir) : (this.vectorBase | ir) & 0xff;
    this.endOfAcknowledge(ir);
    return vector;
  }

  /** A slave's side of the acknowledge: it answers only when the cascade address is its ID. */
  private acknowledgeCascade(id: number): number {
    if ((this.icw3 & 7) !== id) return FLOATING_BUS;
    return this.acknowledge();
  }

  read8(port: number): number {
    if (this.pollPending) return this.poll();
    if ((port & 1) !== 0) return this.imr;
    return this.readIsr ? this.isr : this.irr;
  }

  write8(port: number, value: number): void {
    if ((port & 1) === 0) {
      if ((value & ICW1_INIT) !== 0) this.icw1(value);
      else if ((value & OCW3_SELECT) !== 0) this.ocw3(value);
      else this.ocw2(value);
    } else {
      switch (this.initStep) {
        case EXPECT_ICW2:
          this.vectorBase = value & 0xf8;
          this.initStep = !this.single ? EXPECT_ICW3 : this.expectIcw4 ? EXPECT_ICW4 : READY;
          break;
        case EXPECT_ICW3:
          this.icw3 = value;
          this.initStep = this.expectIcw4 ? EXPECT_ICW4 : READY;
          break;
        case EXPECT_ICW4:
          this.autoEoi = (value & ICW4_AEOI) !== 0;
          this.specialFullyNested = (value & ICW4_SFNM) !== 0;
          this.initStep = READY;
          break;
        default:
          this.imr = value; // OCW1
          break;
      }
    }
    this.update();
  }

  /**
   * ICW1 (data sheet "Initialization Command Words"): resets the edge sense circuit (an input
   * already high must go low and high again to request), clears the IMR, makes IR7 lowest
   * priority, clears special mask mode, selects the IRR for reading, and zeroes ICW4's functions
   * when IC4=0. It also clears the ISR, as Bochs and QEMU do: the data sheet does not say, and a
   * controller re-initialised in the middle of a handler would otherwise block for good.
   */
  private icw1(value: number): void {
    this.levelTriggered = (value & ICW1_LTIM) !== 0;
    this.single = (value & ICW1_SNGL) !== 0;
    this.expectIcw4 = (value & ICW1_IC4) !== 0;
    this.dropPulses();
    this.irr = this.levelTriggered ? this.lines : 0;
    this.isr = 0;
    this.imr = 0;
    this.lowestPriority = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.pollPending = false;
    this.rotateOnAutoEoi = false;
    if (!this.expectIcw4) {
      this.autoEoi = false;
      this.specialFullyNested = false;
    }
    this.initStep = EXPECT_ICW2;
  }

  /** OCW2: R SL EOI select among the EOI and rotation commands; L2-L0 name a level for SL=1. */
  private ocw2(value: number): void {
    const level = value & 7;
    switch (value >> 5) {
      case 0b001: this.nonSpecificEoi(false); break; // non-specific EOI
      case 0b011: this.isr &= ~(1 << level); break; // specific EOI
      case 0b101: this.nonSpecificEoi(true); break; // rotate on non-specific EOI
      case 0b100: this.rotateOnAutoEoi = true; break; // rotate in AEOI mode (set)
      case 0b000: this.rotateOnAutoEoi = false; break; // rotate in AEOI mode (clear)
      case 0b111: this.isr &= ~(1 << level); this.lowestPriority = level; break; // rotate on specific EOI
      case 0b110: this.lowestPriority = level; break; // set priority
      default: break; // 010: no operation
    }
  }

  /**
   * Clears the highest-priority ISR bit: in fully nested mode, the level that was acknowledged last.
   * Data sheet: "an IS bit that is masked by an IMR bit will not be cleared by a non-specific EOI
   * if the 8259A is in the Special Mask Mode."
   */
  private nonSpecificEoi(rotate: boolean): void {
    const candidates = this.specialMask ? this.isr & ~this.imr : this.isr;
    for (let k = 1; k <= 8; k++) {
      const ir = (this.lowestPriority + k) & 7;
      if ((candidates & (1 << ir)) !== 0) {
        this.isr &= ~(1 << ir);
        if (rotate) this.lowestPriority = ir;
        return;
      }
    }
  }

  private ocw3(value: number): void {
    if ((value & OCW3_ESMM) !== 0) this.specialMask = (value & OCW3_SMM) !== 0;
    if ((value & OCW3_RR) !== 0) this.readIsr = (value & OCW3_RIS) !== 0;
    if ((value & OCW3_P) !== 0) this.pollPending = true;
  }

  /**
   * The poll command: the read after OCW3 P=1 acts as an acknowledge and returns
   * I 0 0 0 0 W2 W1 W0 (I = a request was serviced, W = its level). A master polled for its
   * cascade input sets its own ISR bit only; software then polls the slave.
   */
  private poll(): number {
    this.pollPending = false;
    const ir = this.resolve();
    if (ir < 0) return 0;
    this.take(ir);
    this.endOfAcknowledge(ir);
    this.update();
    return 0x80 | ir;
  }

  /**
   * Re-initialisation cancels pulsed requests: their lines go low as their devices expect, so the
   * next pulse() is an edge again.
   */
  private dropPulses(): void {
    this.lines &= ~this.dropOnAck;
    this.dropOnAck = 0;
  }

  /** First INTA: IR`ir`'s request becomes in service. */
  private take(ir: number): void {
    const bit = 1 << ir;
    this.isr |= bit;
    // An edge request is consumed; a level request stays as long as its input is high.
    if (!this.levelTriggered) this.irr &= ~bit;
    if ((this.dropOnAck & bit) !== 0) {
      this.dropOnAck &= ~bit;
      this.lines &= ~bit;
      this.irr &= ~bit;
    }
    this.update();
  }

  /** End of the second INTA: automatic EOI, with rotation if it was asked for. */
  private endOfAcknowledge(ir: number): void {
    if (!this.autoEoi) return;
    this.isr &= ~(1 << ir);
    if (this.rotateOnAutoEoi) this.lowestPriority = ir;
    this.update();
  }

  private cascadeSlave(ir: number): Pic8259 | null {
    if (!this.isMaster || this.single || (this.icw3 & (1 << ir)) === 0) return null;
    return this.slaves[ir] ?? null;
  }

  /**
   * The priority resolver: the level to service next, or -1. Walks the levels from the highest
   * priority down and stops at the first request, or at the first level in service, which blocks
   * itself and everything below it. In special mask mode the ISR blocks nothing ("enables
   * interrupts from all other levels (lower as well as higher) that are not masked"), though a
   * level in service still cannot interrupt itself. In special fully nested mode a master lets a
   * cascaded input through while it is in service, so that the slave's higher levels get through.
   */
  private resolve(): number {
    let requests = this.irr & ~this.imr & 0xff;
    if (requests === 0) return -1;
    let blocking = this.isr;
    if (this.specialMask) {
      requests &= ~this.isr;
      blocking = 0;
    } else if (this.specialFullyNested && this.isMaster && !this.single) {
      blocking &= ~this.icw3;
    }
    for (let k = 1; k <= 8; k++) {
      const ir = (this.lowestPriority + k) & 7;
      const bit = 1 << ir;
      if ((blocking & bit) !== 0) return -1;
      if ((requests & bit) !== 0) return ir;
    }
    return -1;
  }

  /** Recomputes INT, which stays low until initialisation is complete (there is no vector base yet). */
  private update(): void {
    const level = this.initStep === READY && this.resolve() >= 0;
    if (level !== this.int) {
      this.int = level;
      this.onIntChange(level);
    }
  }
}

/** One input of a PicPair, as a device sees it. */
class PicInput implements IrqLine {
  private readonly chip: Pic8259;
  private readonly ir: number;
  constructor(chip: Pic8259, ir: number) {
    this.chip = chip;
    this.ir = ir;
  }
  raise(): void { this.chip.setInput(this.ir, true); }
  lower(): void { this.chip.setInput(this.ir, false); }
  pulse(): void { this.chip.pulseInput(this.ir); }
}

/** The master's input that the slave's INT drives. */
export const CASCADE_IR = 2;

/**
 * The AT's two 8259As: the master at 0x20/0x21 takes IRQ0-7, the slave at 0xA0/0xA1 takes IRQ8-15,
 * and the slave's INT drives the master's IR2. The master's INT is the CPU's INTR (`onIntrChange`);
 * when the CPU takes the interrupt the board calls acknowledge() for the vector.
 */
export class PicPair {
  readonly master: Pic8259;
  readonly slave: Pic8259;
  /** Called when INTR (the master's INT) changes. */
  onIntrChange: ((level: boolean) => void) | null = null;
  private readonly lines: PicInput[] = [];

  constructor(io: IoPorts, masterPort = 0x20, slavePort = 0xa0) {
    // Power-on programming as a PC BIOS leaves it: IRQ0-7 at vectors 08h-0Fh, IRQ8-15 at 70h-77h.
    this.master = new Pic8259(true, 0x08, 1 << CASCADE_IR);
    this.slave = new Pic8259(false, 0x70, CASCADE_IR);
    this.master.connectSlave(CASCADE_IR, this.slave);
    this.master.onIntChange = (level) => this.onIntrChange?.(level);
    io.register(masterPort, 2, this.master);
    io.register(slavePort, 2, this.slave);
    for (let n = 0; n < 16; n++) this.lines.push(new PicInput(n < 8 ? this.master : this.slave, n & 7));
    // IRQ2 is the cascade; the AT routes the ISA bus's IRQ2 pin to IRQ9 instead: one wire, one line.
    this.lines[CASCADE_IR] = this.lines[9]!;
  }

  /** The line a device drives for IRQ `n` (0-15); IRQ2 is IRQ9, as on the AT bus. */
  irqLine(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined) throw new Error(`there is no IRQ ${n}`);
    return line;
  }

  /** The CPU's INTR input. */
  get intr(): boolean {
    return this.master.int;
  }

  /** The interrupt acknowledge: the vector of the highest-priority request (see Pic8259.acknowledge). */
  acknowledge(): number {
    return this.master.acknowledge();
  }

  reset(): void {
    this.slave.reset();
    this.master.reset();
  }
}
