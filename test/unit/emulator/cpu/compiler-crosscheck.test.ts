// The block compiler (emulator/cpu/compile.ts) against the interpreter. A compiled block must do
// exactly what the interpreter does with the same block: the same registers, flags, segment state,
// EIP, CR2, clock, retired-instruction count and RAM, and the same exceptions at the same places.
// Each program here runs on two identical machines, one with cpu.compileAfter = Infinity (the
// interpreter only) and one with compileAfter = 1 (every block compiled the first time it runs) or
// 2-3 (blocks interpreted first, compiled in the middle of the run); test/harness/crosscheck.ts
// runs them in the same slices of the clock and compares everything after each slice.
//
//   random code   the fuzz test's machines (test/harness/fuzz-machine.ts): random bytes and random
//                 instructions, in real mode, flat 32-bit PM at CPL 0, and CPL 3 with paging; also
//                 run as a loop, so that the same blocks run many times
//   conformance   the SingleStepTests 80286 sample: every test passes or fails as it does interpreted
//   hand-written  self-modifying code, faults in the middle of hot blocks, string instructions, I/O,
//                 interrupts and mode changes
//
// CROSSCHECK_N=<n> runs n seeds of each random-code kind instead of the small default sample (and
// CROSSCHECK_SEED=<s> starts at seed s), for long runs outside `npm test`:
//   CROSSCHECK_N=200 npx vitest run test/unit/emulator/cpu/compiler-crosscheck.test.ts --testTimeout=0

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../../emulator/machine.ts';
import { EAX, EBX, EDI, EDX, ESI } from '../../../../emulator/cpu/registers.ts';
import { IF } from '../../../../emulator/cpu/state.ts';
import { crossCheck, cpuState, type CrossCheckSpec } from '../../../harness/crosscheck.ts';
import { COUNTER, CYCLES, fuzzMachine, type Gen, type Mode, modelFor } from '../../../harness/fuzz-machine.ts';
import { flat32, realMode } from '../../../harness/cpu.ts';
import { asm16, asm32 } from '../../../harness/gas.ts';
import { resolveKnown } from '../../../conformance/known-differences.ts';
import { loadMetadata, type MooTest } from '../../../conformance/moo.ts';
import { createConformanceMachine, runMooFile, type TestOutcome } from '../../../conformance/runner.ts';
import { enablePaging, enterRing3, GDT, installTables, PT, setGate } from './pm-fixture.ts';

const N = Number(process.env.CROSSCHECK_N ?? 2);
const SEED0 = Number(process.env.CROSSCHECK_SEED ?? 1);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(SEED0)) {
  throw new Error(`CROSSCHECK_N must be a whole number of seeds (at least 1) and CROSSCHECK_SEED a whole number: got ${process.env.CROSSCHECK_N}, ${process.env.CROSSCHECK_SEED}`);
}
const seeds = Array.from({ length: N }, (_, k) => SEED0 + k);

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

// --- random code ------------------------------------------------------------------------------

interface Variant {
  name: string;
  loop: boolean;
  compileAfter: number;
}

const VARIANTS: Variant[] = [
  { name: 'compiled at first run', loop: false, compileAfter: 1 },
  { name: 'run as a loop, compiled at first run', loop: true, compileAfter: 1 },
  { name: 'run as a loop, compiled at the third run', loop: true, compileAfter: 3 },
];

describe('compiled blocks run random code as the interpreter does', () => {
  for (const v of VARIANTS) {
    for (const mode of ['real', 'pm32', 'user'] as const) {
      for (const gen of ['bytes', 'insns'] as const) {
        it(`${mode}, random ${gen}, ${v.name} (seeds ${SEED0}..${SEED0 + N - 1})`, () => {
          let instructions = 0, exceptions = 0;
          for (const seed of seeds) {
            const r = crossCheck(fuzzSpec(seed, mode, gen, v));
            instructions += r.interpreter.cpu.instructions;
            exceptions += r.interpreter.phys.read32(COUNTER) & (mode === 'real' ? 0xffff : -1);
          }
          // The machines must have run code and taken exceptions, or nothing was compared.
          expect(instructions).toBeGreaterThan(N * 10);
          expect(exceptions).toBeGreaterThan(0);
        });
      }
    }
  }
});

