// Looking at the machine: `r` (registers), `x` and `xp` (memory, virtual and physical, in QEMU's
// /Nfmt notation) and `u` (disassembly).

import { disassembleBytes } from '../cpu/disasm.ts';
import { getEflags } from '../cpu/flags.ts';
import { CS, REG32_NAMES, SEG_NAMES } from '../cpu/registers.ts';
import {
  AC, AF, CF, CR0_AM, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, DF, IF, NT, OF, PF, RF, SEG_CODE, SEG_DB,
  SEG_EXPAND_DOWN, SEG_PRESENT, SEG_READABLE, SEG_WRITABLE, SF, TF, VM, ZF,
} from '../cpu/state.ts';
import {
  hex, hex8, MonitorError, type MonitorCommand, type MonitorContext, noMoreArgs, parseNumber, readLinear, readPhysical,
} from './monitor-command.ts';

const EFLAGS_WORDS: Array<[number, string]> = [
  [CF, 'CF carry'], [PF, 'PF parity'], [AF, 'AF adjust'], [ZF, 'ZF zero'], [SF, 'SF sign'], [TF, 'TF trap'],
  [IF, 'IF interrupts enabled'], [DF, 'DF down'], [OF, 'OF overflow'], [NT, 'NT nested task'], [RF, 'RF resume'],
  [VM, 'VM virtual-8086'], [AC, 'AC alignment check'],
];
const CR0_WORDS: Array<[number, string]> = [
  [CR0_PE, 'PE'], [CR0_MP, 'MP'], [CR0_EM, 'EM'], [CR0_TS, 'TS'], [CR0_ET, 'ET'], [CR0_NE, 'NE'], [CR0_WP, 'WP'], [CR0_AM, 'AM'], [CR0_PG, 'PG'],
];

/** EFLAGS in words: each set flag by name, then IOPL. */
export function eflagsInWords(v: number): string {
  const set = EFLAGS_WORDS.filter(([bit]) => (v & bit) !== 0).map(([, w]) => w);
  set.push(`IOPL=${(v >>> 12) & 3}`);
  return set.join(', ');
}

function segAttrWords(attr: number): string {
  if ((attr & SEG_PRESENT) === 0) return 'not present';
  const w = [(attr & SEG_CODE) !== 0 ? `code${(attr & SEG_READABLE) !== 0 ? ' readable' : ''}` : `data${(attr & SEG_WRITABLE) !== 0 ? ' writable' : ' read-only'}`];
  if ((attr & SEG_EXPAND_DOWN) !== 0) w.push('expand-down');
  w.push((attr & SEG_DB) !== 0 ? '32-bit' : '16-bit');
  return w.join(' ');
}

function registers(ctx: MonitorContext): string {
  const cpu = ctx.machine.cpu;
  const lines: string[] = [];
  const regs = [0, 3, 1, 2, 6, 7, 5, 4].map((r) => `${REG32_NAMES[r]}=${hex8(cpu.reg[r]!)}`);
  lines.push(regs.slice(0, 4).join(' '), regs.slice(4).join(' '));
  const eflags = getEflags(cpu);
  lines.push(`eip=${hex8(cpu.eip)} eflags=${hex8(eflags)} (${eflagsInWords(eflags)})`);
  lines.push(`cpl=${cpu.cpl} ${cpu.code32 ? '32' : '16'}-bit code${cpu.halted ? ', halted' : ''}`);
  for (let s = 0; s < 6; s++) {
    lines.push(`${SEG_NAMES[s]}=${hex(cpu.seg[s]!, 4)} base=${hex8(cpu.segBase[s]!)} limit=${hex8(cpu.segLimit[s]!)} dpl=${cpu.segDpl[s]} ${segAttrWords(cpu.segAttr[s]!)}`);
  }
  const cr0Words = CR0_WORDS.filter(([bit]) => (cpu.cr0 & bit) !== 0).map(([, w]) => w).join(' ');
  lines.push(`cr0=${hex8(cpu.cr0)} (${cr0Words}) cr2=${hex8(cpu.cr2)} cr3=${hex8(cpu.cr3)} cr4=${hex8(cpu.cr4)}`);
  lines.push(`gdtr=${hex8(cpu.gdtrBase)}/${hex(cpu.gdtrLimit, 4)} idtr=${hex8(cpu.idtrBase)}/${hex(cpu.idtrLimit, 4)} ldtr=${hex(cpu.ldtrSel, 4)} tr=${hex(cpu.trSel, 4)}`);
  lines.push(`cycles=${cpu.cycles} instructions=${cpu.instructions}`);
  return lines.join('\n');
}

interface Format { count: number; fmt: string; unit: number }

/** QEMU's /Nfmt: a count, a format (x d u c s i) and a unit (b h w), each optional; defaults 1, x, w. */
function parseFormat(text: string | undefined): Format {
  const f: Format = { count: 1, fmt: 'x', unit: 4 };
  if (text === undefined || !text.startsWith('/')) return f;
  const m = /^\/(\d*)([xducsi]?)([bhw]?)$/.exec(text);
  if (m === null) throw new MonitorError(`bad format '${text}': expected /[count][x|d|u|c|s|i][b|h|w], e.g. /4xw`);
  if (m[1] !== '') f.count = parseInt(m[1]!, 10);
  if (f.count < 1 || f.count > 4096) throw new MonitorError(`bad count ${m[1]}: 1 to 4096`);
  if (m[2] !== '') f.fmt = m[2]!;
  if (m[3] !== '') f.unit = m[3] === 'b' ? 1 : m[3] === 'h' ? 2 : 4;
  else if (f.fmt === 'c' || f.fmt === 's') f.unit = 1;
  return f;
}

