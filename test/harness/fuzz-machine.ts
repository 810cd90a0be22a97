// The machines of the CPU's random-code fuzzing (test/unit/emulator/cpu/fuzz.test.ts, and the
// compiler cross-check beside it): a page of random bytes, or of random instructions built from
// the opcode table, in real mode, in flat 32-bit protected mode at CPL 0, or at CPL 3 with paging
// on (some pages absent, some read-only). Every interrupt vector points at a handler that counts
// the exception and returns to somewhere else in the random page.
//
// A seed names one machine: the same seed, mode and generator always build the same bytes and
// registers, so two machines built from it can be run side by side and compared.

import { Machine } from '../../emulator/machine.ts';
import { ONE_BYTE, TWO_BYTE } from '../../emulator/cpu/opcodes.ts';
import { F_INVALID, type OpRow } from '../../emulator/cpu/optable.ts';
import { CS, DS, ES, FS, GS, SS } from '../../emulator/cpu/registers.ts';
import { parseDescriptor, setSegmentCache } from '../../emulator/cpu/segments.ts';
import { CR0_PG, type CpuModel } from '../../emulator/cpu/state.ts';
import { tlbFlush, updateAccessMasks } from '../../emulator/cpu/tlb.ts';
import { enterFlat32 } from './cpu.ts';

/** mulberry32: a small, well-mixed 32-bit PRNG, so each seed names one reproducible run. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export const RAM = 2 * 1024 * 1024;
export const CODE_BYTES = 4096;
/** A few thousand instructions and a few hundred exceptions a run. */
export const CYCLES = 60_000;

// Where the fixed parts of the harness live (physical = linear: segments are based at 0).
const HANDLER = 0x500;
const HANDLER_ERR = 0x540;
/** Where the handlers count the exceptions they take (a dword; real mode counts its low word). */
export const COUNTER = 0x4f0;
const GDT = 0x600;
const IDT = 0x800;
export const REAL_CODE = 0x1000;
const TSS = 0x1800;
const PAGE_DIR = 0x2000;
const PAGE_TABLE = 0x3000;
export const PM_CODE = 0x10000;
/** Ring-0 stack (also the only stack at CPL 0) and, for CPL 3 runs, the user stack. */
const KERNEL_STACK = 0x90000;
const USER_STACK = 0x80000;

// GDT: null, ring-0 code and data, ring-3 code and data, the TSS.
const GDT_ENTRIES: Array<[number, number]> = [
  [0, 0],
  [0x0000ffff, 0x00cf9a00], // 0x08 code, DPL 0
  [0x0000ffff, 0x00cf9200], // 0x10 data, DPL 0
  [0x0000ffff, 0x00cffa00], // 0x18 code, DPL 3
  [0x0000ffff, 0x00cff200], // 0x20 data, DPL 3
  [(TSS << 16) | 0x67, 0x00008b00], // 0x28 busy 386 TSS (base below 64 KiB)
];

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

// The handlers count the exception, then send execution to a pseudo-random offset in the code
// page ((count * 0x9E5) & mask): a plain "skip a byte" would spend the whole budget creeping
// through an absent or supervisor page one fault at a time. The fuzz test's mask, 0xFFF, spreads
// the restarts over the whole page; LOOP_MASK keeps them to four entry points, so that the same
// blocks run again and again (a block compiler only compiles what runs more than once).

const SPREAD_MASK = 0xfff;
const LOOP_MASK = 0x300;

/** Real-mode handler. */
function realHandler(mask: number): number[] {
  return [
    0x2e, 0xff, 0x06, COUNTER & 0xff, COUNTER >> 8, // inc word cs:[COUNTER]
    0x55, //                                           push bp
    0x89, 0xe5, //                                     mov bp, sp
    0x50, //                                           push ax
    0x2e, 0xa1, COUNTER & 0xff, COUNTER >> 8, //       mov ax, cs:[COUNTER]
    0x69, 0xc0, 0xe5, 0x09, //                         imul ax, ax, 0x9E5
    0x25, mask & 0xff, mask >> 8, //                   and ax, mask
    0x05, REAL_CODE & 0xff, REAL_CODE >> 8, //         add ax, REAL_CODE
    0x89, 0x46, 0x02, //                               mov [bp+2], ax   (IP)
    0xc7, 0x46, 0x04, 0x00, 0x00, //                   mov word [bp+4], 0 (CS)
    0x58, //                                           pop ax
    0x5d, //                                           pop bp
    0xcf, //                                           iret
  ];
}

/**
 * Protected-mode handler (preceded by `add esp, 4` for vectors with an error code). Memory is
 * reached through SS, the one data segment the processor guarantees usable in the handler. With
 * `ring3Only`, a frame from ring 0 (an exception taken inside the handler itself) is returned to
 * as it is, so random code never ends up running at CPL 0.
 */