function fuzzSpec(seed: number, mode: Mode, gen: Gen, v: Variant): CrossCheckSpec {
  const model = modelFor(seed);
  return {
    name: `seed ${seed} (${mode}, random ${gen}, ${model}${v.loop ? ', run as a loop' : ''})`,
    make: () => fuzzMachine(seed, mode, gen, model, { loop: v.loop }),
    compileAfter: v.compileAfter,
    cycles: CYCLES,
    // A few hundred cycles a slice, varied by seed so that slices end at different places.
    slice: 200 + ((seed * 97) % 300),
  };
}

// --- conformance ------------------------------------------------------------------------------

const SAMPLE = fileURLToPath(new URL('../../../conformance/sample/', import.meta.url));

interface TestRecord {
  idx: number;
  name: string;
  pass: boolean;
  diffs: string[];
  /** The CPU as the test left it (registers, flags, the clock...). */
  state: Map<string, string | number | boolean | null>;
}

/** Runs every sample file on one machine with the given compileAfter; the outcome of every test. */
function runSample(compileAfter: number): Map<string, TestRecord[]> {
  const metadata = loadMetadata(join(SAMPLE, 'metadata.json'));
  const machine = createConformanceMachine({ compileAfter });
  const out = new Map<string, TestRecord[]>();
  for (const file of readdirSync(SAMPLE).filter((f) => f.endsWith('.MOO.gz')).sort()) {
    const records: TestRecord[] = [];
    const onTest = (t: MooTest, r: TestOutcome, m: Machine): void => {
      const bytes = t.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      records.push({ idx: t.idx, name: `${t.name} [${bytes}]`, pass: r.pass, diffs: r.diffs, state: cpuState(m) });
    };
    runMooFile(join(SAMPLE, file), file, { metadata, machine, known: resolveKnown, onTest });
    out.set(file, records);
  }
  return out;
}

describe('compiled blocks pass the SingleStepTests 80286 sample as the interpreter does', () => {
  it('every test passes or fails the same way, leaving the CPU in the same state', () => {
    // Each test is one instruction and a HLT on a reset machine: compileAfter 1 compiles them all.
    const interpreted = runSample(Infinity);
    const compiled = runSample(1);
    let tests = 0;
    for (const [file, want] of interpreted) {
      const got = compiled.get(file)!;
      expect(got.map((g) => g.idx), `${file}: the tests run`).toEqual(want.map((w) => w.idx));
      want.forEach((w, k) => {
        const g = got[k]!;
        const what = `${file} test #${w.idx}, ${w.name}`;
        expect({ pass: g.pass, diffs: g.diffs }, `${what}: pass/fail, and the differences from the 286`).toEqual({ pass: w.pass, diffs: w.diffs });
        const differ = [...w.state].filter(([f, v]) => g.state.get(f) !== v).map(([f, v]) => `${f}: interpreter ${String(v)}, compiled ${String(g.state.get(f))}`);
        expect(differ, `${what}: the CPU state it left`).toEqual([]);
      });
      tests += want.length;
    }
    expect(tests).toBeGreaterThan(2000);
  });
});

// --- hand-written cases -----------------------------------------------------------------------

const intel = (src: string): string => `.intel_syntax noprefix\n${src}`;

/** Cross-checks the machine `make` builds at compileAfter 1, 2 and 3; returns the interpreter's. */
function checkAll(name: string, make: () => Machine, cycles = 2_000_000): Machine {
  let interp: Machine | null = null;
  for (const compileAfter of [1, 2, 3]) {
    // An odd slice, so that slices end inside loops at changing places; not much shorter, since
    // every slice ends in a compare of all RAM.
    const r = crossCheck({ name, make, compileAfter, cycles, slice: 499 });
    expect(r.interpreter.cpu.halted, `${name}: reached its HLT`).toBe(true);
    interp = r.interpreter;
  }
  return interp!;
}