function unitValue(bytes: Uint8Array, k: number, unit: number): number {
  let v = 0;
  for (let b = unit - 1; b >= 0; b--) v = (v * 256) + bytes[k + b]!;
  return v;
}

function formatUnit(v: number, fmt: string, unit: number): string {
  const bits = unit * 8;
  if (fmt === 'x') return `0x${hex(v, unit * 2)}`;
  if (fmt === 'u') return String(v);
  if (fmt === 'd') return String(v >= 2 ** (bits - 1) ? v - 2 ** bits : v);
  // c
  return v >= 0x20 && v < 0x7f ? `'${String.fromCharCode(v)}'` : `\\x${hex(v, 2)}`;
}

/** Shared by x and xp: `read` reads bytes at an address in its space. */
function dump(ctx: MonitorContext, args: string[], read: (addr: number, n: number) => Uint8Array): string {
  const f = parseFormat(args[0]);
  const addrArg = args[0]?.startsWith('/') ? args[1] : args[0];
  noMoreArgs(args, args[0]?.startsWith('/') ? 2 : 1);
  const addr = parseNumber(ctx, addrArg, 'address');
  if (f.fmt === 'i') return disassembleAt(ctx, addr, f.count, read);
  if (f.fmt === 's') {
    const lines: string[] = [];
    let a = addr;
    for (let n = 0; n < f.count; n++) {
      const start = a;
      let s = '';
      for (let k = 0; k < 256; k++, a++) {
        const b = read(a >>> 0, 1)[0]!;
        if (b === 0) { a++; break; }
        s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${hex(b, 2)}`;
      }
      lines.push(`0x${hex8(start)}: "${s}"`);
    }
    return lines.join('\n');
  }
  const bytes = read(addr, f.count * f.unit);
  const perLine = 16 / f.unit;
  const lines: string[] = [];
  for (let n = 0; n < f.count; n += perLine) {
    const items: string[] = [];
    for (let k = n; k < Math.min(n + perLine, f.count); k++) items.push(formatUnit(unitValue(bytes, k * f.unit, f.unit), f.fmt, f.unit));
    lines.push(`0x${hex8(addr + n * f.unit)}: ${items.join(' ')}`);
  }
  return lines.join('\n');
}

function disassembleAt(ctx: MonitorContext, addr: number, count: number, read: (addr: number, n: number) => Uint8Array): string {
  const code32 = ctx.machine.cpu.code32;
  const lines: string[] = [];
  let a = addr;
  for (let n = 0; n < count; n++) {
    // Up to 15 bytes, fewer where the next page is not mapped.
    let bytes: Uint8Array | null = null;
    for (let len = 15; len >= 1 && bytes === null; len--) {
      try { bytes = read(a >>> 0, len); } catch (e) { if (len === 1) throw e; }
    }
    const d = disassembleBytes(bytes!, code32, a >>> 0);
    const raw = [...bytes!.subarray(0, d.len)].map((b) => hex(b, 2)).join(' ');
    lines.push(`0x${hex8(a)}: ${raw.padEnd(24)} ${d.text}`);
    a += d.len;
  }
  return lines.join('\n');
}

export const INSPECT_COMMANDS: MonitorCommand[] = [
  {
    name: 'r', usage: 'r', help: 'registers, segment caches, CR0-CR4, EFLAGS in words, cycle and instruction counts',
    run: (ctx, args) => { noMoreArgs(args, 0); return registers(ctx); },
  },
  {
    name: 'x', usage: 'x/Nfmt ADDR', help: 'memory at a virtual (linear) address, through the current CR3; fmt x d u c s i, unit b h w',
    run: (ctx, args) => dump(ctx, args, (a, n) => readLinear(ctx, a, n)),
  },
  {
    name: 'xp', usage: 'xp/Nfmt ADDR', help: 'physical memory, formatted as for x',
    run: (ctx, args) => dump(ctx, args, (a, n) => readPhysical(ctx, a, n)),
  },
  {
    name: 'u', usage: 'u [ADDR [N]]', help: 'disassemble N (10) instructions at a linear address (default CS:EIP)',
    run: (ctx, args) => {
      noMoreArgs(args, 2);
      const cpu = ctx.machine.cpu;
      const addr = args[0] === undefined ? (cpu.segBase[CS]! + cpu.eip) >>> 0 : parseNumber(ctx, args[0], 'address');
      const n = args[1] === undefined ? 10 : parseNumber(ctx, args[1], 'count');
      if (n < 1 || n > 1000) throw new MonitorError(`bad count ${n}: 1 to 1000`);
      return disassembleAt(ctx, addr, n, (a, k) => readLinear(ctx, a, k));
    },
  },
];
