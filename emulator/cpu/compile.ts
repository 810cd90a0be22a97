// The block compiler: a block that has run cpu.compileAfter times becomes one JavaScript function
// (built with `new Function`), which runs its instructions in a straight line instead of the run
// loop's dispatch. It must do exactly what the interpreter does — same registers, flags, memory,
// EIP, cycles, retired instructions and faults at the same places — so it is built from the same
// parts: an instruction the compiler has no template for is a call to the handler the interpreter
// would call (each call site in a compiled block sees one function, so V8 can inline it), and a
// template is the body of that handler with the decoded fields written in as constants.
//
// What the interpreter does per instruction (step.ts runBlocks) and when the compiled code does it:
//   insnStart = its EIP; eip = the next; cycles += its clock count
// The compiled code stores these only where something can see them: before an instruction that
// can fault or that calls a handler (which may read EIP, the clock or insnStart), and once at the
// end. Between those points it runs register-only templates, which can neither fault nor look at
// EIP or the clock, and adds their clocks to the next store. A fault thus leaves cycles, EIP and
// insnStart as the interpreter leaves them, and the function returns the fault with the count of
// instructions retired before it, for step.ts to deliver.
//
// Flags stay lazy (flags.ts): a template records the operation as the handler does. A Jcc that
// follows a template's flag-setting instruction in the same block tests that instruction's own
// operands (a CMP then JL is `a < b`) instead of decoding the lazy record; the record is still
// written, since it is state the next block may read.

import { readLin32, readMem32Try, segWrite, writeLin32, writeMem32Try } from './access.ts';
import type { CompiledBlock } from './blocks.ts';
import { CpuFault } from './faults.ts';
import { getCF, getOF, getPF, getSF, getZF, LOP_ADD, LOP_CUSTOM, LOP_DEC, LOP_INC, LOP_LOGIC, LOP_SUB } from './flags.ts';
import type { Handler, Insn } from './insn.ts';
import { readMem16, readMem32, readMem8, writeMem8 } from './operands.ts';
import * as alu from './ops/alu.ts';
import * as bits from './ops/bits.ts';
import * as control from './ops/control.ts';
import * as move from './ops/move.ts';
import * as muldiv from './ops/muldiv.ts';
import * as shift from './ops/shift.ts';
import * as stack from './ops/stack.ts';
import { CS, REG8_BYTE, ZERO } from './registers.ts';
import { pop32, push32 } from './stack.ts';
import { CF, OF, TF } from './state.ts';

/** What a template knows of the flags the instruction before it recorded, for a following Jcc. */
interface FlagSource {
  /** LOP_* of the record. */
  lop: number;
  /** Names of the locals holding the operands and the result (32-bit, as int32). */
  a: string;
  b: string;
  r: string;
}

/** The emitted code of one instruction and how it behaves. */
interface Emitted {
  code: string;
  /** Needs EIP, insnStart and the clock stored before it (it may fault or call a handler). */
  sync: boolean;
  /** May set cpu.blockExit (a write that lands on a page with code, a handler): check after it. */
  mayExit: boolean;
  /** The flags it records, when a following Jcc can test them from locals. */
  flags?: FlagSource;
}

type Template = (i: Insn, k: number, next: string, prev: FlagSource | undefined) => Emitted | null;

const R = (r: number): string => `R[${r}]`;

/** The 32-bit effective address of i's memory operand as an expression (terms that are 0 left out). */
function ea32(i: Insn): string {
  const terms: string[] = [];
  if (i.base !== ZERO) terms.push(R(i.base));
  if (i.index !== ZERO) terms.push(i.scale === 0 ? R(i.index) : `(${R(i.index)} << ${i.scale})`);
  if (i.disp !== 0 || terms.length === 0) terms.push(String(i.disp | 0));
  return terms.length === 1 && terms[0]!.startsWith('R[') ? terms[0]! : `(${terms.join(' + ')}) | 0`;
}