const CODE = 0x10000, STACK = 0x90000, ESP0 = 0x80000, USER_STACK = 0x70000;
/** Handlers (each assembled at its own address). */
const H1 = 0x12000, H2 = 0x12400, H3 = 0x12800;
/** Data the handlers keep: counters, and a log of (CR2, error code) pairs. */
const DATA = 0x30000;
const PF = 14, GP = 13;

// RAM of the hand-written cases: as little as each needs, since every slice ends in a compare of
// all of it. With paging, pm-fixture.ts's page tables are at 1 MiB and the cases use up to 4 MiB.
const config = { memoryBytes: 1024 * 1024 };
const paged = { memoryBytes: 4 * 1024 * 1024 };

/** 32-bit `src` at CODE in flat PM at CPL 0 with pm-fixture.ts's tables; `handlers` by vector. */
function pm32(src: string, handlers: Array<[number, number, string]> = [], ram = config): Machine {
  const t = flat32(asm32(intel(src), CODE), { addr: CODE, stack: STACK, config: ram });
  installTables(t.m, { esp0: ESP0 });
  for (const [vector, at, h] of handlers) {
    t.m.phys.load(at, asm32(intel(h), at));
    setGate(t.m, vector, at);
  }
  return t.m;
}

describe('compiled blocks: self-modifying code', () => {
  it('a write to an instruction later in the same block ends the block, and the new bytes run', () => {
    // The MOV rewrites the immediate of the ADD two instructions on, in the same block.
    const src = `
      mov ecx, 300
      xor eax, eax
      xor ebx, ebx
    top:
      mov byte ptr [patch + 2], cl
      add ebx, 1
    patch:
      add eax, 0
      add ebx, 2
      dec ecx
      jnz top
      hlt`;
    const m = checkAll('SMC: an immediate rewritten in its own block', () => pm32(src));
    let sum = 0;
    for (let c = 1; c <= 300; c++) sum += (c << 24) >> 24; // 83 /0 ib: the byte is sign-extended
    expect(m.cpu.reg[EAX]).toBe(sum);
    expect(m.cpu.reg[EBX]).toBe(900);
  });

  it('rewriting an instruction into one of another length re-decodes what follows', () => {
    // Odd ECX: the two bytes are 88 CF (mov bh, cl); even: 46 46 (inc esi; inc esi).
    const src = `
      mov ecx, 200
    top:
      movzx edx, cl
      and edx, 1
      imul edx, edx, 0x8942
      add edx, 0x4646
      mov word ptr [op], dx
    op:
      inc esi
      inc esi
      add edi, ebx
      dec ecx
      jnz top
      hlt`;
    const m = checkAll('SMC: an instruction rewritten into one of another length', () => pm32(src));
    expect(m.cpu.reg[ESI]).toBe(200);
  });

  it('a REP MOVSB that copies new code over the instructions after it', () => {
    // Each iteration copies one of two 6-byte sequences (mov eax, imm32; nop) over `target`.
    const src = `
      mov edx, 100
      xor ebx, ebx
    top:
      mov esi, edx
      and esi, 1
      imul esi, esi, 6
      add esi, offset seqs
      mov edi, offset target
      mov ecx, 6
      rep movsb
    target:
      mov eax, 0
      nop
      add ebx, eax
      dec edx
      jnz top
      hlt
    seqs:
      mov eax, 1
      nop
      mov eax, 1000
      nop`;
    const m = checkAll('SMC: REP MOVSB over the code after it', () => pm32(src));
    expect(m.cpu.reg[EBX]).toBe(50 * 1 + 50 * 1000);
  });

  it('stores of each width rewriting immediates later in the same block', () => {
    // MOV r/m32, r32 rewrites a MOV's imm32; MOV r/m32, imm32 and MOV r/m8, imm8 rewrite ADDs'.
    const src = `
      mov ecx, 300
      xor edx, edx
      xor esi, esi
      xor edi, edi
    top:
      mov [patch + 1], ecx
      mov dword ptr [patch2 + 2], 7
      add ebx, 1
    patch:
      mov eax, 0
      add edx, eax
      mov byte ptr [patch3 + 2], 9
    patch2:
      add edi, 0x12345678
    patch3:
      add esi, 0
      dec ecx
      jnz top
      hlt`;
    const m = checkAll('SMC: 32-bit and 8-bit stores into the block', () => pm32(src));
    expect(m.cpu.reg[EDX]).toBe((300 * 301) / 2);
    expect(m.cpu.reg[ESI]).toBe(9 * 300);
    expect(m.cpu.reg[EDI]).toBe(7 * 300);
  });

  it('data written on the page of the running code', () => {
    // Every write to `counter` drops the page's blocks, the running one included.
    const src = `
      mov ecx, 300
      xor eax, eax
    top:
      inc dword ptr [counter]
      add eax, [counter]
      dec ecx
      jnz top
      hlt
    counter:
      .long 0`;
    const m = checkAll('SMC: data on the code page', () => pm32(src));
    expect(m.cpu.reg[EAX]).toBe((300 * 301) / 2);
  });

  it('16-bit code patching itself, with INT n and a #GP at offset FFFF in the same blocks', () => {
    // A word read at DS:FFFF raises #GP in real mode; the handler steps BX back and returns to
    // the read, which then succeeds. INT 40h's handler adds to a counter.
    const src = `
      mov word ptr [13 * 4], offset gp
      mov word ptr [13 * 4 + 2], 0
      mov word ptr [0x40 * 4], offset int40
      mov word ptr [0x40 * 4 + 2], 0
      mov cx, 400
      xor ax, ax
      xor dx, dx
    top:
      mov [patch + 2], cx
      mov bx, cx
      or bx, 0xfff0
      add ax, [bx]
      int 0x40
    patch:
      add dx, 0x1234
      dec cx
      jnz top
      hlt
    gp:
      dec bx
      inc word ptr [gpcount]
      iret
    int40:
      inc word ptr [intcount]
      iret
    gpcount:
      .word 0
    intcount:
      .word 0`;
    const code = asm16(intel(src), 0x1000);
    const m = checkAll('real mode: SMC, INT n and #GP', () => realMode(code, { config }).m);
    let dx = 0;
    for (let c = 1; c <= 400; c++) dx = (dx + c) & 0xffff;
    expect(m.cpu.reg[EDX]! & 0xffff).toBe(dx);
    const gpcount = m.phys.read16(0x1000 + code.length - 4);
    expect(gpcount).toBe(25); // CX = 0x...F: 400 / 16
    expect(m.phys.read16(0x1000 + code.length - 2)).toBe(400);
  });
});

