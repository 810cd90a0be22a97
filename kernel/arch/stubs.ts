// The trap entry stubs: real x86 code the kernel writes into guest RAM at boot. One short stub per
// vector pushes a dummy error code when the processor pushes none (so every frame has the same
// shape, kernel/trap.ts) and the vector number, then jumps to the common stub, which saves the
// segment and general registers, loads the kernel's data selector, and calls the kernel with an OUT
// of the frame's address to the host-call device. When the kernel returns, ESP names the frame to
// resume (maybe another process's); the common stub pops it and IRETs.
//
//   common:  push ds / push es / push fs / push gs / pusha
//            mov ax, KDATA / mov ds, ax / mov es, ax
//            mov eax, esp / out 0xE0, eax
//   resume:  popa / pop gs / pop fs / pop es / pop ds / add esp, 8 / iret
//   idle:    sti / hlt / jmp idle
//   vector N (no error code):   push 0 / push N / jmp common
//   vector N (error code):      push N / jmp common
//
// The bytes are encoded here (a few fixed forms); test/unit/kernel/arch/stubs.test.ts assembles the same
// listing with GNU as and compares.

import { SEL_KDATA } from '../layout.ts';

export const HOSTCALL_PORT = 0xe0;

/** Offsets in the stub area. */
export const STUB_COMMON = 0x00;
export const STUB_RESUME = 0x13;
export const STUB_IDLE = 0x40;
export const STUB_VECTORS = 0x100;
export const STUB_STRIDE = 16;

/** Exceptions for which the processor pushes an error code (i386 PRM 9.9, "Error Code"). */
export const HAS_ERROR_CODE: ReadonlySet<number> = new Set([8, 10, 11, 12, 13, 14, 17]);

const COMMON = [
  0x1e, // push ds
  0x06, // push es
  0x0f, 0xa0, // push fs
  0x0f, 0xa8, // push gs
  0x60, // pusha
  0x66, 0xb8, SEL_KDATA & 0xff, SEL_KDATA >> 8, // mov ax, KDATA
  0x8e, 0xd8, // mov ds, ax
  0x8e, 0xc0, // mov es, ax
  0x89, 0xe0, // mov eax, esp
  0xe7, HOSTCALL_PORT, // out 0xE0, eax
];
const RESUME = [
  0x61, // popa
  0x0f, 0xa9, // pop gs
  0x0f, 0xa1, // pop fs
  0x07, // pop es
  0x1f, // pop ds
  0x83, 0xc4, 0x08, // add esp, 8
  0xcf, // iret
];
const IDLE = [0xfb, 0xf4, 0xeb, 0xfc]; // sti / hlt / jmp idle

/** The whole stub area as bytes, for the kernel to copy to guest RAM at `base` (its linear address). */
export function buildStubs(): Uint8Array {
  const out = new Uint8Array(STUB_VECTORS + 256 * STUB_STRIDE);
  out.fill(0xcc); // int3 between stubs: a jump into padding traps instead of sliding
  out.set(COMMON, STUB_COMMON);
  out.set(RESUME, STUB_COMMON + COMMON.length);
  out.set(IDLE, STUB_IDLE);
  for (let v = 0; v < 256; v++) {
    const at = STUB_VECTORS + v * STUB_STRIDE;
    const code: number[] = [];
    if (!HAS_ERROR_CODE.has(v)) code.push(0x6a, 0x00); // push 0
    if (v < 0x80) code.push(0x6a, v); // push imm8 (sign-extended: only below 80h)
    else code.push(0x68, v, 0, 0, 0); // push imm32
    const rel = STUB_COMMON - (at + code.length + 5);
    code.push(0xe9, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, (rel >>> 24) & 0xff); // jmp common
    out.set(code, at);
  }
  return out;
}

if (COMMON.length !== STUB_RESUME) throw new Error(`stubs: resume is at 0x${COMMON.length.toString(16)}, not 0x${STUB_RESUME.toString(16)}`);