const pure = (code: string, flags?: FlagSource): Emitted => ({ code, sync: false, mayExit: false, flags });

type AluOp = 'add' | 'or' | 'and' | 'sub' | 'xor' | 'cmp';
const ALU_SYMBOL: Record<AluOp, string> = { add: '+', or: '|', and: '&', sub: '-', xor: '^', cmp: '-' };

/**
 * `a op b` at `size` bits (8 or 32) into r{k}, stored by `store` unless the operation is CMP, then
 * the lazy record alu.ts makes (setFlagsAdd, setFlagsSub, setFlagsLogic), and what a following
 * Jcc can test of it. `a` and `b` are expressions, evaluated once each, `a` first.
 */
function aluCode(op: AluOp, size: 8 | 32, k: number, a: string, b: string, store: (r: string) => string): { code: string; flags: FlagSource } {
  const av = `a${k}`, bv = `b${k}`, rv = `r${k}`;
  const logic = op === 'and' || op === 'or' || op === 'xor';
  const x = `${av} ${ALU_SYMBOL[op]} ${bv}`;
  // AND, OR and XOR of values in range stay in range; a sum or difference is truncated.
  const result = logic ? x : size === 32 ? `(${x}) | 0` : `(${x}) & 0xff`;
  const lop = logic ? LOP_LOGIC : op === 'add' ? LOP_ADD : LOP_SUB;
  const record = logic ? `cpu.lop = ${lop}; cpu.lr = ${rv}; cpu.lsize = ${size};`
    : `cpu.lop = ${lop}; cpu.la = ${av}; cpu.lb = ${bv}; cpu.lr = ${rv}; cpu.lsize = ${size};`;
  return {
    code: `const ${av} = ${a}, ${bv} = ${b}, ${rv} = ${result};${op === 'cmp' ? '' : ` ${store(rv)}`} ${record}`,
    flags: { lop, a: av, b: bv, r: rv },
  };
}

/** `dst op= b` on 32-bit registers. */
function aluR32(op: AluOp, dst: number, b: string, k: number): Emitted {
  const { code, flags } = aluCode(op, 32, k, R(dst), b, (r) => `${R(dst)} = ${r};`);
  return pure(code, flags);
}

/**
 * SHL/SAL, SHR and SAR of a 32-bit register by an immediate (C1 /4 /5 /6 /7), as shift.ts computes
 * them: CF is the last bit shifted out, OF the count-1 formula (SAR's is 0), recorded as
 * LOP_CUSTOM. A masked count of 0 changes nothing. Rotates keep the handler.
 */
function shiftR32(i: Insn, k: number): Emitted | null {
  if (i.osize !== 32 || i.isMem || i.reg < 4) return null;
  const c = i.imm & 31;
  if (c === 0) return pure('');
  const a = `a${k}`, r = `r${k}`, cf = `c${k}`, d = R(i.rm);
  let body: string;
  if (i.reg === 5) body = `${r} = (${a} >>> ${c}) | 0, ${cf} = (${a} >>> ${c - 1}) & 1; ${d} = ${r}; cpu.laux = ${cf} | (((${r} >>> 31) ^ ((${r} >>> 30) & 1)) !== 0 ? ${OF} : 0);`;
  else if (i.reg === 7) body = `${r} = ${a} >> ${c}, ${cf} = (${a} >> ${c - 1}) & 1; ${d} = ${r}; cpu.laux = ${cf};`;
  else body = `${r} = ${a} << ${c}, ${cf} = (${a} >>> ${32 - c}) & 1; ${d} = ${r}; cpu.laux = ${cf} | (((${r} >>> 31) ^ ${cf}) !== 0 ? ${OF} : 0);`;
  return pure(`const ${a} = ${d}, ${body} cpu.lop = ${LOP_CUSTOM}; cpu.lr = ${r}; cpu.lsize = 32;`);
}

