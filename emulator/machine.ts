// The PC board: builds the CPU, physical memory, the I/O bus and the devices, and wires them.
// It is the one module that sees both the CPU and the devices.

import { BlockCache } from './cpu/blocks.ts';
import { ONE_BYTE, TWO_BYTE } from './cpu/opcodes.ts';
import { resetRegisters, Cpu, IF } from './cpu/state.ts';
import { run } from './cpu/step.ts';
import { enterFlatProtectedMode } from './cpu/segments.ts';
import { EAX, EBX } from './cpu/registers.ts';
import {
  BIOS_POST_DONE, type LoadedKernel, loadMultiboot, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_POST_CYCLES, MultibootError, readMultiboot,
} from './multiboot.ts';
import { tlbFlush, updateAccessMasks } from './cpu/tlb.ts';
import { type MachineConfig, resolveConfig, type ResolvedConfig } from './config.ts';
import { Clock } from './clock.ts';
import { DebugConsole } from './devices/debugcon.ts';
import { AtaController } from './devices/ata.ts';
import { Cmos } from './devices/cmos.ts';
import { Kbc8042 } from './devices/kbc8042.ts';
import { PostCode } from './devices/postcode.ts';
import { PicPair } from './devices/pic8259.ts';
import { Pit8254 } from './devices/pit8254.ts';
import { ExitPort } from './devices/exitport.ts';
import { HostCall } from './devices/hostcall.ts';
import type { HostPort } from './hostport.ts';
import { MachineHostPort } from './machine-host-port.ts';
import { Monitor } from './debug/monitor.ts';
import { Uart16550 } from './devices/uart16550.ts';
import { IoPorts, type PortHandler } from './memory/ioports.ts';
import { PhysicalMemory } from './memory/physical.ts';

/** Why run() returned ('debug': the monitor's breakpoint or stop, debug/monitor.ts). */
export type StopReason = 'exit' | 'halt' | 'shutdown' | 'cycles' | 'debug';

export interface RunResult {
  reason: StopReason;
  /** The status the guest wrote to the exit port, when reason is 'exit'. */
  exitStatus: number | null;
  cycles: number;
  instructions: number;
}

export class Machine {
  readonly config: ResolvedConfig;
  readonly phys: PhysicalMemory;
  readonly io: IoPorts;
  readonly cpu: Cpu;
  readonly com1: Uart16550;
  readonly clock: Clock;
  readonly pic: PicPair;
  readonly pit: Pit8254;
  readonly com2: Uart16550;
  readonly cmos: Cmos;
  readonly ata: AtaController;
  readonly post: PostCode;
  /** The device through which guest code calls the TypeScript kernel (cli/attach-kernel.ts). */
  readonly hostcall: HostCall;
  /** What the TypeScript kernel works the machine through: memory, I/O ports and the CPU, one hop away. */
  readonly hostPort: HostPort;
  /** The monitor: commands over the machine (`machine.monitor.execute('r')`), and its breakpoints. */
  readonly monitor: Monitor;
  /** A20 as each of its two gates drives it: the 8042's output port and port 0x92 (ORed on a PC). */
  private a20Kbc = true;
  private a20Fast = true;
  /** A reset requested by the 8042 or port 0x92, carried out at the next instruction boundary. */
  private resetPending = false;
  exitStatus: number | null = null;
  /**
   * Cycles the board skipped while the processor was halted waiting for an interrupt: emulated
   * time that cost no work. A front end that wants emulated time to keep pace with the wall clock
   * (an interactive session) sleeps for them.
   */
  idleCycles = 0;

