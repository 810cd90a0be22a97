// The block compiler's templates (emulator/cpu/compile.ts) must do exactly what the handlers they
// stand in for do. For every one-byte opcode (and the 0F ones with templates), this decodes
// encodings with register and memory operands, with and without 66/67 prefixes, compiles a block
// of that one instruction — and of it followed by each Jcc, which tests a flag-setting template's
// operands directly — and runs it on one machine while the other runs the same Insns as the
// interpreter does, from the same random state. It compares what an instruction can change: the
// general registers, EIP, insnStart, EFLAGS, the clock, memory, the exception raised.
// compiler-crosscheck.test.ts checks whole programs; this reaches every template and condition.

import { describe, expect, it } from 'vitest';
import { FAST_FORMS } from '../../../../emulator/cpu/blocks.ts';
import { blockSource, compileBlock } from '../../../../emulator/cpu/compile.ts';
import { CpuFault } from '../../../../emulator/cpu/faults.ts';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import type { Insn } from '../../../../emulator/cpu/insn.ts';
import { ONE_BYTE } from '../../../../emulator/cpu/opcodes.ts';
import { F_ENDS_BLOCK } from '../../../../emulator/cpu/optable.ts';
import type { Cpu } from '../../../../emulator/cpu/state.ts';
import type { TestMachine } from '../../../harness/cpu.ts';
import { CODE, flatMachine, randomizeCpus, randomValue, rng } from '../../../harness/random-state.ts';

const machine = flatMachine;

/** Both machines in the same random state: registers, lazy or plain flags, a DS limit, memory. */
function randomize(ts: TestMachine[], next: () => number, image: Uint8Array): void {
  // The clock only goes forward (devices follow it): both machines start at the later one's time.
  const now = Math.max(...ts.map((t) => t.m.cpu.cycles));
  const regs = Array.from({ length: 8 }, () => randomValue(next));
  for (const r of [3, 6, 7]) if (next() % 4 !== 0) regs[r] = 0x20000 + (next() % 0x40000);
  regs[4] = 0x40000 + (next() % 0x100) * 4;
  // Equal operands now and then, so that "equal", "below or equal" and "zero" are taken too.
  if (next() % 4 === 0) regs[next() % 8] = regs[next() % 8]!;
  randomizeCpus(ts.map((t) => t.m.cpu), regs, next);
  for (const t of ts) {
    const cpu = t.m.cpu;
    cpu.instructions = 0;
    cpu.cycles = now;
    cpu.blockExit = false;
    t.m.phys.ram.set(image, 0x10000);
  }
}

interface Outcome { regs: number[]; eip: number; insnStart: number; eflags: number; cycles: number; retired: number; fault: string }

const outcome = (cpu: Cpu, retired: number, fault: string): Outcome => ({
  regs: Array.from(cpu.reg.subarray(0, 8)), eip: cpu.eip, insnStart: cpu.insnStart, eflags: getEflags(cpu), cycles: cpu.cycles, retired, fault,
});

/** The Insns run as step.ts's runBlocks runs them. */
function interpret(cpu: Cpu, insns: Insn[]): Outcome {
  let eip = CODE, retired = 0;
  try {
    for (const i of insns) {
      cpu.insnStart = eip;
      cpu.eip = eip = (eip + i.len) | 0;
      cpu.cycles += i.cycles;
      i.handler(cpu, i);
      retired++;
      if (cpu.blockExit) break;
      eip = cpu.eip;
      if (eip !== cpu.insnStart + i.len) break; // a taken branch ends the block
    }
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    return outcome(cpu, retired, `${e.vector}/${e.errorCode}`);
  }
  return outcome(cpu, retired, '');
}

function runCompiled(cpu: Cpu, insns: Insn[]): Outcome {
  cpu.eip = CODE;
  // A budget that is spent after one run: a block that branches to itself runs once, as here.
  const r = compileBlock(insns, true)(cpu, CODE, cpu.cycles);
  if (r >= 0) return outcome(cpu, r, '');
  const f = cpu.blockFault!;
  cpu.blockFault = null;
  return outcome(cpu, ~r, `${f.vector}/${f.errorCode}`);
}