/**
 * IMUL Gv,Ev (0F AF) with 32-bit operands, as muldiv.ts: the low half of the product, CF = OF = 1
 * when the full product does not fit, and the 386's early-out clocks by the multiplier's size.
 */
function imulR32(i: Insn, k: number): Emitted | null {
  if (i.osize !== 32 || (i.isMem && i.asize !== 32)) return null;
  const a = `a${k}`, b = `b${k}`, p = `p${k}`, r = `r${k}`, m = `m${k}`;
  const src = i.isMem ? `readMem32(cpu, ${i.seg}, ${ea32(i)})` : R(i.rm);
  const base = 6 + (i.isMem ? 3 : 0) - i.cycles;
  const code = `const ${b} = ${src}, ${a} = ${R(i.reg)}, ${p} = ${a} * ${b}, ${r} = Math.imul(${a}, ${b}); ${R(i.reg)} = ${r}; ` +
    `cpu.lop = ${LOP_CUSTOM}; cpu.lr = ${r}; cpu.lsize = 32; cpu.laux = ${p} >= -2147483648 && ${p} <= 2147483647 ? 0 : ${CF | OF}; ` +
    `const ${m} = Math.abs(${b}); cpu.cycles += Math.max(${m} === 0 ? 3 : 32 - Math.clz32(${m} - 1), 3) + ${base};`;
  return { code, sync: i.isMem, mayExit: false };
}

/**
 * `[mem] op= b` on a dword (alu.ts aluMem32): the address is checked for writing, the old value
 * read, the new one written, then the flags recorded; CMP only reads.
 */
function aluM32(op: AluOp, i: Insn, b: string, k: number): Emitted {
  if (op === 'cmp') return { ...aluCode(op, 32, k, `readMem32(cpu, ${i.seg}, ${ea32(i)})`, b, () => ''), sync: true, mayExit: false };
  const l = `l${k}`;
  const { code, flags } = aluCode(op, 32, k, `readLin32(cpu, ${l})`, b, (r) => `writeLin32(cpu, ${l}, ${r});`);
  return { code: `const ${l} = segWrite(cpu, ${i.seg}, ${ea32(i)}, 4); ${code}`, sync: true, mayExit: true, flags };
}

/** `dst op= b` on bytes (dst and b are byte expressions: R8[...] or a read). */
function alu8(op: AluOp, dst: string, b: string, k: number): string {
  // No flags for a following Jcc: condFrom tests 32-bit operands.
  return aluCode(op, 8, k, dst, b, (r) => `${dst} = ${r};`).code;
}

/**
 * INC or DEC of a dword (a register, or memory through `read`/`write`): CF kept, as alu.ts's
 * setFlagsInc and setFlagsDec record it after the result is written.
 */
function incDec32(inc: boolean, k: number, read: string, write: (r: string) => string): { code: string; flags: FlagSource } {
  const r = `r${k}`, lop = inc ? LOP_INC : LOP_DEC;
  return {
    code: `const ${r} = (${read} ${inc ? '+' : '-'} 1) | 0; ${write(r)} const c${k} = getCF(cpu); cpu.lop = ${lop}; cpu.lr = ${r}; cpu.laux = c${k}; cpu.lsize = 32;`,
    flags: { lop, a: r, b: r, r },
  };
}

function incDecM32(i: Insn, k: number, inc: boolean): Emitted {
  const l = `l${k}`;
  const { code, flags } = incDec32(inc, k, `readLin32(cpu, ${l})`, (r) => `writeLin32(cpu, ${l}, ${r});`);
  return { code: `const ${l} = segWrite(cpu, ${i.seg}, ${ea32(i)}, 4); ${code}`, sync: true, mayExit: true, flags };
}

function incDecR32(i: Insn, k: number, inc: boolean): Emitted {
  const d = R(i.opcode & 7);
  const { code, flags } = incDec32(inc, k, d, (r) => `${d} = ${r};`);
  return pure(code, flags);
}

