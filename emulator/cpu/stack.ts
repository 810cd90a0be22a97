// The stack as instructions use it: SS:SP or SS:ESP by SS's B bit (i386 PRM 2.3 "Stack", and
// "Stack Implementation"). A push computes the new stack pointer, writes, and only then commits
// it, so a push that faults leaves ESP as it was.

import { readLin16, readLin32, segRead, segWrite, writeLin16, writeLin32 } from './access.ts';
import { ESP, SS } from './registers.ts';
import type { Cpu } from './state.ts';

/** Current stack pointer, as an offset in SS (SP or ESP). */
export function getSP(cpu: Cpu): number {
  return cpu.stack32 ? cpu.reg[ESP]! : cpu.reg16[ESP << 1]!;
}

export function setSP(cpu: Cpu, sp: number): void {
  if (cpu.stack32) cpu.reg[ESP] = sp;
  else cpu.reg16[ESP << 1] = sp;
}

/** `sp` moved by `delta` with the stack's wrap-around (64 KiB for a 16-bit stack). */
export function spAdd(cpu: Cpu, sp: number, delta: number): number {
  return cpu.stack32 ? (sp + delta) | 0 : (sp + delta) & 0xffff;
}

export function push16(cpu: Cpu, v: number): void {
  const sp = spAdd(cpu, getSP(cpu), -2);
  writeLin16(cpu, segWrite(cpu, SS, sp, 2), v);
  setSP(cpu, sp);
}

export function push32(cpu: Cpu, v: number): void {
  const sp = spAdd(cpu, getSP(cpu), -4);
  writeLin32(cpu, segWrite(cpu, SS, sp, 4), v);
  setSP(cpu, sp);
}

/** Pushes a value of the operand size (16 or 32 bits). */
export function push(cpu: Cpu, v: number, osize: number): void {
  if (osize === 32) push32(cpu, v);
  else push16(cpu, v);
}

export function pop16(cpu: Cpu): number {
  const sp = getSP(cpu);
  const v = readLin16(cpu, segRead(cpu, SS, sp, 2));
  setSP(cpu, spAdd(cpu, sp, 2));
  return v;
}

export function pop32(cpu: Cpu): number {
  const sp = getSP(cpu);
  const v = readLin32(cpu, segRead(cpu, SS, sp, 4));
  setSP(cpu, spAdd(cpu, sp, 4));
  return v;
}

export function pop(cpu: Cpu, osize: number): number {
  return osize === 32 ? pop32(cpu) : pop16(cpu);
}

/** Reads the stack `depth` bytes above SP without popping (for instructions that pop several values and may fault). */
export function peek16(cpu: Cpu, depth: number): number {
  return readLin16(cpu, segRead(cpu, SS, spAdd(cpu, getSP(cpu), depth), 2));
}

export function peek32(cpu: Cpu, depth: number): number {
  return readLin32(cpu, segRead(cpu, SS, spAdd(cpu, getSP(cpu), depth), 4));
}

export function peek(cpu: Cpu, depth: number, osize: number): number {
  return osize === 32 ? peek32(cpu, depth) : peek16(cpu, depth);
}

/** Writes at SP - `depth` - size without moving SP (for multi-push instructions that commit at the end). */
export function pokeBelow(cpu: Cpu, depth: number, v: number, osize: number): void {
  const sp = spAdd(cpu, getSP(cpu), -depth - (osize >> 3));
  if (osize === 32) writeLin32(cpu, segWrite(cpu, SS, sp, 4), v);
  else writeLin16(cpu, segWrite(cpu, SS, sp, 2), v);
}