/**
 * The #PF handler of the paging cases: logs CR2 and the error code at DATA + 8 * n (n counted at
 * DATA - 4, the log wrapping after 256 entries), then maps the page CR2 names and returns to the
 * faulting instruction.
 */
const PF_HANDLER = `
  push eax
  push ebx
  mov ebx, [${DATA - 4}]
  and ebx, 0xff
  mov eax, cr2
  mov [${DATA} + ebx * 8], eax
  mov eax, [esp + 8]
  mov [${DATA + 4} + ebx * 8], eax
  inc dword ptr [${DATA - 4}]
  mov eax, cr2
  shr eax, 12
  and eax, 0x3ff
  mov ebx, cr2
  and ebx, 0xfffff000
  or ebx, 7
  mov [${PT} + eax * 4], ebx
  pop ebx
  pop eax
  add esp, 4
  iretd`;

/** Operand values at the edges of the flags: zero, signs, the overflow boundaries. */
const EDGES = [0, 1, 5, -1, 0x7fffffff, 0x80000000 | 0, 0xfffffffe | 0];

/**
 * Instructions that set flags, each followed in the grid below by every Jcc. The compiler may
 * test a Jcc's condition on the operands of the instruction just before it (CMP then JL is
 * a < b), so the forms it knows (32-bit register ALU, INC, DEC, TEST) are here, and forms it may
 * not know, and a flag-setting instruction with another between it and the Jcc.
 */