const R8 = (r: number): string => `R8[${REG8_BYTE[r as 0]}]`;

const ALU_NAMES: ReadonlyArray<AluOp | null> = ['add', 'or', null, null, 'and', 'sub', 'xor', 'cmp'];

/** The condition of Jcc `cc` (opcode & 15) from the lazy record, through flags.ts. */
function condLazy(cc: number): string {
  const lazy = [
    'getOF(cpu)', '!getOF(cpu)', 'getCF(cpu) !== 0', 'getCF(cpu) === 0', 'getZF(cpu)', '!getZF(cpu)',
    '(getCF(cpu) !== 0 || getZF(cpu))', '(getCF(cpu) === 0 && !getZF(cpu))', 'getSF(cpu)', '!getSF(cpu)',
    'getPF(cpu)', '!getPF(cpu)', 'getSF(cpu) !== getOF(cpu)', 'getSF(cpu) === getOF(cpu)',
    '(getZF(cpu) || getSF(cpu) !== getOF(cpu))', '(!getZF(cpu) && getSF(cpu) === getOF(cpu))',
  ];
  return lazy[cc]!;
}

/**
 * The condition of Jcc `cc` from the operands of the 32-bit instruction that set the flags, where it
 * is simpler than the lazy record's (i386 PRM Appendix D: for a subtraction a − b, "less" is a < b
 * signed and "below" a < b unsigned); null where it is not.
 */
function condFrom(cc: number, f: FlagSource): string | null {
  const { a, b, r } = f;
  const base = cc & ~1, neg = (cc & 1) !== 0;
  let c: string | null = null;
  if (f.lop === LOP_SUB) {
    c = [`((${a} ^ ${b}) & (${a} ^ ${r})) < 0`, `(${a} >>> 0) < (${b} >>> 0)`, `${a} === ${b}`, `(${a} >>> 0) <= (${b} >>> 0)`,
      `${r} < 0`, null, `${a} < ${b}`, `${a} <= ${b}`][base >> 1] ?? null;
  } else if (f.lop === LOP_LOGIC) {
    c = ['false', 'false', `${r} === 0`, `${r} === 0`, `${r} < 0`, null, `${r} < 0`, `${r} <= 0`][base >> 1] ?? null;
  } else if (f.lop === LOP_ADD) {
    c = [null, `(${r} >>> 0) < (${a} >>> 0)`, `${r} === 0`, null, `${r} < 0`, null, null, null][base >> 1] ?? null;
  } else if (f.lop === LOP_INC || f.lop === LOP_DEC) {
    c = [null, null, `${r} === 0`, null, `${r} < 0`, null, null, null][base >> 1] ?? null;
  }
  if (c === null) return null;
  return neg ? `!(${c})` : c;
}