const MODRM_TAILS: number[][] = [
  [0xc0], [0xc3], [0xd9], [0xe5], [0xfe], [0xc8], [0xf7], [0xe0], [0xfc],
  [0x03], [0x06], [0x43, 0x7f], [0x46, 0x80], [0x87, 0x10, 0x00, 0x00, 0x00],
  [0x04, 0x73], [0x44, 0xb3, 0xfc], [0x05, 0x00, 0x30, 0x02, 0x00], [0x04, 0x5e], [0x0c, 0x4b],
];

function encodings(opBytes: number[], modrm: boolean, next: () => number): number[][] {
  const imm = Array.from({ length: 4 }, () => next() & 0xff);
  const out: number[][] = [];
  for (const prefix of [[], [0x66], [0x67]]) {
    if (!modrm) {
      out.push([...prefix, ...opBytes, ...imm]);
      continue;
    }
    // Every ModRM.reg (a group's operation), each with a sample of the r/m forms.
    for (let reg = 0; reg < 8; reg++) {
      for (let n = 0; n < 5; n++) {
        const tail = MODRM_TAILS[next() % MODRM_TAILS.length]!;
        out.push([...prefix, ...opBytes, (tail[0]! & 0xc7) | (reg << 3), ...tail.slice(1), ...imm]);
      }
    }
  }
  return out;
}

/** Decodes as the block builder does: the fast form in place of the generic handler. */
function decode(t: TestMachine, bytes: number[]): Insn | null {
  let i: Insn;
  try {
    i = t.m.cpu.blocks.decodeBytes(Uint8Array.from(bytes), true);
  } catch {
    return null;
  }
  i.handler = FAST_FORMS.get(i.handler)?.(i) ?? i.handler;
  return i;
}

describe('compiled blocks', () => {
  it('do what the handlers do, for every opcode, alone and followed by each Jcc', () => {
    const a = machine(), b = machine();
    const next = rng(4321);
    const image = Uint8Array.from({ length: 0x50000 }, () => next() & 0xff);
    const jcc = Array.from({ length: 16 }, (_, cc) => decode(a, [0x70 + cc, 0x10])!);
    let compared = 0, templated = 0;
    const ops: Array<[number[], boolean]> = [];
    for (let op = 0; op < 256; op++) {
      const row = ONE_BYTE[op]!;
      // Prefixes, HLT, control transfers and I/O are blocks' last instructions or not instructions.
      if ([0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0xf4].includes(op)) continue;
      ops.push([[op], row.modrm]);
    }
    for (const op2 of [0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0x94, 0x95, 0x9c, 0xa3, 0xba]) ops.push([[0x0f, op2], true]);
    for (const [opBytes, modrm] of ops) {
      for (const bytes of encodings(opBytes, modrm, next)) {
        const i = decode(a, bytes);
        if (i === null) continue;
        if (!blockSource([i], true).startsWith('k = 0;')) templated++;
        // An instruction that ends its block (a control transfer, I/O...) is never followed in one.
        const ends = (i.row!.flags & F_ENDS_BLOCK) !== 0;
        const followers: Insn[][] = [[i], ...(ends ? [] : [jcc[next() % 16]!, jcc[next() % 16]!]).map((j) => [i, j])];
        for (const insns of followers) {
          randomize([a, b], next, image);
          const want = interpret(a.m.cpu, insns);
          const got = runCompiled(b.m.cpu, insns);
          const what = `${bytes.map((x) => x.toString(16).padStart(2, '0')).join(' ')}${insns.length > 1 ? ` then ${insns[1]!.opcode.toString(16)}` : ''}`;
          if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `${what}\n${blockSource(insns, true)}`).toEqual(want);
          if (Buffer.compare(a.m.phys.ram, b.m.phys.ram) !== 0) expect.fail(`${what}: memory differs`);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(15_000);
    // Most encodings of the hot opcodes reach a template (or a call made with nothing stored first).
    expect(templated).toBeGreaterThan(1000);
  });
});