const FLAG_SETTERS = [
  'cmp eax, ebx', '{load} cmp eax, ebx', 'sub eax, ebx', 'add eax, ebx', '{load} add eax, ebx', 'and eax, ebx',
  'or eax, ebx', 'xor eax, ebx', 'test eax, ebx', 'cmp eax, 5', 'cmp eax, 0x80000000', 'cmp ebx, -1',
  'add eax, 0x7fffffff', 'sub ebx, 1', 'cmp ebx, eax; inc eax', 'cmp eax, ebx; dec ebx', 'cmp eax, ebx; mov ecx, eax',
  'cmp ax, bx', 'cmp al, bl', 'adc ecx, ebx', 'neg eax', 'shl eax, 1', 'imul eax, ebx',
];
const CONDITIONS = ['o', 'no', 'b', 'nb', 'z', 'nz', 'be', 'nbe', 's', 'ns', 'p', 'np', 'l', 'nl', 'le', 'nle'];

describe('compiled blocks: flags and branches', () => {
  it('every Jcc after every flag-setting form, on operands at the edges', () => {
    // For each pair of EDGES (at DATA), each setter and each condition: load the pair, set the
    // flags, branch; the fall-through adds a number unique to the cell to EDI.
    const cells: string[] = [];
    let n = 0;
    for (const op of FLAG_SETTERS) {
      for (const cc of CONDITIONS) {
        n++;
        cells.push(`mov eax, [esi]\nmov ebx, [esi + 4]\n${op.replace('; ', '\n')}\nj${cc} 1f\nadd edi, ${n}\n1:`);
      }
    }
    const src = `
      mov esi, ${DATA}
      mov ebp, ${EDGES.length * EDGES.length}
    outer:
      ${cells.join('\n')}
      add esi, 8
      dec ebp
      jnz outer
      hlt`;
    const make = (): Machine => {
      const m = pm32(src);
      let at = DATA;
      for (const a of EDGES) {
        for (const b of EDGES) {
          m.phys.write32(at, a);
          m.phys.write32(at + 4, b);
          at += 8;
        }
      }
      return m;
    };
    const m = checkAll('flag-setting forms and every Jcc', make, 20_000_000);
    expect(m.cpu.reg[EDI]).not.toBe(0);
  });

  it('a 64-instruction block and straight-line code across a page boundary, in a loop', () => {
    // 200 register instructions from just below a page end: blocks end at 64 instructions, at the
    // page end, and one instruction straddles it.
    const body = Array.from({ length: 200 }, (_, k) => ['add eax, ecx', 'xor ebx, eax', 'sub edx, ebx', 'lea esi, [esi + eax * 2 + 7]', 'cmp eax, edx'][k % 5]).join('\n');
    const src = `
      mov ecx, 50
    top:
      ${body}
      dec ecx
      jnz top
      hlt`;
    const at = 0x10ff0 - 10;
    const make = (): Machine => {
      const t = flat32(asm32(intel(src), at), { addr: at, stack: STACK, config });
      return t.m;
    };
    checkAll('long blocks across a page boundary', make);
  });

  it('near jumps and branches past the CS limit (#GP at the branch), in a hot loop', () => {
    // CS 0x38: base 0, limit 0x10FFF. Every eighth turn JE targets 0x12000 (#GP; the handler
    // clears ZF in the saved EFLAGS, so the retried JE falls through); every eighth JMP does
    // (the handler returns past it).
    const src = `
      .byte 0xea
      .long start
      .word 0x38
    start:
      mov ecx, 200
    top:
      mov eax, ecx
      and eax, 7
      cmp eax, 3
      je beyond
      cmp eax, 5
      jne cont
      jmp beyond
    cont:
      add edx, ecx
      dec ecx
      jnz top
      hlt
      .org 0x1800
    gp:
      add esp, 4
      inc dword ptr [${DATA}]
      push eax
      mov eax, [esp + 4]
      cmp byte ptr [eax], 0xe9
      pop eax
      jne 1f
      mov dword ptr [esp], offset cont
      iretd
    1:
      and dword ptr [esp + 8], ~0x40
      iretd
      .org 0x2000
    beyond:
      hlt`;
    const make = (): Machine => {
      const m = pm32(src);
      m.phys.write32(GDT + 0x38, 0x00000fff);
      m.phys.write32(GDT + 0x3c, 0x00419a00);
      m.cpu.gdtrLimit = 0x3f;
      setGate(m, GP, CODE + 0x1800);
      return m;
    };
    const m = checkAll('branches past the CS limit', make);
    expect(m.phys.read32(DATA)).toBe(50);
    expect(m.cpu.eip).toBeLessThan(0x11000);
  });

  it('calls into a linear page whose frame changes between calls (blocks are found by physical address)', () => {
    // Linear 0x3F0000 maps frame 0x200000 or 0x201000 in turn (CR3 reloaded): two different
    // functions at the same linear address.
    const X = 0x3f0000, F1 = 0x200000, F2 = 0x201000;
    const src = `
      mov ecx, 200
    top:
      mov eax, ${X}
      call eax
      mov eax, ecx
      and eax, 1
      shl eax, 12
      add eax, ${F1 | 3}
      mov [${PT + (X >>> 12) * 4}], eax
      mov eax, cr3
      mov cr3, eax
      dec ecx
      jnz top
      hlt`;
    const make = (): Machine => {
      const m = pm32(src, [], paged);
      m.phys.load(F1, asm32(intel('add ebx, 1\nadd edx, ebx\nret'), X));
      m.phys.load(F2, asm32(intel('add ebx, 1000\nsub edx, 3\nnop\nret'), X));
      enablePaging(m);
      m.phys.write32(PT + (X >>> 12) * 4, F1 | 3);
      return m;
    };
    const m = checkAll('code pages remapped', make);
    expect(m.cpu.reg[EBX]).toBe(101 * 1 + 99 * 1000); // the first call, then odd ECX: F2
  });
});