/** Templates by the handler the block builder chose (after its FAST_FORMS). */
const TEMPLATES = new Map<Handler, Template>([
  [move.movEvGvR32, (i) => pure(`${R(i.rm)} = ${R(i.reg)};`)],
  [move.movGvEvR32, (i) => pure(`${R(i.reg)} = ${R(i.rm)};`)],
  [move.movRegImm32, (i) => pure(`${R(i.opcode & 7)} = ${i.imm | 0};`)],
  [move.movEvIvR32, (i) => pure(`${R(i.rm)} = ${i.imm | 0};`)],
  [move.lea32, (i) => pure(`${R(i.reg)} = ${ea32(i)};`)],
  [move.movzxbR32, (i) => pure(`${R(i.reg)} = ${i.rm < 4 ? `${R(i.rm)} & 0xff` : `(${R(i.rm & 3)} >> 8) & 0xff`};`)],
  [move.movzxwR32, (i) => pure(`${R(i.reg)} = ${R(i.rm)} & 0xffff;`)],
  // The dword MOVs to and from memory take a page fault back as a result (readMem32Try,
  // writeMem32Try): the block returns it for the run loop to deliver, with no throw.
  [move.movGvEvM32, (i, k) => ({
    code: `{ const v${k} = readMem32Try(cpu, ${i.seg}, ${ea32(i)}); if (cpu.blockFault !== null) return ~${k}; ${R(i.reg)} = v${k}; }`,
    sync: true, mayExit: false,
  })],
  [move.movzxbM32, (i) => ({ code: `${R(i.reg)} = readMem8(cpu, ${i.seg}, ${ea32(i)});`, sync: true, mayExit: false })],
  [move.movzxwM32, (i) => ({ code: `${R(i.reg)} = readMem16(cpu, ${i.seg}, ${ea32(i)});`, sync: true, mayExit: false })],
  [move.movGbEbM, (i) => ({ code: `${R8(i.reg)} = readMem8(cpu, ${i.seg}, ${ea32(i)});`, sync: true, mayExit: false })],
  [move.movEbGbM, (i) => ({ code: `writeMem8(cpu, ${i.seg}, ${ea32(i)}, ${R8(i.reg)});`, sync: true, mayExit: true })],
  [move.movEbGbR, (i) => pure(`${R8(i.rm)} = ${R8(i.reg)};`)],
  [move.movGbEbR, (i) => pure(`${R8(i.reg)} = ${R8(i.rm)};`)],
  [move.movEvGvM32, (i, k) => ({ code: `if (writeMem32Try(cpu, ${i.seg}, ${ea32(i)}, ${R(i.reg)})) return ~${k};`, sync: true, mayExit: true })],
  [move.movEvIvM32, (i, k) => ({ code: `if (writeMem32Try(cpu, ${i.seg}, ${ea32(i)}, ${i.imm | 0})) return ~${k};`, sync: true, mayExit: true })],
  [move.movEbIbM, (i) => ({ code: `writeMem8(cpu, ${i.seg}, ${ea32(i)}, ${i.imm & 0xff});`, sync: true, mayExit: true })],
  [shift.shiftEvIb, (i, k) => shiftR32(i, k)],
  // PUSH reads the register before ESP moves (PUSH ESP pushes the old value); POP writes the
  // register after (POP ESP loads the value popped), as stack.ts does.
  [stack.pushReg, (i) => (i.osize === 32 ? { code: `push32(cpu, ${R(i.opcode & 7)});`, sync: true, mayExit: true } : null)],
  [stack.popReg, (i) => (i.osize === 32 ? { code: `${R(i.opcode & 7)} = pop32(cpu);`, sync: true, mayExit: false } : null)],
  [stack.pushImm, (i) => (i.osize === 32 ? { code: `push32(cpu, ${i.imm | 0});`, sync: true, mayExit: true } : null)],
  [alu.addEvGvR32, (i, k) => aluR32('add', i.rm, R(i.reg), k)],
  [alu.subEvGvR32, (i, k) => aluR32('sub', i.rm, R(i.reg), k)],
  [alu.cmpEvGvR32, (i, k) => aluR32('cmp', i.rm, R(i.reg), k)],
  [alu.xorEvGvR32, (i, k) => aluR32('xor', i.rm, R(i.reg), k)],
  [alu.addEvIvR32, (i, k) => aluR32('add', i.rm, String(i.imm | 0), k)],
  [alu.subEvIvR32, (i, k) => aluR32('sub', i.rm, String(i.imm | 0), k)],
  [alu.cmpEvIvR32, (i, k) => aluR32('cmp', i.rm, String(i.imm | 0), k)],
  [alu.andEvIvR32, (i, k) => aluR32('and', i.rm, String(i.imm | 0), k)],
  [alu.orEvIvR32, (i, k) => aluR32('or', i.rm, String(i.imm | 0), k)],
  [alu.cmpEAXIv32, (i, k) => aluR32('cmp', 0, String(i.imm | 0), k)],
  [alu.aluEvGvR32, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? aluR32(op, i.rm, R(i.reg), k) : null; }],
  [alu.aluGvEvR32, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? aluR32(op, i.reg, R(i.rm), k) : null; }],
  [alu.aluEvIvR32, (i, k) => { const op = ALU_NAMES[i.reg]; return op ? aluR32(op, i.rm, String(i.imm | 0), k) : null; }],
  [alu.aluEAXIv32, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? aluR32(op, 0, String(i.imm | 0), k) : null; }],
  [alu.aluGvEvM32, (i, k) => {
    const op = ALU_NAMES[(i.opcode >> 3) & 7];
    return op ? { ...aluR32(op, i.reg, `readMem32(cpu, ${i.seg}, ${ea32(i)})`, k), sync: true } : null;
  }],
  [alu.cmpEbIbM, (i, k) => ({ code: alu8('cmp', `readMem8(cpu, ${i.seg}, ${ea32(i)})`, String(i.imm & 0xff), k), sync: true, mayExit: false })],
  [muldiv.imulGvEv, imulR32],
  [alu.aluEvGvM32, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? aluM32(op, i, R(i.reg), k) : null; }],
  [alu.aluEvIvM32, (i, k) => { const op = ALU_NAMES[i.reg]; return op ? aluM32(op, i, String(i.imm | 0), k) : null; }],
  [alu.incEM32, (i, k) => incDecM32(i, k, true)],
  [alu.decEM32, (i, k) => incDecM32(i, k, false)],
  [alu.aluEbIbR, (i, k) => { const op = ALU_NAMES[i.reg]; return op ? pure(alu8(op, R8(i.rm), String(i.imm & 0xff), k)) : null; }],
  [alu.aluEbGbR, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? pure(alu8(op, R8(i.rm), R8(i.reg), k)) : null; }],
  [alu.aluGbEbR, (i, k) => { const op = ALU_NAMES[(i.opcode >> 3) & 7]; return op ? pure(alu8(op, R8(i.reg), R8(i.rm), k)) : null; }],
  [alu.aluGbEbM, (i, k) => {
    const op = ALU_NAMES[(i.opcode >> 3) & 7];
    return op ? { code: alu8(op, R8(i.reg), `readMem8(cpu, ${i.seg}, ${ea32(i)})`, k), sync: true, mayExit: false } : null;
  }],
  [alu.cmpEbGbM, (i, k) => ({ code: alu8('cmp', `readMem8(cpu, ${i.seg}, ${ea32(i)})`, R8(i.reg), k), sync: true, mayExit: false })],
  [alu.testEvGvR32, (i, k) => pure(`const r${k} = ${R(i.rm)} & ${R(i.reg)}; cpu.lop = ${LOP_LOGIC}; cpu.lr = r${k}; cpu.lsize = 32;`,
    { lop: LOP_LOGIC, a: `r${k}`, b: `r${k}`, r: `r${k}` })],
  [alu.incReg32, (i, k) => incDecR32(i, k, true)],
  [alu.decReg32, (i, k) => incDecR32(i, k, false)],
  ...[control.jo32, control.jno32, control.jb32, control.jnb32, control.jz32, control.jnz32, control.jbe32, control.jnbe32,
    control.js32, control.jns32, control.jp32, control.jnp32, control.jl32, control.jnl32, control.jle32, control.jnle32]
    .map((h, cc): [Handler, Template] => [h, (i, k, next, prev) => {
      const cond = (prev !== undefined ? condFrom(cc, prev) : null) ?? condLazy(cc);
      // Taken: the target must lie within CS's limit; if not, the handler raises the fault.
      return {
        code: `if (${cond}) { const t = ((${next}) + ${i.imm | 0}) | 0; if (t >>> 0 > cpu.segLimit[${CS}]) H${k}(cpu, I${k}); else { cpu.eip = t; cpu.cycles += ${i.cyclesExtra}; } }`,
        sync: true, mayExit: false,
      };
    }]),
  [control.jmpNear32, (i, k, next) => ({
    code: `{ const t = ((${next}) + ${i.imm | 0}) | 0; if (t >>> 0 > cpu.segLimit[${CS}]) H${k}(cpu, I${k}); else cpu.eip = t; }`,
    sync: true, mayExit: false,
  })],
]);

