// The GDB stub: the GDB remote serial protocol for i386 over the monitor's breakpoint engine
// (breakpoints.ts), as QEMU's gdbstub is. This file is the protocol only, bytes in and bytes out,
// so it stays deterministic and testable without a socket; emulator/host/gdb-server.ts carries it
// over TCP. The host runs the machine as usual and calls poll() after each run slice: a stop the
// stub is waiting for (a breakpoint, a step, Ctrl-C) becomes gdb's stop reply there.
//
// Packets are `$DATA#CS`, CS the sum of DATA's bytes mod 256 in two hex digits; each is answered
// with `+` (or `-`, asking again, when the sum is wrong) and then a packet of its own
// ("Remote Protocol" in the GDB manual, appendix E). What the stub does not do gets the empty
// reply, which gdb reads as "not supported"; a malformed packet gets an E reply. Nothing a client
// sends can throw out of receive().

import { getEflags, setEflagsMasked } from '../cpu/flags.ts';
import { peekTranslate } from '../cpu/paging.ts';
import { CS, DS, ES, FS, GS, SS } from '../cpu/registers.ts';
import { Breakpoints } from './breakpoints.ts';
import type { Monitor } from './monitor.ts';

/** The largest packet either side sends, in bytes (the `PacketSize` of qSupported). */
export const GDB_PACKET_SIZE = 0x1000;
/** The most bytes one `m` reads: its reply is two hex digits a byte. */
const MAX_READ = GDB_PACKET_SIZE / 2 - 16;
/** gdb's i386 register numbers 0-15 ("i386 Features", org.gnu.gdb.i386.core): 8 GPRs, eip, eflags, 6 segments. */
const GDB_SEGMENTS = [CS, SS, DS, ES, FS, GS];
const REG_EIP = 8, REG_EFLAGS = 9, NUM_REGS = 16;
/** The EFLAGS bits gdb may write: the arithmetic flags, TF, IF, DF, IOPL, NT, RF and AC (not VM). */
const EFLAGS_WRITABLE = 0x57fd5;
/** Signals in stop replies: SIGTRAP for breakpoints and steps, SIGINT for Ctrl-C. */
const SIGTRAP = 5, SIGINT = 2;

const hexByte = (b: number): string => (b & 0xff).toString(16).padStart(2, '0');
/** A 32-bit value as gdb sends registers: target byte order (little-endian), hex. */
const le32 = (v: number): string => hexByte(v) + hexByte(v >>> 8) + hexByte(v >>> 16) + hexByte(v >>> 24);

function parseLe32(text: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new GdbError(`bad register value '${text}'`);
  let v = 0;
  for (let k = 3; k >= 0; k--) v = (v * 256) + parseInt(text.slice(k * 2, k * 2 + 2), 16);
  return v >>> 0;
}

function parseHex(text: string | undefined, what: string): number {
  if (text === undefined || !/^[0-9a-fA-F]{1,8}$/.test(text)) throw new GdbError(`bad ${what} '${text ?? ''}'`);
  return parseInt(text, 16) >>> 0;
}