describe('compiled blocks: faults in the middle of hot blocks', () => {
  it('a #PF on a memory operand (read and write) at CPL 3, the handler mapping the page and returning', () => {
    // Sixteen absent pages at 0x200000. Each iteration writes one (#PF, error code 6) and reads
    // another (#PF, error code 4) in the middle of its block; INT 80h (DPL 3) unmaps both again
    // and reloads CR3.
    const src = `
      mov ecx, 200
    top:
      mov eax, ecx
      and eax, 15
      shl eax, 12
      add eax, 0x200000
      mov ebx, ecx
      add ebx, 7
      and ebx, 15
      shl ebx, 12
      add ebx, 0x200000
      add edx, ecx
      mov [eax + 0x10], ecx
      add esi, [ebx + 0x20]
      imul edi, esi, 3
      int 0x80
      dec ecx
      jnz top
      int 0x81`;
    const unmap = `
      push eax
      push ebx
      shr eax, 12
      and eax, 0x3ff
      mov dword ptr [${PT} + eax * 4], 0
      shr ebx, 12
      and ebx, 0x3ff
      mov dword ptr [${PT} + ebx * 4], 0
      mov eax, cr3
      mov cr3, eax
      pop ebx
      pop eax
      iretd`;
    const make = (): Machine => {
      const m = pm32(src, [[PF, H1, PF_HANDLER], [0x80, H2, unmap], [0x81, H3, 'hlt']], paged);
      setGate(m, 0x80, H2, 3);
      setGate(m, 0x81, H3, 3);
      enablePaging(m, Array.from({ length: 16 }, (_, k) => 0x200000 + k * 0x1000));
      enterRing3(m, CODE, USER_STACK);
      return m;
    };
    const m = checkAll('#PF mid-block at CPL 3', make);
    expect(m.phys.read32(DATA - 4)).toBe(400);
    // The first iteration (ECX = 200): the write to page 8, then the read of page 15.
    expect([m.phys.read32(DATA), m.phys.read32(DATA + 4), m.phys.read32(DATA + 8), m.phys.read32(DATA + 12)].map(hex))
      .toEqual([hex(0x208010), hex(6), hex(0x20f020), hex(4)]);
  });

  it('a #GP from a segment limit, the handler moving the index back and returning', () => {
    // ES: base 0x40000, limit 0xFFF. EDI climbs by 0x104 a turn; past the limit the dword access
    // faults, and the handler masks EDI back into the segment.
    const src = `
      mov ax, 0x30
      mov es, ax
      mov ecx, 300
      xor edi, edi
    top:
      add eax, es:[edi]
      mov es:[edi], ecx
      add edi, 0x104
      inc ebx
      dec ecx
      jnz top
      hlt`;
    const gp = `
      add esp, 4
      inc dword ptr [${DATA}]
      and edi, 0xff
      iretd`;
    const make = (): Machine => {
      const m = pm32(src, [[GP, H1, gp]]);
      // Selector 0x30: data, DPL 0, base 0x40000, limit 0xFFF, byte granular.
      m.phys.write32(GDT + 0x30, 0x00000fff);
      m.phys.write32(GDT + 0x34, 0x00409204);
      m.cpu.gdtrLimit = 0x37;
      return m;
    };
    const m = checkAll('#GP (segment limit) mid-block', make);
    expect(m.phys.read32(DATA)).toBeGreaterThan(10);
    expect(m.cpu.reg[EBX]).toBe(300);
  });

  it('REP MOVSB / STOSD / CMPSB in a hot block, the copy running into an absent page', () => {
    // 5000 bytes (more than one chunk of iterations) from 0x20000 to 0x2FF800 + EBP: the copy
    // reaches the absent page at 0x300000 part-way (#PF, the handler maps it, the copy resumes
    // with the registers of the iterations done), and the page is unmapped again every turn.
    const src = `
      mov ebp, 60
    top:
      mov esi, 0x20000
      add esi, ebp
      mov edi, 0x2ff800
      add edi, ebp
      mov ecx, 5000
      cld
      rep movsb
      mov eax, ebp
      mov edi, 0x2fe000
      mov ecx, 300
      std
      rep stosd
      cld
      mov esi, 0x20000
      add esi, ebp
      mov edi, 0x2ff800
      add edi, ebp
      mov ecx, 3000
      repe cmpsb
      add ebx, ecx
      add edx, esi
      mov dword ptr [${PT} + 0x300 * 4], 0
      mov eax, cr3
      mov cr3, eax
      dec ebp
      jnz top
      hlt`;
    const make = (): Machine => {
      const m = pm32(src, [[PF, H1, PF_HANDLER]], paged);
      for (let k = 0; k < 0x2000; k++) m.phys.write8(0x20000 + k, (k * 7 + (k >> 8)) & 0xff);
      enablePaging(m, [0x300000]);
      return m;
    };
    const m = checkAll('REP string instructions mid-block, with a #PF part-way', make, 20_000_000);
    expect(m.phys.read32(DATA - 4)).toBe(60);
    expect(m.cpu.reg[EBX]).toBe(0); // REPE CMPSB found the copies equal
  });
});