/**
 * Handlers with no template that, in their register form, only compute on registers and flags:
 * they cannot fault and do not look at EIP, insnStart or the clock (they may add data-dependent
 * clocks, which commutes with the additions the compiler defers), so they are called with nothing
 * stored first and nothing checked after.
 */
const REGISTER_ONLY = new Set<Handler>([
  shift.shiftEb1, shift.shiftEv1, shift.shiftEbCL, shift.shiftEvCL, shift.shiftEbIb, shift.shiftEvIb, shift.shld, shift.shrd,
  muldiv.imulGvEv, muldiv.imulGvEvI, muldiv.mulE, alu.notE, alu.negE, alu.incE, alu.decE, alu.incReg, alu.decReg,
  alu.aluEbGbR, alu.aluGbEbR, alu.aluEbIbR, alu.aluEvGvR32, alu.aluGvEvR32, alu.aluEvIvR32, alu.aluEAXIv32,
  alu.aluEbGb, alu.aluEvGv, alu.aluGbEb, alu.aluGvEv, alu.aluEbIb, alu.aluEvIv, alu.aluALIb, alu.aluEAXIv,
  alu.testEbGbR, alu.testEvGvR32, alu.testEbGb, alu.testEvGv, alu.testAccImm, alu.testEImm,
  move.movEbGbR, move.movGbEbR, move.movEbGb, move.movGbEb, move.movEvGv, move.movGvEv, move.movEbIb, move.movEvIv,
  move.movRegImm8, move.movRegImm, move.nop, move.lea, move.movzxb, move.movzxw, move.movsxb, move.movsxw, move.movsxbR32,
  move.xchgEbGb, move.xchgEvGv, move.xchgEAX, move.cbw, move.cwd, bits.setcc,
]);