function hexToBytes(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new GdbError('bad hex data');
  const out = new Uint8Array(text.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(text.slice(k * 2, k * 2 + 2), 16);
  return out;
}

/** Text as hex, a byte a character (the monitor's answers are ASCII). */
const textToHex = (text: string): string => Array.from(text, (c) => hexByte(c.charCodeAt(0))).join('');

/** A malformed packet: answered `E01` (an error the stub's log may show; gdb shows the code). */
class GdbError extends Error {}

type State = 'stopped' | 'running';

export class GdbStub {
  readonly monitor: Monitor;
  /** Where the stub's bytes go (the socket). */
  private readonly send: (text: string) => void;
  /** `k`: gdb asks to end the run. */
  onKill: () => void = () => {};
  /** `D`: gdb detaches; the host may close the connection. */
  onDetach: () => void = () => {};
  /** Whether the machine is stopped for gdb, or gdb waits for a stop reply. */
  private state: State = 'stopped';
  /** The signal of the next stop reply: SIGINT after Ctrl-C. */
  private stopSignal = SIGTRAP;
  /** Bytes of a packet being received. */
  private buffer = '';
  /** gdb's Z0/Z2 breakpoints, by kind and address, to the engine's id. */
  private readonly ours = new Map<string, number>();
  /** What follows the reply just sent (D: the detach). */
  private afterReply: (() => void) | null = null;

  constructor(monitor: Monitor, send: (text: string) => void) {
    this.monitor = monitor;
    this.send = send;
  }

  private get bp(): Breakpoints {
    return this.monitor.breakpoints;
  }

  /** A connection: the machine stops (as QEMU's does when gdb attaches) and waits for gdb's commands. */
  attach(): void {
    this.buffer = '';
    this.state = 'stopped';
    this.stopSignal = SIGTRAP;
    this.monitor.stop('gdb attached');
  }

  /** The connection went away: gdb's breakpoints go, and the machine runs on. */
  detach(): void {
    for (const id of this.ours.values()) this.bp.remove(id);
    this.ours.clear();
    this.buffer = '';
    if (this.monitor.stopped) this.bp.resume();
    this.state = 'stopped';
  }

  /** Whether the machine is stopped and gdb has it (the host runs it no further). */
  get holding(): boolean {
    return this.monitor.stopped;
  }

  /** After a run slice: a stop gdb is waiting for is told to it. */
  poll(): void {
    if (this.state === 'running' && this.monitor.stopped) {
      this.state = 'stopped';
      this.send(this.packet(this.stopReply()));
    }
  }

  /** Bytes from gdb. Never throws. */
  receive(bytes: Uint8Array | string): void {
    let text = '';
    if (typeof bytes === 'string') text = bytes;
    else for (let k = 0; k < bytes.length; k++) text += String.fromCharCode(bytes[k]!);
    for (let k = 0; k < text.length; k++) {
      const c = text[k]!;
      if (this.buffer === '') {
        if (c === '\x03') this.interrupt();
        else if (c === '$') this.buffer = '$';
        // '+' and '-' (acknowledgements of our packets) and stray bytes are dropped: the stub resends nothing.
        continue;
      }
      this.buffer += c;
      const hash = this.buffer.length - 3;
      if (hash > 0 && this.buffer[hash] === '#') {
        const packet = this.buffer;
        this.buffer = '';
        this.onPacket(packet);
      } else if (this.buffer.length > GDB_PACKET_SIZE + 4) {
        // Longer than we said we take: dropped, with a NAK.
        this.buffer = '';
        this.send('-');
      }
    }
  }

  private onPacket(packet: string): void {
    const data = packet.slice(1, -3);
    const sum = parseInt(packet.slice(-2), 16);
    let actual = 0;
    for (let k = 0; k < data.length; k++) actual = (actual + data.charCodeAt(k)) & 0xff;
    if (sum !== actual) {
      this.send('-');
      return;
    }
    this.send('+');
    let reply: string | null;
    try {
      reply = this.command(data);
    } catch (e) {
      reply = e instanceof GdbError ? 'E01' : 'E02';
    }
    if (reply !== null) this.send(this.packet(reply));
    const then = this.afterReply;
    this.afterReply = null;
    then?.();
  }

  private packet(data: string): string {
    let sum = 0;
    for (let k = 0; k < data.length; k++) sum = (sum + data.charCodeAt(k)) & 0xff;
    return `$${data}#${hexByte(sum)}`;
  }

  private interrupt(): void {
    if (this.state !== 'running') return;
    this.stopSignal = SIGINT;
    this.monitor.stop('gdb: interrupted (Ctrl-C)');
    this.poll();
  }

  private stopReply(): string {
    const signal = this.stopSignal;
    this.stopSignal = SIGTRAP;
    // A watchpoint's stop names the address, so gdb reports the watchpoint and its old and new value.
    const m = /^watchpoint (\d+):/.exec(this.bp.reason);
    const w = m === null ? undefined : this.bp.list.find((b) => b.id === Number(m[1]));
    if (w?.kind === 'watch') return `T${hexByte(signal)}${w.reads !== true ? 'watch' : w.writes === false ? 'rwatch' : 'awatch'}:${(w.addr >>> 0).toString(16)};`;
    return `S${hexByte(signal)}`;
  }

  /** One packet's answer, or null for none (c and s answer when the machine stops). */
  private command(data: string): string | null {
    const head = data[0] ?? '';
    const rest = data.slice(1);
    switch (head) {
      case '?': return this.stopReply();
      case 'g': return this.readRegisters();
      case 'G': this.writeRegisters(rest); return 'OK';
      case 'p': return this.readRegister(parseHex(rest, 'register number'));
      case 'P': {
        const [n, v] = rest.split('=');
        this.writeRegister(parseHex(n, 'register number'), parseLe32(v ?? ''));
        return 'OK';
      }
      case 'm': {
        const [a, l] = rest.split(',');
        return this.readMemory(parseHex(a, 'address'), parseHex(l, 'length'));
      }
      case 'M': {
        const [where, hex] = rest.split(':');
        const [a, l] = (where ?? '').split(',');
        const bytes = hexToBytes(hex ?? '');
        if (bytes.length !== parseHex(l, 'length')) throw new GdbError('length and data differ');
        return this.writeMemory(parseHex(a, 'address'), bytes);
      }
      case 'c': case 's': {
        if (rest !== '') this.monitor.machine.cpu.eip = parseHex(rest, 'address');
        if (head === 's') this.bp.step(1);
        else this.bp.resume();
        this.state = 'running';
        return null;
      }
      case 'Z': case 'z': return this.breakpoint(head === 'Z', rest);
      case 'k':
        this.onKill();
        return null;
      case 'D':
        // Answered first: the host may close the connection once gdb is detached.
        this.afterReply = () => { this.detach(); this.onDetach(); };
        return 'OK';
      case 'H': return 'OK';
      case 'T': return 'OK';
      case 'q': return this.query(data);
      case 'v': return '';
      default: return '';
    }
  }

  private query(data: string): string {
    if (data.startsWith('qSupported')) return `PacketSize=${GDB_PACKET_SIZE.toString(16)}`;
    if (data === 'qAttached') return '1';
    if (data === 'qC') return 'QC1';
    if (data === 'qfThreadInfo') return 'm1';
    if (data === 'qsThreadInfo') return 'l';
    if (data.startsWith('qRcmd,')) {
      const line = String.fromCharCode(...hexToBytes(data.slice(6)));
      const word = line.trim().split(/\s+/)[0] ?? '';
      // The machine runs at gdb's word: its own c and s, not the monitor's.
      const answer = word === 'c' || word === 's'
        ? `${word}: use gdb's continue and stepi`
        : this.monitor.execute(line);
      return textToHex(`${answer}\n`);
    }
    return '';
  }

  private readRegisters(): string {
    let out = '';
    for (let n = 0; n < NUM_REGS; n++) out += this.readRegister(n);
    return out;
  }

  private readRegister(n: number): string {
    const cpu = this.monitor.machine.cpu;
    if (n < 8) return le32(cpu.reg[n]!);
    if (n === REG_EIP) return le32(cpu.eip);
    if (n === REG_EFLAGS) return le32(getEflags(cpu));
    if (n < NUM_REGS) return le32(cpu.seg[GDB_SEGMENTS[n - 10]!]!);
    // The x87 and SSE registers gdb's i386 knows of: not part of this machine's state.
    return 'E45';
  }

  private writeRegisters(hex: string): void {
    if (hex.length < NUM_REGS * 8) throw new GdbError('G: too short');
    const values: number[] = [];
    for (let n = 0; n < NUM_REGS; n++) values.push(parseLe32(hex.slice(n * 8, n * 8 + 8)));
    // Checked whole before anything is written.
    for (let n = 10; n < NUM_REGS; n++) this.checkSegment(n, values[n]!);
    for (let n = 0; n < 10; n++) this.writeRegister(n, values[n]!);
  }

  /** A segment register may be written with its value only: loading another needs a descriptor (not done). */
  private checkSegment(n: number, value: number): void {
    if ((value & 0xffff) !== this.monitor.machine.cpu.seg[GDB_SEGMENTS[n - 10]!]) throw new GdbError('segment registers cannot be changed from gdb');
  }

  private writeRegister(n: number, value: number): void {
    const cpu = this.monitor.machine.cpu;
    if (n < 8) cpu.reg[n] = value;
    else if (n === REG_EIP) cpu.eip = value;
    else if (n === REG_EFLAGS) setEflagsMasked(cpu, value, EFLAGS_WRITABLE);
    else if (n < NUM_REGS) this.checkSegment(n, value);
    else throw new GdbError(`no register ${n}`);
  }

  /** `m`: memory at a linear address through the current CR3, read as the monitor's x reads it. */
  private readMemory(addr: number, len: number): string {
    const cpu = this.monitor.machine.cpu;
    const n = Math.min(len, MAX_READ);
    let out = '';
    for (let k = 0; k < n; k++) {
      const p = peekTranslate(cpu, (addr + k) | 0);
      // A page not mapped ends the read there; at the first byte it is an error.
      if (p < 0) return k === 0 ? 'E14' : out;
      out += hexByte(this.monitor.machine.phys.read8(p));
    }
    return out;
  }

  private writeMemory(addr: number, bytes: Uint8Array): string {
    const phys = Breakpoints.translate(this.monitor.machine.cpu, addr, bytes.length);
    if (!Array.isArray(phys)) return 'E14';
    for (let k = 0; k < bytes.length; k++) this.monitor.machine.phys.write8(phys[k]!, bytes[k]!);
    return 'OK';
  }

  /**
   * Z0/z0 (software breakpoints) and Z2/Z3/Z4 (write, read and access watchpoints), on the
   * engine's exec and watch kinds.
   */
  private breakpoint(insert: boolean, args: string): string {
    const [type, a, l] = args.split(',');
    if (type !== '0' && type !== '2' && type !== '3' && type !== '4') return '';
    const addr = parseHex(a, 'address');
    const len = type === '0' ? 1 : parseHex((l ?? '').split(';')[0], 'length');
    const key = `${type}:${addr}:${len}`;
    const had = this.ours.get(key);
    if (!insert) {
      if (had !== undefined) this.bp.remove(had);
      this.ours.delete(key);
      return 'OK';
    }
    if (had !== undefined) return 'OK';
    if (type === '0') {
      this.ours.set(key, this.bp.add({ kind: 'exec', addr }).id);
      return 'OK';
    }
    if (len < 1 || len > 4096) throw new GdbError('bad watchpoint length');
    const phys = Breakpoints.translate(this.monitor.machine.cpu, addr, len);
    if (!Array.isArray(phys) || phys.some((p) => p >= this.monitor.machine.phys.ramSize)) return 'E14';
    this.ours.set(key, this.bp.add({ kind: 'watch', addr, len, phys, reads: type !== '2', writes: type !== '3' }).id);
    return 'OK';
  }
}