describe('compiled blocks: I/O, interrupts and mode changes', () => {
  it('IN and OUT in hot blocks: the PIT read back (it shows the clock at the IN), the debug port, REP OUTSB', () => {
    const src = `
      mov al, 0x34
      out 0x43, al
      mov al, 0x00
      out 0x40, al
      mov al, 0x10
      out 0x40, al
      mov ecx, 200
    top:
      add ebx, ecx
      imul edx, ebx, 3
      xor al, al
      out 0x43, al
      in al, 0x40
      mov ah, al
      in al, 0x40
      add esi, eax
      mov [${DATA} + ecx * 2], ax
      out 0xe9, al
      mov dx, 0x300
      in ax, dx
      push ecx
      push esi
      mov esi, offset msg
      mov ecx, 3
      mov dx, 0xe9
      rep outsb
      pop esi
      pop ecx
      dec ecx
      jnz top
      hlt
    msg:
      .ascii "ok\\n"`;
    const m = checkAll('IN/OUT mid-block', () => pm32(src));
    // The PIT counts down between reads: not every latched value is the same.
    const reads = new Set(Array.from({ length: 200 }, (_, k) => m.phys.read16(DATA + (k + 1) * 2)));
    expect(reads.size).toBeGreaterThan(10);
  });

  it('timer interrupts arriving between hot blocks, at the same instructions', () => {
    // PIC at vector 20h with only IRQ 0 unmasked, the PIT's counter 0 at a short period; the
    // handler counts and acknowledges. First a loop of one block (which a compiled block may run
    // again by itself, so it must stop where the run loop would take the interrupt), then a loop
    // whose MOV SS holds interrupts off for one instruction each turn; then HLT waits for ticks
    // twenty times. A CLI; HLT ends the run.
    const src = `
      mov al, 0x11
      out 0x20, al
      mov al, 0x20
      out 0x21, al
      mov al, 0x04
      out 0x21, al
      mov al, 0x01
      out 0x21, al
      mov al, 0xfe
      out 0x21, al
      mov al, 0x34
      out 0x43, al
      mov al, 0x90
      out 0x40, al
      mov al, 0x01
      out 0x40, al
      sti
      mov ecx, 5000
    spin:
      add eax, ecx
      xor edx, eax
      rol edx, 3
      mov [${DATA} + 0x100], edx
      dec ecx
      jnz spin
      mov ecx, 5000
    top:
      add eax, ecx
      xor edx, eax
      mov bx, ss
      mov ss, bx
      rol edx, 3
      mov [${DATA} + 0x100], edx
      dec ecx
      jnz top
      mov ecx, 20
    idle:
      hlt
      add esi, [${DATA}]
      dec ecx
      jnz idle
      cli
      hlt`;
    const irq = `
      push eax
      inc dword ptr [${DATA}]
      mov eax, [${DATA} + 0x100]
      mov [${DATA} + 0x104], eax
      mov al, 0x20
      out 0x20, al
      pop eax
      iretd`;
    const m = checkAll('timer interrupts between hot blocks', () => pm32(src, [[0x20, H1, irq]]));
    expect(m.phys.read32(DATA)).toBeGreaterThan(5);
    expect(m.cpu.flags & IF).toBe(0);
  });

  it('far jumps and calls between real mode, 32-bit and 16-bit protected mode, in a loop', () => {
    const src = `
      .code16
      cli
      lgdtl gdtr
      movw $int40, 0x100
      movw $0, 0x102
      mov $300, %cx
    loop:
      mov %cr0, %eax
      or $1, %al
      mov %eax, %cr0
      ljmp $0x08, $pm32
      .code32
    pm32:
      mov $0x10, %ax
      mov %ax, %ds
      mov %ax, %es
      mov %ax, %ss
      incl counter32
      addl %ecx, sum32
      lcall $0x08, $far32
      ljmp $0x18, $pm16
    far32:
      addl $3, sum32
      lret
      .code16
    pm16:
      mov $0x20, %ax
      mov %ax, %ds
      mov %ax, %ss
      mov %cr0, %eax
      and $0xfe, %al
      mov %eax, %cr0
      ljmp $0, $real
    real:
      xor %ax, %ax
      mov %ax, %ds
      mov %ax, %ss
      mov %ax, %es
      incw counter16
      int $0x40
      lcall $0, $farreal
      dec %cx
      jnz loop
      hlt
    farreal:
      addw $5, sum16
      lret
    int40:
      incw count40
      iret
      .p2align 3
    gdt:
      .quad 0
      .quad 0x00cf9a000000ffff
      .quad 0x00cf92000000ffff
      .quad 0x00009a000000ffff
      .quad 0x000092000000ffff
    gdtr:
      .word gdtr - gdt - 1
      .long gdt
    counter32: .long 0
    sum32: .long 0
    counter16: .word 0
    sum16: .word 0
    count40: .word 0`;
    const code = asm16(src, 0x1000);
    const m = checkAll('mode changes and far transfers', () => realMode(code, { config }).m);
    const end = 0x1000 + code.length;
    expect(m.phys.read32(end - 14)).toBe(300); // counter32
    expect(m.phys.read16(end - 2)).toBe(300); // count40
    expect(m.cpu.cr0 & 1).toBe(0);
  });
});