/**
 * Handlers whose every access is a read (of their memory operand or the stack): they may fault, so
 * the state is stored before them, but they cannot end the block.
 */
const READS_ONLY = new Set<Handler>([
  alu.cmpEbIbM, alu.cmpEbGbM, alu.aluGvEvM32, alu.aluGbEbM, alu.aluGvEv, alu.aluGbEb, alu.testEbGb, alu.testEvGv, alu.testEImm,
  move.movGbEbM, move.movGbEb, move.movGvEv, move.movzxb, move.movzxw, move.movsxb, move.movsxw, move.movzxbM32,
  move.movzxwM32, move.movsxbM32, muldiv.imulGvEv, muldiv.imulGvEvI, stack.popReg,
]);

/** Branches whose target the compiler knows (a block that branches to itself loops inside). */
const SELF_LOOP = new Set<Handler>([
  control.jo32, control.jno32, control.jb32, control.jnb32, control.jz32, control.jnz32, control.jbe32, control.jnbe32,
  control.js32, control.jns32, control.jp32, control.jnp32, control.jl32, control.jnl32, control.jle32, control.jnle32,
  control.jmpNear32,
]);

/**
 * What makes the run loop (step.ts runBlocks) stop between two blocks or do something else first:
 * the budget spent, an interrupt to take, the interrupt shadow, a request to return, HLT, TF, the
 * instruction trace. A compiled loop of one block runs again only when none holds.
 */
const STOP = `cpu.cycles >= until || cpu.irqPending || cpu.nmiPending || cpu.inhibitIrq || cpu.stopRequested || cpu.halted || (cpu.flags & ${TF}) !== 0 || cpu.traceInsn !== null`;

/** What generated code may refer to besides its own H/I constants. */
const RUNTIME = { CpuFault, getCF, getOF, getPF, getSF, getZF, readMem8, readMem16, readMem32, writeMem8, push32, pop32, segWrite, readLin32, writeLin32, readMem32Try, writeMem32Try };
const RUNTIME_NAMES = Object.keys(RUNTIME);
const RUNTIME_VALUES = Object.values(RUNTIME);

