// `--trace cpu,int,pf,io`: one line per event, written to a sink the host supplies.
//
//   cpu  0008:00101234  8b 45 08        mov eax,DWORD PTR [ebp+0x8]      eax=00000005
//        CS:EIP, the instruction's bytes, its disassembly, then every register it changed
//   int  int 0x0e #PF err=0x0002 at 0008:00101234 (exception)
//   pf   #PF cr2=0x40001000 err=0x0002 (supervisor write, not present) at 0008:00101234
//   io   out 0x03f8 byte 0x41       /  in 0x03fd byte 0x60
//
// Tracing costs speed: with `cpu` on, the run loop executes one instruction at a time.

import { getEflags } from '../cpu/flags.ts';
import { disassemble } from '../cpu/disasm.ts';
import { VECTOR_NAMES } from '../cpu/faults.ts';
import type { Block } from '../cpu/blocks.ts';
import type { Insn } from '../cpu/insn.ts';
import { INT_EXCEPTION, INT_EXTERNAL } from '../cpu/interrupts.ts';
import { peekTranslate } from '../cpu/paging.ts';
import { CS, REG32_NAMES, SEG_NAMES } from '../cpu/registers.ts';
import type { Cpu } from '../cpu/state.ts';
import type { IoPorts } from '../memory/ioports.ts';

export const TRACE_KINDS = ['cpu', 'int', 'pf', 'io'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

const hex = (v: number, digits: number): string => (v >>> 0).toString(16).padStart(digits, '0');

/** Parses `--trace` text such as "int,pf"; throws with a one-line message for an unknown kind. */
export function parseTraceKinds(text: string): Set<TraceKind> {
  const kinds = new Set<TraceKind>();
  for (const k of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!(TRACE_KINDS as readonly string[]).includes(k)) throw new Error(`unknown trace kind '${k}': expected ${TRACE_KINDS.join(', ')}`);
    kinds.add(k as TraceKind);
  }
  return kinds;
}

/** The #PF error code in words, as a kernel developer reads it. */
export function describePageFault(code: number): string {
  return `${code & 4 ? 'user' : 'supervisor'} ${code & 2 ? 'write' : 'read'}, ${code & 1 ? 'protection violation' : 'not present'}`;
}

/** Attaches the requested tracers to a CPU and its I/O bus; returns a function that detaches them. */
export function attachTrace(cpu: Cpu, io: IoPorts, kinds: ReadonlySet<TraceKind>, line: (text: string) => void): () => void {
  const where = (): string => `${hex(cpu.seg[CS]!, 4)}:${hex(cpu.insnStart, 8)}`;
  const detach: Array<() => void> = [];
  // A trace attached over another (the monitor's over --trace's) hands the hooks back as they were.
  const prevInsn = cpu.traceInsn, prevInterrupt = cpu.traceInterrupt, prevIo = io.onTrace;
  const prevLookup = Object.getOwnPropertyDescriptor(cpu.blocks, 'lookup');
  if (kinds.has('cpu')) {
    const before = new Int32Array(8);
    const segBefore = new Uint16Array(6);
    let flagsBefore = getEflags(cpu);
    before.set(cpu.reg.subarray(0, 8));
    segBefore.set(cpu.seg);
    // An instruction's CS and bytes are read when it is fetched. traceInsn runs after it, when an
    // INT, a far JMP, CALL or RET, an IRET or a task switch may have replaced CS; and the CS the
    // instruction before left is not this one's when an interrupt was taken in between. The
    // traced step fetches each instruction with one block lookup at its CS:EIP: that is watched.
    const blocks = cpu.blocks;
    const lookup = blocks.lookup.bind(blocks);
    let fetchedCs = cpu.seg[CS]!;
    let fetchedBytes = '';
    blocks.lookup = (c: Cpu): Block => {
      const block = lookup(c);
      const lin = (c.segBase[CS]! + c.eip) | 0;
      const bytes: string[] = [];
      for (let k = 0; k < block.insns[0]!.len; k++) {
        const p = peekTranslate(c, (lin + k) | 0);
        bytes.push(p < 0 ? '??' : hex(c.phys.read8(p), 2));
      }
      fetchedCs = c.seg[CS]!;
      fetchedBytes = bytes.join(' ');
      return block;
    };
    detach.push(() => {
      Reflect.deleteProperty(blocks, 'lookup');
      if (prevLookup !== undefined) Object.defineProperty(blocks, 'lookup', prevLookup);
    });
    cpu.traceInsn = (c: Cpu, i: Insn, eip: number): void => {
      const changes: string[] = [];
      for (let r = 0; r < 8; r++) {
        if (c.reg[r] !== before[r]) changes.push(`${REG32_NAMES[r]}=${hex(c.reg[r]!, 8)}`);
      }
      for (let s = 0; s < 6; s++) if (c.seg[s] !== segBefore[s]) changes.push(`${SEG_NAMES[s]}=${hex(c.seg[s]!, 4)}`);
      const flags = getEflags(c);
      if (flags !== flagsBefore) changes.push(`eflags=${hex(flags, 8)}`);
      line(`cpu  ${hex(fetchedCs, 4)}:${hex(eip, 8)}  ${fetchedBytes.padEnd(24)} ${disassemble(i, eip).padEnd(36)} ${changes.join(' ')}`.trimEnd());
      before.set(c.reg.subarray(0, 8));
      segBefore.set(c.seg);
      flagsBefore = flags;
    };
  }
  if (kinds.has('int') || kinds.has('pf')) {
    cpu.traceInterrupt = (c: Cpu, vector: number, errorCode: number, source: number): void => {
      const kind = source === INT_EXCEPTION ? 'exception' : source === INT_EXTERNAL ? 'external' : 'software';
      if (kinds.has('int')) {
        const name = VECTOR_NAMES[vector] && source === INT_EXCEPTION ? ` ${VECTOR_NAMES[vector]}` : '';
        const err = errorCode >= 0 && source === INT_EXCEPTION ? ` err=0x${hex(errorCode, 4)}` : '';
        line(`int  int 0x${hex(vector, 2)}${name}${err} at ${where()} (${kind})`);
      }
      if (kinds.has('pf') && vector === 14 && source === INT_EXCEPTION) {
        line(`pf   #PF cr2=0x${hex(c.cr2, 8)} err=0x${hex(errorCode, 4)} (${describePageFault(errorCode)}) at ${where()}`);
      }
    };
  }
  if (kinds.has('io')) {
    const names = { 8: 'byte', 16: 'word', 32: 'dword' } as const;
    io.onTrace = (port, size, write, value): void => {
      line(`io   ${write ? 'out' : 'in '} 0x${hex(port, 4)} ${names[size]} 0x${hex(value, size / 4)}`);
    };
  }
  return () => {
    for (const undo of detach.splice(0)) undo();
    cpu.traceInsn = prevInsn;
    cpu.traceInterrupt = prevInterrupt;
    io.onTrace = prevIo;
  };
}
