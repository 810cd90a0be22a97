// The trap entry stubs (kernel/arch/stubs.ts) against GNU as: the listing in that file's header,
// assembled in Intel syntax at the same offsets, must give buildStubs() byte for byte. The jumps
// and the vector/error-code rules are also checked on the built bytes alone, so they run without as.
import { describe, expect, it } from 'vitest';
import { asmIntel, hasAs } from '../../../harness/gas.ts';
import { HOSTCALL_PORT as DEVICE_PORT } from '../../../../emulator/devices/hostcall.ts';
import {
  buildStubs, HAS_ERROR_CODE, HOSTCALL_PORT, STUB_COMMON, STUB_IDLE, STUB_RESUME, STUB_STRIDE, STUB_VECTORS,
} from '../../../../kernel/arch/stubs.ts';
import { SEL_KDATA, STUBS_SIZE } from '../../../../kernel/layout.ts';

/** i386 PRM 9.9 ("Error Code"): the exceptions for which the processor pushes an error code. */
const ERROR_CODE_VECTORS = [8, 10, 11, 12, 13, 14, 17];
const hasErrorCode = (v: number): boolean => ERROR_CODE_VECTORS.includes(v);

const hex = (n: number): string => `0x${n.toString(16)}`;

// The header's listing, one part at a time.
const COMMON_SRC = `
  push ds
  push es
  push fs
  push gs
  pusha
  mov ax, ${hex(SEL_KDATA)}
  mov ds, ax
  mov es, ax
  mov eax, esp
  out ${hex(HOSTCALL_PORT)}, eax
`;
const RESUME_SRC = `
  popa
  pop gs
  pop fs
  pop es
  pop ds
  add esp, 8
  iret
`;
const IDLE_SRC = `
idle:
  sti
  hlt
  jmp idle
`;
const vectorSrc = (v: number): string =>
  `${hasErrorCode(v) ? '' : '  push 0\n'}  push ${hex(v)}\n  jmp common\n`;

/** The whole stub area as the header describes it, int3 (CCh) between the parts. */
function listing(): string {
  let s = `common:\n${COMMON_SRC}resume:\n${RESUME_SRC}.org ${hex(STUB_IDLE)}, 0xcc\n${IDLE_SRC}`;
  for (let v = 0; v < 256; v++) s += `.org ${hex(STUB_VECTORS + v * STUB_STRIDE)}, 0xcc\n${vectorSrc(v)}`;
  return `${s}.org ${hex(STUB_VECTORS + 256 * STUB_STRIDE)}, 0xcc\n`;
}

const stubs = buildStubs();
const dv = new DataView(stubs.buffer, stubs.byteOffset, stubs.byteLength);
const vectorAt = (v: number): number => STUB_VECTORS + v * STUB_STRIDE;
/** The length of vector v's stub, from the bytes: [push 0] push imm, jmp rel32. */
function stubLength(v: number): number {
  let at = vectorAt(v);
  if (stubs[at] === 0x6a && stubs[at + 1] === 0x00 && !hasErrorCode(v)) at += 2;
  at += stubs[at] === 0x68 ? 5 : 2;
  return at + 5 - vectorAt(v);
}