/** The call of an instruction's own handler, and what it needs around it. */
function handlerCall(i: Insn, k: number): Emitted {
  const code = `H${k}(cpu, I${k});`;
  if (!i.isMem && REGISTER_ONLY.has(i.handler)) return { code, sync: false, mayExit: false };
  return { code, sync: true, mayExit: !READS_ONLY.has(i.handler) };
}

/** The source of block `insns` as a function body (exported for tests and for reading). */
export function blockSource(insns: readonly Insn[], code32: boolean): string {
  const ip = (x: string): string => (code32 ? `(${x}) | 0` : `(${x}) & 0xffff`);
  const at = (off: number): string => (off === 0 ? 'e' : ip(`e + ${off}`));
  const out: string[] = [];
  let off = 0;
  let pending = 0; // clocks of register-only instructions not yet added
  let prevFlags: FlagSource | undefined;
  let synced = false; // the last instruction stored EIP, insnStart and the clock itself
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k]!;
    const start = off;
    off += i.len;
    const next = at(off);
    // 16-bit code runs the handlers (templates assume 32-bit EIP arithmetic).
    const t = code32 ? TEMPLATES.get(i.handler) : undefined;
    const em = t?.(i, k, next, prevFlags) ?? handlerCall(i, k);
    if (em.sync) {
      out.push(`k = ${k}; cpu.insnStart = ${at(start)}; cpu.eip = ${next}; cpu.cycles += ${pending + i.cycles};`);
      pending = 0;
    } else {
      pending += i.cycles;
    }
    synced = em.sync;
    out.push(em.code);
    if (em.mayExit && k < insns.length - 1) out.push(`if (cpu.blockExit) return ${k + 1};`);
    prevFlags = em.flags;
  }
  // The state the interpreter leaves after the last instruction (unless it moved EIP itself).
  if (!synced) out.push(`cpu.insnStart = ${at(off - insns[insns.length - 1]!.len)}; cpu.eip = ${at(off)}; cpu.cycles += ${pending};`);
  const n = insns.length;
  const last = insns[n - 1]!;
  if (code32 && SELF_LOOP.has(last.handler) && last.imm === -off) {
    // A loop of one block (its branch goes back to its own first instruction): it runs again here,
    // on the conditions the run loop would check before running it again — no interrupt to take,
    // budget left, nothing asking the loop to return (step.ts runBlocks) — and counts what retired.
    out.push(`if (cpu.eip !== e || ${STOP}) return ${n};`);
    out.push(`cpu.instructions += ${n};`);
    return `for (;;) {\n${out.join('\n')}\n}`;
  }
  out.push(`return ${n};`);
  return out.join('\n');
}

/** Compiles a block; its instructions are kept as constants of the function. */
export function compileBlock(insns: readonly Insn[], code32: boolean): CompiledBlock {
  const body = blockSource(insns, code32);
  const consts = insns.map((_, k) => `const H${k} = HS[${k}], I${k} = IS[${k}];`).join('\n');
  // A fault is returned, not rethrown (a rethrow would double its cost): ~k, where k is the
  // number of instructions that retired before it, with the fault in cpu.blockFault.
  const src = `${consts}\nreturn function compiledBlock(cpu, e, until) {\nconst R = cpu.reg, R8 = cpu.reg8;\nlet k = 0;\ntry {\n${body}\n} catch (x) {\n` +
    `if (!(x instanceof CpuFault)) throw x;\ncpu.blockFault = x;\nreturn ~k;\n}\n};`;
  const make = new Function('HS', 'IS', ...RUNTIME_NAMES, src) as (...args: unknown[]) => CompiledBlock;
  return make(insns.map((i) => i.handler), insns, ...RUNTIME_VALUES);
}