function pmHandler(errorCode: boolean, ring3Only: boolean, mask: number): number[] {
  const relocate = [
    0x36, 0xa1, ...le32(COUNTER), //                 mov eax, ss:[COUNTER]
    0x69, 0xc0, ...le32(0x9e5), //                   imul eax, eax, 0x9E5
    0x25, ...le32(mask), //                          and eax, mask
    0x05, ...le32(PM_CODE), //                       add eax, PM_CODE
    0x89, 0x44, 0x24, 0x04, //                       mov [esp+4], eax  (EIP)
  ];
  return [
    ...(errorCode ? [0x83, 0xc4, 0x04] : []), //     add esp, 4
    0x36, 0xff, 0x05, ...le32(COUNTER), //           inc dword ss:[COUNTER]
    0x50, //                                         push eax
    ...(ring3Only ? [0xf6, 0x44, 0x24, 0x08, 0x03, 0x74, relocate.length] : []), // test byte [esp+8], 3 (CS.RPL); jz +n
    ...relocate,
    0x58, //                                         pop eax
    0xcf, //                                         iretd
  ];
}

/** Vectors whose exceptions push an error code (i386 PRM, "Error Code"). */
const WITH_ERROR = new Set([8, 10, 11, 12, 13, 14]);

export type Mode = 'real' | 'pm32' | 'user';
export type Gen = 'bytes' | 'insns';

/** Fills `out` with random bytes. */
function randomBytes(rand: () => number, out: Uint8Array): void {
  for (let k = 0; k < out.length; k++) out[k] = rand() & 0xff;
}

const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf2, 0xf3, 0xf0];
const VALID_ONE = [...ONE_BYTE.keys()].filter((b) => isValid(ONE_BYTE[b]!) && b !== 0x0f);
const VALID_TWO = [...TWO_BYTE.keys()].filter((b) => isValid(TWO_BYTE[b]!));

function isValid(row: OpRow): boolean {
  return (row.flags & F_INVALID) === 0 || row.group !== null;
}

/**
 * Random instructions that at least start well: up to two prefixes, a defined opcode (one-byte or
 * 0F), a random ModRM, then random bytes for SIB, displacement and immediates.
 */
function randomInsns(rand: () => number, out: Uint8Array): void {
  let k = 0;
  while (k < out.length - 16) {
    const nPrefix = rand() % 4 === 0 ? 1 + (rand() % 2) : 0;
    for (let p = 0; p < nPrefix; p++) out[k++] = PREFIXES[rand() % PREFIXES.length]!;
    if (rand() % 8 === 0) {
      out[k++] = 0x0f;
      out[k++] = VALID_TWO[rand() % VALID_TWO.length]!;
    } else {
      out[k++] = VALID_ONE[rand() % VALID_ONE.length]!;
    }
    const tail = rand() % 7;
    for (let t = 0; t < tail; t++) out[k++] = rand() & 0xff;
  }
  while (k < out.length) out[k++] = 0x90;
}

function setupReal(m: Machine, code: Uint8Array, mask: number): void {
  const cpu = m.cpu;
  m.phys.load(HANDLER, Uint8Array.from(realHandler(mask)));
  for (let v = 0; v < 256; v++) m.phys.write32(v * 4, HANDLER); // 0000:HANDLER
  m.phys.load(REAL_CODE, code);
  for (const s of [ES, CS, SS, DS, FS, GS]) {
    cpu.seg[s] = 0;
    cpu.segBase[s] = 0;
  }
  cpu.eip = REAL_CODE;
  cpu.reg[4] = 0xfffe;
  cpu.blockExit = true;
}

function setupPm(m: Machine, code: Uint8Array, mask: number, ring3Only = false): void {
  const cpu = m.cpu;
  m.phys.load(HANDLER, Uint8Array.from(pmHandler(false, ring3Only, mask)));
  m.phys.load(HANDLER_ERR, Uint8Array.from(pmHandler(true, ring3Only, mask)));
  GDT_ENTRIES.forEach(([lo, hi], k) => {
    m.phys.write32(GDT + k * 8, lo);
    m.phys.write32(GDT + k * 8 + 4, hi);
  });
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = GDT_ENTRIES.length * 8 - 1;
  // IDT: 256 32-bit interrupt gates to the handlers.
  for (let v = 0; v < 256; v++) {
    const h = WITH_ERROR.has(v) ? HANDLER_ERR : HANDLER;
    m.phys.write32(IDT + v * 8, (0x08 << 16) | h);
    m.phys.write32(IDT + v * 8 + 4, 0x8e00);
  }
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 256 * 8 - 1;
  m.phys.load(PM_CODE, code);
  enterFlat32(m, PM_CODE, KERNEL_STACK);
}