describe.skipIf(!hasAs)('the stubs assembled by GNU as (skipped: `as`/`ld` not on PATH)', () => {
  const assembled = hasAs ? Uint8Array.from(asmIntel(listing(), 32)) : new Uint8Array(0);

  it('gives the whole stub area byte for byte, padding included', () => {
    expect(assembled.length).toBe(stubs.length);
    const diff = [...stubs].findIndex((b, i) => b !== assembled[i]);
    expect(diff, diff < 0 ? '' : `first difference at ${hex(diff)}`).toBe(-1);
  });

  it('encodes the common stub: save segments and registers, load KDATA, OUT the frame address', () => {
    const common = asmIntel(COMMON_SRC, 32);
    expect([...stubs.subarray(STUB_COMMON, STUB_COMMON + common.length)]).toEqual(common);
  });

  it('puts STUB_RESUME right after the OUT, where the guest goes on when the host call returns', () => {
    const common = asmIntel(COMMON_SRC, 32);
    expect(STUB_COMMON + common.length).toBe(STUB_RESUME);
    expect([...stubs.subarray(STUB_RESUME - 2, STUB_RESUME)]).toEqual(asmIntel(`out ${hex(HOSTCALL_PORT)}, eax`, 32));
  });

  it('encodes the resume part: popa, pop the segments, drop vector and error code, iret', () => {
    const resume = asmIntel(RESUME_SRC, 32);
    expect([...stubs.subarray(STUB_RESUME, STUB_RESUME + resume.length)]).toEqual(resume);
  });

  it('encodes the idle loop: sti, hlt, jmp back to the sti', () => {
    const idle = asmIntel(IDLE_SRC, 32);
    expect([...stubs.subarray(STUB_IDLE, STUB_IDLE + idle.length)]).toEqual(idle);
  });

  const groups: Array<[string, number[]]> = [
    ['exceptions without an error code (push 0, push imm8)', [0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 31]],
    ['exceptions with an error code (push imm8 only)', ERROR_CODE_VECTORS],
    ['IRQ vectors and the rest below 80h (push imm8)', [0x20, 0x24, 0x2e, 0x2f, 0x7f]],
    ['vectors 80h and above (push imm32: imm8 would sign-extend)', [0x80, 0x81, 0xc0, 0xfe, 0xff]],
  ];
  for (const [name, vectors] of groups) {
    it(`encodes the stubs of ${name}`, () => {
      for (const v of vectors) {
        // Assembled at its own offset with `common` at 0, so the jmp's displacement is as's.
        const src = `common:\n.org ${hex(vectorAt(v))}, 0xcc\n${vectorSrc(v)}`;
        const code = asmIntel(src, 32).slice(vectorAt(v));
        expect([...stubs.subarray(vectorAt(v), vectorAt(v) + code.length)], `vector ${hex(v)}`).toEqual(code);
      }
    });
  }
});

describe('the stub area', () => {
  it('makes every vector stub jump to the common stub', () => {
    for (let v = 0; v < 256; v++) {
      const end = vectorAt(v) + stubLength(v);
      expect(stubs[end - 5], `vector ${hex(v)}: jmp rel32`).toBe(0xe9);
      const rel = dv.getInt32(end - 4, true);
      expect(end + rel, `vector ${hex(v)}`).toBe(STUB_COMMON);
    }
  });

  it('pushes a dummy error code exactly for the vectors the processor pushes none for, then the vector', () => {
    expect([...HAS_ERROR_CODE].sort((a, b) => a - b)).toEqual(ERROR_CODE_VECTORS);
    for (let v = 0; v < 256; v++) {
      let at = vectorAt(v);
      if (!hasErrorCode(v)) {
        expect([stubs[at], stubs[at + 1]], `vector ${hex(v)}: push 0`).toEqual([0x6a, 0x00]);
        at += 2;
      }
      const pushed = stubs[at] === 0x6a ? stubs[at + 1]! << 24 >> 24 : dv.getInt32(at + 1, true);
      expect(stubs[at] === 0x6a || stubs[at] === 0x68, `vector ${hex(v)}: push imm`).toBe(true);
      expect(pushed >>> 0, `vector ${hex(v)}: the value pushed`).toBe(v);
    }
  });

  it('fills the space between stubs with int3 and keeps every stub inside its slot', () => {
    for (let v = 0; v < 256; v++) {
      const len = stubLength(v);
      expect(len, `vector ${hex(v)}`).toBeLessThanOrEqual(STUB_STRIDE);
      for (let k = len; k < STUB_STRIDE; k++) expect(stubs[vectorAt(v) + k], `vector ${hex(v)} +${k}`).toBe(0xcc);
    }
    for (let k = STUB_IDLE + 4; k < STUB_VECTORS; k++) expect(stubs[k], hex(k)).toBe(0xcc);
  });

  it('fits the stub area layout.ts reserves and OUTs to the host-call device the emulator has', () => {
    expect(stubs.length).toBeLessThanOrEqual(STUBS_SIZE);
    expect(HOSTCALL_PORT).toBe(DEVICE_PORT);
  });
});