  constructor(config: MachineConfig = {}) {
    this.config = resolveConfig(config);
    this.phys = new PhysicalMemory(this.config.memoryBytes);
    this.io = new IoPorts();
    this.cpu = new Cpu(this.phys, this.io, this.config.cpu);
    this.cpu.blocks = new BlockCache(this.cpu, ONE_BYTE, TWO_BYTE);
    this.phys.onMapChange = () => {
      // A ROM mapped or A20 toggled changes what physical addresses mean: drop what was cached.
      tlbFlush(this.cpu);
      this.cpu.blocks.clear();
    };
    // Writes that bypass the CPU (devices, the kernel) still drop stale decoded code.
    this.phys.onCodeWrite = (page) => this.cpu.blocks.dropPage(page);
    if (this.config.rom) this.phys.mapRom(this.config.rom);
    // Time: devices schedule events on the clock; the CPU's cycle count drives it (run() below).
    this.clock = new Clock(this.config.clockHz);
    this.clock.onEarlierEvent = () => {
      this.cpu.stopRequested = true;
    };
    this.io.beforeAccess = () => {
      this.clock.advanceTo(this.cpu.cycles);
      this.clock.runDue();
    };
    // Interrupts: the PIC pair drives the CPU's INTR line and answers its acknowledge cycle.
    this.pic = new PicPair(this.io);
    this.pic.onIntrChange = (level) => {
      this.cpu.irqPending = level;
      if (level) this.cpu.stopRequested = true;
    };
    this.cpu.ackIrq = () => this.pic.acknowledge();
    this.pit = new Pit8254(this.io, this.clock, this.pic.irqLine(0));
    new SystemControlPortB(this.io, this.pit);
    this.post = new PostCode(this.io);
    new Kbc8042(this.io, {
      onA20: (enabled) => { this.a20Kbc = enabled; this.updateA20(); },
      onReset: () => this.requestReset(),
    });
    new DebugConsole(this.io, this.config.onDebugByte);
    this.com1 = new Uart16550(this.io, 0x3f8, this.config.onSerialByte, this.pic.irqLine(4), this.clock);
    this.com2 = new Uart16550(this.io, 0x2f8, () => {}, this.pic.irqLine(3), this.clock);
    this.cmos = new Cmos(this.io, this.clock, this.pic.irqLine(8), { memoryBytes: this.config.memoryBytes });
    const [master, slave] = this.config.disks;
    this.ata = new AtaController(this.io, this.clock, this.pic.irqLine(14), [master ?? null, slave ?? null], {
      requestCycles: this.config.ataRequestCycles, sectorCycles: this.config.ataSectorCycles,
    });
    this.hostPort = new MachineHostPort(this.cpu, this.phys, this.io);
    this.hostcall = new HostCall(this.io, () => {
      // The kernel may have changed CR0, CR3, page tables or the stack: decoded blocks and their
      // chains must not run on past this instruction with stale assumptions.
      this.cpu.blockExit = true;
      updateAccessMasks(this.cpu);
    });
    new FastA20Gate(this.io, (enabled) => { this.a20Fast = enabled; this.updateA20(); }, () => this.requestReset());
    new ExitPort(this.io, (status) => {
      this.exitStatus = status;
      this.cpu.stopRequested = true;
    });
    this.monitor = new Monitor(this);
    this.reset();
  }

  /**
   * Whether any interrupt could still reach a halted CPU: some PIC input is unmasked (on the
   * master, or on the slave through an unmasked cascade input). With every input masked, HLT with
   * IF=1 sleeps forever, and the board says so instead of running out the cycle budget.
   */
  private anyIrqUnmasked(): boolean {
    const m = this.pic.master.imr, sl = this.pic.slave.imr;
    return (m & ~(1 << 2) & 0xff) !== 0xfb || ((m & (1 << 2)) === 0 && sl !== 0xff);
  }

  /** The last POST code the firmware wrote to port 0x80 or 0x190, or -1. */
  get lastPostCode(): number {
    return this.post.lastPost;
  }

  /**
   * A20 is open when either gate opens it. Like QEMU's PC, ts386 powers on with A20 open; firmware
   * that wants the 8086 wrap-around closes it through either gate.
   */
  private updateA20(): void {
    this.phys.setA20(this.a20Kbc || this.a20Fast);
  }

  private requestReset(): void {
    this.resetPending = true;
    this.cpu.stopRequested = true;
  }

  /** The processor's reset: registers as the manual's reset table gives them, caches dropped. */
  reset(): void {
    resetRegisters(this.cpu);
    tlbFlush(this.cpu);
    this.cpu.blocks.clear();
    updateAccessMasks(this.cpu);
    this.cpu.shutdownReason = null;
    this.exitStatus = null;
  }