/**
 * CPL 3 with paging: the first 4 MiB mapped one to one, the harness's pages (below 64 KiB) and
 * the ring-0 stack supervisor-only, and among the rest every seventh page absent and every fifth
 * read-only. Exceptions switch to the ring-0 stack through the TSS and IRET back to ring 3.
 */
function setupUser(m: Machine, code: Uint8Array, mask: number): void {
  setupPm(m, code, mask, true);
  const cpu = m.cpu;
  m.phys.write32(TSS + 4, KERNEL_STACK); // ESP0
  m.phys.write32(TSS + 8, 0x10); //         SS0
  m.phys.write16(TSS + 0x66, 0x68); //     I/O map base: at the limit, so every port is closed
  cpu.trSel = 0x28;
  cpu.trBase = TSS;
  cpu.trLimit = 0x67;
  cpu.trType = 0xb;
  m.phys.write32(PAGE_DIR, PAGE_TABLE | 7);
  for (let k = 0; k < 1024; k++) {
    let pte = (k << 12) | 7; // present, writable, user
    if (k < 0x10 || k === (KERNEL_STACK >>> 12) - 1) pte &= ~4;
    else if (k >= 0x20 && k !== (USER_STACK >>> 12) - 1) {
      if (k % 7 === 3) pte = 0;
      else if (k % 5 === 1) pte &= ~2;
    }
    m.phys.write32(PAGE_TABLE + k * 4, pte);
  }
  cpu.cr3 = PAGE_DIR;
  cpu.cr0 |= CR0_PG;
  const code3 = GDT_ENTRIES[3]!;
  const data3 = GDT_ENTRIES[4]!;
  setSegmentCache(cpu, CS, 0x1b, parseDescriptor(code3[0], code3[1]));
  for (const s of [ES, SS, DS, FS, GS]) setSegmentCache(cpu, s, 0x23, parseDescriptor(data3[0], data3[1]));
  cpu.cpl = 3;
  cpu.reg[4] = USER_STACK;
  tlbFlush(cpu);
  updateAccessMasks(cpu);
  cpu.blockExit = true;
}

/** FNV-1a over RAM, a word at a time. */
export function hashRam(m: Machine): number {
  const words = new Int32Array(m.phys.ram.buffer, 0, m.phys.ramSize >> 2);
  let h = 0x811c9dc5;
  for (let k = 0; k < words.length; k++) h = Math.imul(h ^ words[k]!, 0x01000193);
  return h >>> 0;
}

/** The CPU model a seed runs on: every fourth seed a 486, the rest a 386. */
export function modelFor(seed: number): CpuModel {
  return seed % 4 === 0 ? 486 : 386;
}

export interface FuzzOptions {
  /**
   * Run the page as a loop: the handlers restart it at one of four entry points (LOOP_MASK), and
   * a jump at its end goes back to its start, so that the same blocks run many times.
   */
  loop?: boolean;
}

/**
 * A machine ready to run seed `seed`'s random page in `mode`, with random general registers
 * (ESP excepted, so memory operands land all over the address space).
 */
export function fuzzMachine(seed: number, mode: Mode, gen: Gen, model: CpuModel, opts: FuzzOptions = {}): Machine {
  const rand = mulberry32(seed * 8 + (mode === 'real' ? 0 : mode === 'pm32' ? 1 : 2) + (gen === 'insns' ? 4 : 0));
  const m = new Machine({ memoryBytes: RAM, cpu: model });
  const code = new Uint8Array(CODE_BYTES);
  if (gen === 'bytes') randomBytes(rand, code);
  else randomInsns(rand, code);
  const mask = opts.loop === true ? LOOP_MASK : SPREAD_MASK;
  if (opts.loop === true) {
    // jmp rel16/rel32 back to the start of the page, as its last instruction.
    const rel = -CODE_BYTES;
    const jmp = mode === 'real' ? [0xe9, rel & 0xff, (rel >>> 8) & 0xff] : [0xe9, ...le32(rel)];
    code.set(jmp, CODE_BYTES - jmp.length);
  }
  if (mode === 'real') setupReal(m, code, mask);
  else if (mode === 'pm32') setupPm(m, code, mask);
  else setupUser(m, code, mask);
  const cpu = m.cpu;
  for (const r of [0, 1, 2, 3, 5, 6, 7]) {
    const v = rand();
    cpu.reg[r] = mode === 'real' && rand() % 2 === 0 ? v & 0xffff : v;
  }
  return m;
}
