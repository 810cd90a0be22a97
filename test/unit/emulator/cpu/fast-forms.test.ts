// The fast forms (ops/alu.ts, move.ts, control.ts FAST_FORMS; blocks.ts installs them when it
// builds a block) must behave exactly like the generic handlers they stand in for. For every
// opcode whose generic handler has a fast form, this decodes encodings with register and memory
// operands, with and without the 66/67 prefixes, then runs the generic and the fast handler on two
// machines in the same random state and compares everything an instruction can change: the
// general registers, EIP, EFLAGS, the clock, memory, and the exception raised, if any.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIRECT, FAST_FORMS } from '../../../../emulator/cpu/blocks.ts';
import { CpuFault } from '../../../../emulator/cpu/faults.ts';
import { getEflags } from '../../../../emulator/cpu/flags.ts';
import type { Handler, Insn } from '../../../../emulator/cpu/insn.ts';
import { ONE_BYTE } from '../../../../emulator/cpu/opcodes.ts';
import type { Cpu } from '../../../../emulator/cpu/state.ts';
import type { TestMachine } from '../../../harness/cpu.ts';
import { CODE, flatMachine, randomizeCpus, randomValue, rng } from '../../../harness/random-state.ts';

const machine = flatMachine;

/** Puts both machines in the same random state: registers, lazy or plain flags, and memory. */
function randomize(cpus: Cpu[], next: () => number): void {
  const regs = Array.from({ length: 8 }, () => randomValue(next));
  // Base registers for memory operands point into RAM most of the time, near a page end sometimes.
  for (const r of [3, 6, 7]) if (next() % 4 !== 0) regs[r] = 0x20000 + (next() % 0x40000);
  if (next() % 8 === 0) regs[3] = 0x1ffe;
  regs[4] = 0x40000 + (next() % 0x100) * 4; // ESP
  randomizeCpus(cpus, regs, next);
}

interface Outcome { regs: number[]; eip: number; eflags: number; cycles: number; fault: string }

function execute(t: TestMachine, i: Insn, h: Handler): Outcome {
  const cpu = t.m.cpu;
  cpu.insnStart = CODE;
  cpu.eip = CODE + i.len;
  let fault = '';
  try {
    h(cpu, i);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    fault = `${e.vector}/${e.errorCode}`;
  }
  return { regs: Array.from(cpu.reg.subarray(0, 8)), eip: cpu.eip, eflags: getEflags(cpu), cycles: cpu.cycles, fault };
}

/** ModRM bytes: every register pair for mod 3 (a sample), and memory forms with SIB and displacements. */
const MODRM_TAILS: number[][] = [
  [0xc0], [0xc3], [0xd9], [0xe5], [0xfe], [0xc8], [0xf7], // mod 3
  [0x03], [0x06], [0x43, 0x7f], [0x46, 0x80], [0x87, 0x10, 0x00, 0x00, 0x00], // [ebx] [esi] [ebx+disp8] [edi+disp32]
  [0x04, 0x73], [0x44, 0xb3, 0xfc], [0x05, 0x00, 0x30, 0x02, 0x00], // SIB, [disp32]
];

/** Instruction encodings to try for one-byte opcode `op`: with ModRM forms, immediates, prefixes. */
function encodings(op: number, next: () => number): number[][] {
  const row = ONE_BYTE[op]!;
  const imm = Array.from({ length: 4 }, () => next() & 0xff);
  const out: number[][] = [];
  for (const prefix of [[], [0x66], [0x67]]) {
    if (!row.modrm) {
      out.push([...prefix, op, ...imm]);
      continue;
    }
    for (let reg = 0; reg < 8; reg++) {
      for (const tail of MODRM_TAILS) {
        const modrm = (tail[0]! & 0xc7) | (reg << 3);
        // With a 67 prefix the ModRM is decoded as 16-bit addressing: the bytes still make some form.
        out.push([...prefix, op, modrm, ...tail.slice(1), ...imm]);
      }
    }
  }
  return out;
}

/** The same bytes in both machines' RAM, around the addresses the operands use. */
function resetMemory(ts: TestMachine[], image: Uint8Array): void {
  for (const t of ts) t.m.phys.ram.set(image, 0x10000);
}

/** Runs `i` with its generic handler on `a` and with `fast` on `b`, and compares what they did. */
function compare(a: TestMachine, b: TestMachine, i: Insn, fast: Handler, what: string): void {
  const ra = execute(a, i, i.handler);
  const rb = execute(b, i, fast);
  if (JSON.stringify(ra) !== JSON.stringify(rb)) expect(rb, what).toEqual(ra);
  if (Buffer.compare(b.m.phys.ram, a.m.phys.ram) !== 0) expect.fail(`${what}: memory differs`);
}

describe('fast forms', () => {
  it('do what the generic handlers do, for every opcode that has them', () => {
    const a = machine(), b = machine();
    const next = rng(1234);
    const image = Uint8Array.from({ length: 0x50000 }, () => next() & 0xff);
    let compared = 0;
    const seen = new Set<Handler>();
    for (let op = 0; op < 256; op++) {
      for (const bytes of encodings(op, next)) {
        let i: Insn;
        try {
          i = a.m.cpu.blocks.decodeBytes(Uint8Array.from(bytes), true);
        } catch {
          continue; // not an instruction
        }
        const choose = FAST_FORMS.get(i.handler);
        const fast = choose?.(i) ?? null;
        if (fast === null) continue;
        seen.add(fast);
        for (let trial = 0; trial < 6; trial++) {
          randomize([a.m.cpu, b.m.cpu], next);
          resetMemory([a, b], image);
          compare(a, b, i, fast, `${bytes.map((x) => x.toString(16)).join(' ')} (trial ${trial})`);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
    // Every fast form of the one-byte map was reached (the 0F map's MOVZX/MOVSX are covered below).
    for (const h of DIRECT) if (!['movzxbR32', 'movzxbM32'].includes(h.name)) expect(seen.has(h), h.name).toBe(true);
  });

  it('do what the generic handlers do for MOVZX and MOVSX (0F B6, B7, BE)', () => {
    const a = machine(), b = machine();
    const next = rng(99);
    const image = Uint8Array.from({ length: 0x50000 }, () => next() & 0xff);
    let compared = 0;
    for (const op2 of [0xb6, 0xb7, 0xbe]) {
      for (const prefix of [[], [0x66], [0x67]]) {
        for (let reg = 0; reg < 8; reg++) {
          for (const tail of MODRM_TAILS) {
            const bytes = [...prefix, 0x0f, op2, (tail[0]! & 0xc7) | (reg << 3), ...tail.slice(1)];
            const i = a.m.cpu.blocks.decodeBytes(Uint8Array.from(bytes), true);
            const fast = FAST_FORMS.get(i.handler)?.(i) ?? null;
            if (fast === null) continue;
            for (let trial = 0; trial < 4; trial++) {
              randomize([a.m.cpu, b.m.cpu], next);
              resetMemory([a, b], image);
              compare(a, b, i, fast, `${bytes.map((x) => x.toString(16)).join(' ')} (trial ${trial})`);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('are all reached by the run loop: its switch has case n calling DIRECT[n - 1], for every n', () => {
    const src = readFileSync(new URL('../../../../emulator/cpu/step.ts', import.meta.url), 'utf8');
    const cases = [...src.matchAll(/case (\d+): D\[(\d+)\]!\(cpu, i\); break;/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(cases).toEqual(DIRECT.map((_, k) => [k + 1, k]));
  });
});