  /**
   * Loads a Multiboot v1 ELF kernel and starts it as a Multiboot loader would (multiboot.ts):
   * throws MultibootError, with one line saying what is wrong, for a file that is not one.
   *
   * QEMU runs its firmware's start-up before it starts a -kernel, and a kernel sees what that
   * left: a UART programmed 8N1 (a 16550 comes out of reset with 5-bit words), the PICs at
   * vectors 08h/70h, the PIT ticking at 18.2 Hz, the IVT and BIOS data areas built. So, with a
   * firmware ROM mapped, the firmware itself runs from the reset vector to the end of its POST
   * (bios.S writes BIOS_POST_DONE just before INT 19h would read a boot sector), and the kernel
   * is loaded and entered in INT 19h's place. Without a ROM there is no POST to run: the devices
   * stay as reset left them.
   */
  bootMultiboot(image: Uint8Array, cmdline = ''): LoadedKernel {
    readMultiboot(image, this.phys.ramSize); // a file that is not a kernel fails before POST runs
    const cpu = this.cpu;
    if (this.config.rom !== null) {
      this.reset();
      const post = this.post, listener = post.onPost;
      let done = false;
      post.onPost = (code) => {
        listener?.(code);
        if (code === BIOS_POST_DONE) {
          done = true;
          cpu.stopRequested = true;
        }
      };
      // As run() below, without the halted-CPU cases: POST runs with interrupts off and only
      // halts when it fails. A block ends at the latest at the INT 19h after the POST code, and
      // run() stops before the next one, so nothing of INT 19h runs.
      const end = cpu.cycles + MULTIBOOT_POST_CYCLES;
      try {
        while (!done && cpu.cycles < end && !cpu.halted && this.exitStatus === null && !this.resetPending) {
          const next = this.clock.nextEventTime();
          cpu.stopRequested = false;
          run(cpu, next < end ? next : end);
          this.clock.advanceTo(cpu.cycles);
          this.clock.runDue();
        }
      } finally {
        post.onPost = listener;
      }
      if (!done || post.lastPost !== BIOS_POST_DONE) {
        throw new MultibootError(`the firmware did not finish its POST (POST code ${BIOS_POST_DONE.toString(16).padStart(2, '0')}h, before INT 19h) within ${MULTIBOOT_POST_CYCLES} cycles; a Multiboot kernel needs ts386's BIOS`);
      }
    }
    this.phys.setA20(true);
    const k = loadMultiboot(image, this.phys, cmdline);
    enterFlatProtectedMode(cpu, k.entry, k.stackTop);
    // "Machine state" wants IF clear; POST may have stopped after the STI before its INT 19h.
    cpu.flags &= ~IF;
    cpu.inhibitIrq = false;
    cpu.halted = false;
    cpu.reg[EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    cpu.reg[EBX] = k.infoAddr;
    return k;
  }

  /**
   * Runs for at most `maxCycles` more cycles, or until the guest exits, halts for good (HLT with
   * interrupts off, or with no device event left to wake it) or shuts down. The CPU runs up to the
   * next device event; then the clock catches up and the due events run (clock.ts, "protocol").
   */
  run(maxCycles: number): RunResult {
    const cpu = this.cpu;
    const clock = this.clock;
    const end = cpu.cycles + maxCycles;
    let reason: StopReason = 'cycles';
    const bp = this.monitor.breakpoints;
    while (cpu.cycles < end) {
      if (bp.stopped) { reason = 'debug'; break; }
      const next = clock.nextEventTime();
      const until = next < end ? next : end;
      if (cpu.halted && cpu.shutdownReason === null && !(cpu.irqPending && (cpu.flags & IF) !== 0) && !(cpu.nmiPending && !cpu.nmiBlocked)) {
        // A halted processor only waits: skip to the next event, or stop if none can wake it.
        if ((cpu.flags & IF) === 0 || next === Number.POSITIVE_INFINITY || !this.anyIrqUnmasked()) { reason = 'halt'; break; }
        this.idleCycles += until - cpu.cycles;
        cpu.cycles = until;
      } else {
        cpu.stopRequested = false;
        run(cpu, until);
        if (cpu.debug !== null) bp.afterRun();
      }
      clock.advanceTo(cpu.cycles);
      clock.runDue();
      if (this.resetPending) {
        // The reset line resets the processor only: RAM, devices and the cycle count go on.
        this.resetPending = false;
        const cycles = cpu.cycles;
        this.reset();
        cpu.cycles = cycles;
        continue;
      }
      if (this.exitStatus !== null) { reason = 'exit'; break; }
      if (cpu.shutdownReason !== null) { reason = 'shutdown'; break; }
      if (bp.stopped) { reason = 'debug'; break; }
    }
    return { reason, exitStatus: this.exitStatus, cycles: cpu.cycles, instructions: cpu.instructions };
  }
}

export function createMachine(config: MachineConfig = {}): Machine {
  return new Machine(config);
}

/**
 * Port 0x92, "system control port A" (the PS/2 fast A20 gate): bit 1 drives A20; writing bit 0
 * as 1 resets the processor (a "fast reset").
 */
class FastA20Gate implements PortHandler {
  private value = 0x02;
  private readonly onA20: (enabled: boolean) => void;
  private readonly onReset: () => void;
  constructor(io: IoPorts, onA20: (enabled: boolean) => void, onReset: () => void) {
    this.onA20 = onA20;
    this.onReset = onReset;
    io.register(0x92, 1, this);
  }
  read8(): number {
    return this.value;
  }
  write8(_port: number, value: number): void {
    this.value = value & 0x02;
    this.onA20((value & 2) !== 0);
    if ((value & 1) !== 0) this.onReset();
  }
}

/**
 * Port 0x61, "system control port B": bit 0 is the PIT counter 2 GATE (the speaker timer), bit 1
 * the speaker data enable; reading returns them with counter 2's OUT in bit 5.
 */
class SystemControlPortB implements PortHandler {
  private readonly pit: Pit8254;
  private value = 0;
  constructor(io: IoPorts, pit: Pit8254) {
    this.pit = pit;
    io.register(0x61, 1, this);
    pit.setGate(2, false);
  }
  read8(): number {
    return (this.value & 0x03) | (this.pit.out(2) ? 0x20 : 0);
  }
  write8(_port: number, value: number): void {
    this.value = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
  }
}
