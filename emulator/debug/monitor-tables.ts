// The protected-mode tables decoded: `gdt`, `ldt`, `idt` and `tss` (i386 PRM 5.1 "Segment
// Translation", 9.5 "IDT Descriptors", 7.2 "TSS Descriptor"). The tables' bases are linear, so
// they are read through the current CR3, without side effects.

import {
  hex, hex8, MonitorError, type MonitorCommand, type MonitorContext, noMoreArgs, readLinear,
} from './monitor-command.ts';

const SYSTEM_TYPES: Record<number, string> = {
  1: '16-bit TSS (available)', 2: 'LDT', 3: '16-bit TSS (busy)', 4: '16-bit call gate', 5: 'task gate',
  6: '16-bit interrupt gate', 7: '16-bit trap gate', 9: '32-bit TSS (available)', 11: '32-bit TSS (busy)',
  12: '32-bit call gate', 14: '32-bit interrupt gate', 15: '32-bit trap gate',
};

const u32 = (b: Uint8Array, k: number): number => (b[k]! | (b[k + 1]! << 8) | (b[k + 2]! << 16) | (b[k + 3]! << 24)) >>> 0;
const u16 = (b: Uint8Array, k: number): number => b[k]! | (b[k + 1]! << 8);

/** One segment or gate descriptor in words. */
export function describeDescriptor(lo: number, hi: number): string {
  if (lo === 0 && hi === 0) return 'null';
  const type = (hi >>> 8) & 0xf, s = (hi & (1 << 12)) !== 0, dpl = (hi >>> 13) & 3, present = (hi & (1 << 15)) !== 0;
  const tail = `dpl=${dpl}${present ? '' : ' not present'}`;
  if (!s && (type === 4 || type === 5 || type === 6 || type === 7 || type === 12 || type === 14 || type === 15)) {
    const sel = lo >>> 16, offset = ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0;
    return `${SYSTEM_TYPES[type]} -> ${hex(sel, 4)}:${type === 5 ? '(task)' : hex8(offset)} ${tail}`;
  }
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  const g = (hi & (1 << 23)) !== 0;
  if (g) limit = ((limit << 12) | 0xfff) >>> 0;
  const db = (hi & (1 << 22)) !== 0;
  let kind: string;
  if (!s) kind = SYSTEM_TYPES[type] ?? `reserved system type ${type}`;
  else if ((type & 8) !== 0) kind = `code${type & 2 ? ' readable' : ' execute-only'}${type & 4 ? ' conforming' : ''}${db ? ' 32-bit' : ' 16-bit'}`;
  else kind = `data${type & 2 ? ' writable' : ' read-only'}${type & 4 ? ' expand-down' : ''}${db ? ' 32-bit' : ' 16-bit'}`;
  if (s && (type & 1) !== 0) kind += ' accessed';
  return `base=${hex8(base)} limit=${hex8(limit)} ${kind} ${tail}`;
}

function table(ctx: MonitorContext, base: number, limit: number, sel: (k: number) => string, skipEmpty: boolean): string {
  const n = Math.floor((limit + 1) / 8);
  if (n === 0) return 'the table is empty (limit 0)';
  const bytes = readLinear(ctx, base, n * 8);
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const lo = u32(bytes, k * 8), hi = u32(bytes, k * 8 + 4);
    if (skipEmpty && lo === 0 && hi === 0) continue;
    lines.push(`${sel(k)} ${describeDescriptor(lo, hi)}`);
  }
  return lines.length === 0 ? 'no entry is in use' : lines.join('\n');
}

function tss(ctx: MonitorContext): string {
  const cpu = ctx.machine.cpu;
  if (cpu.trSel === 0) throw new MonitorError('TR is null: no task register has been loaded');
  if (cpu.trLimit < 0x67) return `TR=${hex(cpu.trSel, 4)} base=${hex8(cpu.trBase)} limit=${hex(cpu.trLimit, 4)}: a 16-bit TSS (not decoded)`;
  const b = readLinear(ctx, cpu.trBase, 0x68);
  const r = (k: number): string => hex8(u32(b, k));
  const s = (k: number): string => hex(u16(b, k), 4);
  return [
    `TR=${hex(cpu.trSel, 4)} base=${hex8(cpu.trBase)} limit=${hex(cpu.trLimit, 4)} link=${s(0)}`,
    `esp0=${r(4)} ss0=${s(8)} esp1=${r(12)} ss1=${s(16)} esp2=${r(20)} ss2=${s(24)}`,
    `cr3=${r(28)} eip=${r(32)} eflags=${r(36)}`,
    `eax=${r(40)} ecx=${r(44)} edx=${r(48)} ebx=${r(52)} esp=${r(56)} ebp=${r(60)} esi=${r(64)} edi=${r(68)}`,
    `es=${s(72)} cs=${s(76)} ss=${s(80)} ds=${s(84)} fs=${s(88)} gs=${s(92)} ldt=${s(96)} T=${b[100]! & 1} iomap=${s(102)}`,
  ].join('\n');
}

export const TABLE_COMMANDS: MonitorCommand[] = [
  {
    name: 'gdt', usage: 'gdt', help: 'the global descriptor table decoded',
    run: (ctx, args) => {
      noMoreArgs(args, 0);
      const cpu = ctx.machine.cpu;
      return `GDTR base=${hex8(cpu.gdtrBase)} limit=${hex(cpu.gdtrLimit, 4)}\n${table(ctx, cpu.gdtrBase, cpu.gdtrLimit, (k) => `${hex(k * 8, 4)}`, false)}`;
    },
  },
  {
    name: 'ldt', usage: 'ldt', help: 'the local descriptor table decoded',
    run: (ctx, args) => {
      noMoreArgs(args, 0);
      const cpu = ctx.machine.cpu;
      if (cpu.ldtrSel === 0) return 'LDTR is null: no local descriptor table';
      return `LDTR=${hex(cpu.ldtrSel, 4)} base=${hex8(cpu.ldtrBase)} limit=${hex(cpu.ldtrLimit, 4)}\n${table(ctx, cpu.ldtrBase, cpu.ldtrLimit, (k) => `${hex(k * 8 + 4, 4)}`, false)}`;
    },
  },
  {
    name: 'idt', usage: 'idt', help: 'the interrupt descriptor table decoded (gates in use)',
    run: (ctx, args) => {
      noMoreArgs(args, 0);
      const cpu = ctx.machine.cpu;
      return `IDTR base=${hex8(cpu.idtrBase)} limit=${hex(cpu.idtrLimit, 4)}\n${table(ctx, cpu.idtrBase, cpu.idtrLimit, (k) => `${hex(k, 2)}h`, true)}`;
    },
  },
  { name: 'tss', usage: 'tss', help: 'the current task state segment decoded', run: (ctx, args) => { noMoreArgs(args, 0); return tss(ctx); } },
];
