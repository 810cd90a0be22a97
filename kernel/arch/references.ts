// The memory references of one instruction, decoded from its bytes: what the fault handler needs
// when a ring-3 instruction in a segmented process raises #GP(0) or #SS(0). A limit violation's
// error code is 0 and does not say which reference crossed the limit (i386 PRM 9.8.12 "Interrupt
// 13 -- General Protection Exception", 9.8.11 "Interrupt 12 -- Stack Exception"), so the kernel
// decodes the instruction at CS:EIP, as a real kernel's fault handler does, and reports the
// selector, offset and limit of the reference that lies outside its segment.
//
// The decoding follows i386 PRM 17.2 "Instruction Format": the prefixes, the opcode, then
// 17.2.1 "ModR/M and SIB Bytes" (Table 17-3 "32-Bit Addressing Forms with the ModR/M Byte",
// Table 17-4 "32-Bit Addressing Forms with the SIB Byte", and Table 17-2 for the 16-bit forms an
// 0x67 prefix selects), then the displacement. The maps are Appendix A "Opcode Map", in its
// notation ("Codes for Addressing Method / Operand Type"):
//
//   E   a ModR/M operand: memory unless mod = 11      M   ModR/M memory only (LEA's M: no access)
//   O   a moffs: the address follows the opcode     X   DS:eSI (a prefix may override DS)
//   Y   ES:eDI (never overridden)                    G S R C D T I J A  no memory operand
//   b byte  w word  d dword  v word or dword by operand size  p 32- or 48-bit far pointer
//   a two words or dwords (BOUND)  s the 6-byte pseudo-descriptor (SGDT, LGDT)
//
// Which way a memory operand goes is the mnemonic's: the first operand is the destination, read
// and written, unless the mnemonic only writes it (MOV, POP, SETcc, STOS) or only reads it (CMP,
// TEST, PUSH, CALL); every later operand is read. The stack references (PUSH, CALL, RET, ...) are
// SS:ESP-relative with a 32-bit stack (the B bit of every user stack segment is set).
//
// Not listed: the instruction fetch (the caller checks EIP against CS's limit), the descriptor-
// table reads of a far transfer or a segment load, the inner-ring stack of a call through a gate,
// ENTER's check of the final ESP after the frame is allocated, and the coprocessor escapes (D8-DF:
// ts386 has no FPU and CR0.EM = 1, so they raise #NM before any reference; they decode as unknown).

export type SegReg = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS';

/** One memory reference: `size` bytes at `seg`:`offset` (32-bit, wrapped). */
export interface Reference { seg: SegReg; offset: number; size: number; write: boolean }

/** The registers as the trap frame has them. */
export interface Registers { EAX: number; ECX: number; EDX: number; EBX: number; ESP: number; EBP: number; ESI: number; EDI: number; EIP: number }

// --- the opcode maps (i386 PRM Appendix A) ---------------------------------------------------------

// One row per eight opcodes, labelled with the first; '-' is no instruction here (a prefix, the 0F
// escape, a coprocessor escape, or undefined).
const ONE_BYTE = opcodeMap(`
  00  ADD Eb,Gb    | ADD Ev,Gv    | ADD Gb,Eb    | ADD Gv,Ev    | ADD AL,Ib    | ADD eAX,Iv   | PUSH ES      | POP ES
  08  OR Eb,Gb     | OR Ev,Gv     | OR Gb,Eb     | OR Gv,Ev     | OR AL,Ib     | OR eAX,Iv    | PUSH CS      | -
  10  ADC Eb,Gb    | ADC Ev,Gv    | ADC Gb,Eb    | ADC Gv,Ev    | ADC AL,Ib    | ADC eAX,Iv   | PUSH SS      | POP SS
  18  SBB Eb,Gb    | SBB Ev,Gv    | SBB Gb,Eb    | SBB Gv,Ev    | SBB AL,Ib    | SBB eAX,Iv   | PUSH DS      | POP DS
  20  AND Eb,Gb    | AND Ev,Gv    | AND Gb,Eb    | AND Gv,Ev    | AND AL,Ib    | AND eAX,Iv   | -            | DAA
  28  SUB Eb,Gb    | SUB Ev,Gv    | SUB Gb,Eb    | SUB Gv,Ev    | SUB AL,Ib    | SUB eAX,Iv   | -            | DAS
  30  XOR Eb,Gb    | XOR Ev,Gv    | XOR Gb,Eb    | XOR Gv,Ev    | XOR AL,Ib    | XOR eAX,Iv   | -            | AAA
  38  CMP Eb,Gb    | CMP Ev,Gv    | CMP Gb,Eb    | CMP Gv,Ev    | CMP AL,Ib    | CMP eAX,Iv   | -            | AAS
  40  INC eAX      | INC eCX      | INC eDX      | INC eBX      | INC eSP      | INC eBP      | INC eSI      | INC eDI
  48  DEC eAX      | DEC eCX      | DEC eDX      | DEC eBX      | DEC eSP      | DEC eBP      | DEC eSI      | DEC eDI
  50  PUSH eAX     | PUSH eCX     | PUSH eDX     | PUSH eBX     | PUSH eSP     | PUSH eBP     | PUSH eSI     | PUSH eDI
  58  POP eAX      | POP eCX      | POP eDX      | POP eBX      | POP eSP      | POP eBP      | POP eSI      | POP eDI
  60  PUSHA        | POPA         | BOUND Gv,Ma  | ARPL Ew,Gw   | -            | -            | -            | -
  68  PUSH Iv      | IMUL Gv,Ev,Iv | PUSH Ib     | IMUL Gv,Ev,Ib | INS Yb,DX   | INS Yv,DX    | OUTS DX,Xb   | OUTS DX,Xv
  70  JO Jb        | JNO Jb       | JB Jb        | JNB Jb       | JZ Jb        | JNZ Jb       | JBE Jb       | JNBE Jb
  78  JS Jb        | JNS Jb       | JP Jb        | JNP Jb       | JL Jb        | JNL Jb       | JLE Jb       | JNLE Jb
  80  Grp1 Eb,Ib   | Grp1 Ev,Iv   | Grp1 Eb,Ib   | Grp1 Ev,Ib   | TEST Eb,Gb   | TEST Ev,Gv   | XCHG Eb,Gb   | XCHG Ev,Gv
  88  MOV Eb,Gb    | MOV Ev,Gv    | MOV Gb,Eb    | MOV Gv,Ev    | MOV Ew,Sw    | LEA Gv,M     | MOV Sw,Ew    | Grp1A Ev
  90  NOP          | XCHG eCX,eAX | XCHG eDX,eAX | XCHG eBX,eAX | XCHG eSP,eAX | XCHG eBP,eAX | XCHG eSI,eAX | XCHG eDI,eAX
  98  CBW          | CWD          | CALL Ap      | WAIT         | PUSHF        | POPF         | SAHF         | LAHF
  A0  MOV AL,Ob    | MOV eAX,Ov   | MOV Ob,AL    | MOV Ov,eAX   | MOVS Yb,Xb   | MOVS Yv,Xv   | CMPS Xb,Yb   | CMPS Xv,Yv
  A8  TEST AL,Ib   | TEST eAX,Iv  | STOS Yb,AL   | STOS Yv,eAX  | LODS AL,Xb   | LODS eAX,Xv  | SCAS AL,Yb   | SCAS eAX,Yv
  B0  MOV AL,Ib    | MOV CL,Ib    | MOV DL,Ib    | MOV BL,Ib    | MOV AH,Ib    | MOV CH,Ib    | MOV DH,Ib    | MOV BH,Ib
  B8  MOV eAX,Iv   | MOV eCX,Iv   | MOV eDX,Iv   | MOV eBX,Iv   | MOV eSP,Iv   | MOV eBP,Iv   | MOV eSI,Iv   | MOV eDI,Iv
  C0  Grp2 Eb,Ib   | Grp2 Ev,Ib   | RET Iw       | RET          | LES Gv,Mp    | LDS Gv,Mp    | Grp11 Eb,Ib  | Grp11 Ev,Iv
  C8  ENTER Iw,Ib  | LEAVE        | RETF Iw      | RETF         | INT 3        | INT Ib       | INTO         | IRET
  D0  Grp2 Eb,1    | Grp2 Ev,1    | Grp2 Eb,CL   | Grp2 Ev,CL   | AAM Ib       | AAD Ib       | -            | XLAT
  D8  -            | -            | -            | -            | -            | -            | -            | -
  E0  LOOPNE Jb    | LOOPE Jb     | LOOP Jb      | JCXZ Jb      | IN AL,Ib     | IN eAX,Ib    | OUT Ib,AL    | OUT Ib,eAX
  E8  CALL Jv      | JMP Jv       | JMP Ap       | JMP Jb       | IN AL,DX     | IN eAX,DX    | OUT DX,AL    | OUT DX,eAX
  F0  -            | -            | -            | -            | HLT          | CMC          | Grp3 Eb      | Grp3 Ev
  F8  CLC          | STC          | CLI          | STI          | CLD          | STD          | Grp4 Eb      | Grp5 Ev
`);

// The two-byte map (0F xx), with the 486's CMPXCHG, XADD, BSWAP, INVD, WBINVD and INVLPG and CPUID.
const TWO_BYTE = opcodeMap(`
  00  Grp6         | Grp7         | LAR Gv,Ew    | LSL Gv,Ew    | -            | -            | CLTS         | -
  08  INVD         | WBINVD       | -            | -            | -            | -            | -            | -
  20  MOV Rd,Cd    | MOV Rd,Dd    | MOV Cd,Rd    | MOV Dd,Rd    | MOV Rd,Td    | -            | MOV Td,Rd    | -
  80  JO Jv        | JNO Jv       | JB Jv        | JNB Jv       | JZ Jv        | JNZ Jv       | JBE Jv       | JNBE Jv
  88  JS Jv        | JNS Jv       | JP Jv        | JNP Jv       | JL Jv        | JNL Jv       | JLE Jv       | JNLE Jv
  90  SETO Eb      | SETNO Eb     | SETB Eb      | SETNB Eb     | SETZ Eb      | SETNZ Eb     | SETBE Eb     | SETNBE Eb
  98  SETS Eb      | SETNS Eb     | SETP Eb      | SETNP Eb     | SETL Eb      | SETNL Eb     | SETLE Eb     | SETNLE Eb
  A0  PUSH FS      | POP FS       | CPUID        | BT Ev,Gv     | SHLD Ev,Gv,Ib | SHLD Ev,Gv,CL | -          | -
  A8  PUSH GS      | POP GS       | -            | BTS Ev,Gv    | SHRD Ev,Gv,Ib | SHRD Ev,Gv,CL | -          | IMUL Gv,Ev
  B0  CMPXCHG Eb,Gb | CMPXCHG Ev,Gv | LSS Gv,Mp  | BTR Ev,Gv    | LFS Gv,Mp    | LGS Gv,Mp    | MOVZX Gv,Eb  | MOVZX Gv,Ew
  B8  -            | -            | Grp8 Ev,Ib   | BTC Ev,Gv    | BSF Gv,Ev    | BSR Gv,Ev    | MOVSX Gv,Eb  | MOVSX Gv,Ew
  C0  XADD Eb,Gb   | XADD Ev,Gv   | -            | -            | -            | -            | -            | -
  C8  BSWAP eAX    | BSWAP eCX    | BSWAP eDX    | BSWAP eBX    | BSWAP eSP    | BSWAP eBP    | BSWAP eSI    | BSWAP eDI
`);

// The groups (Appendix A, "Opcodes determined by bits 5,4,3 of ModR/M byte"), by ModR/M.reg. A
// bare mnemonic takes the map's operands; null is undefined. Grp2 /6 is SHL's alias on the 386.
const GROUPS: Readonly<Record<string, readonly (string | null)[]>> = {
  Grp1: ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'],
  Grp1A: ['POP', null, null, null, null, null, null, null],
  Grp2: ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SHL', 'SAR'],
  Grp3: ['TEST', null, 'NOT', 'NEG', 'MUL', 'IMUL', 'DIV', 'IDIV'],
  Grp4: ['INC', 'DEC', null, null, null, null, null, null],
  Grp5: ['INC', 'DEC', 'CALL Ev', 'CALL Ep', 'JMP Ev', 'JMP Ep', 'PUSH Ev', null],
  Grp6: ['SLDT Ew', 'STR Ew', 'LLDT Ew', 'LTR Ew', 'VERR Ew', 'VERW Ew', null, null],
  Grp7: ['SGDT Ms', 'SIDT Ms', 'LGDT Ms', 'LIDT Ms', 'SMSW Ew', null, 'LMSW Ew', 'INVLPG M'],
  Grp8: [null, null, null, null, 'BT', 'BTS', 'BTR', 'BTC'],
  Grp11: ['MOV', null, null, null, null, null, null, null],
};

/** Mnemonics that only write their first operand, and those that only read it. */
const WRITES_DEST = new Set(['MOV', 'POP', 'STOS', 'MOVS', 'INS', 'SGDT', 'SIDT', 'SLDT', 'STR', 'SMSW']);
const READS_DEST = new Set(['CMP', 'TEST', 'BT', 'PUSH', 'CALL', 'JMP', 'CMPS', 'VERR', 'VERW', 'LLDT', 'LTR',
  'LGDT', 'LIDT', 'LMSW', 'MUL', 'IMUL', 'DIV', 'IDIV']);

/**
 * The stack each mnemonic uses, in operand-size units: the first byte at ESP + `from` units, `units`
 * long, written or read (the instruction pages of chapter 17: PUSH, POP, PUSHA, CALL, RET, IRET). A
 * far CALL pushes CS and EIP, each an operand-size slot; RETF pops them; IRET pops EIP, CS, EFLAGS.
 */
const STACK: Readonly<Record<string, readonly [from: number, units: number, write: boolean]>> = {
  PUSH: [-1, 1, true], PUSHF: [-1, 1, true], PUSHA: [-8, 8, true], CALL: [-1, 1, true], CALLF: [-2, 2, true],
  POP: [0, 1, false], POPF: [0, 1, false], POPA: [0, 8, false], RET: [0, 1, false], RETF: [0, 2, false], IRET: [0, 3, false],
};

/** A row-labelled map → 256 forms, null where there is none; a label out of order is a typo, thrown. */
function opcodeMap(text: string): readonly (string | null)[] {
  const map: (string | null)[] = new Array<string | null>(256).fill(null);
  let expected = -1;
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9A-F]{2})\s+(.*)$/.exec(line);
    if (!m) continue;
    const at = parseInt(m[1]!, 16);
    const cells = m[2]!.split('|').map((c) => c.trim());
    if (at <= expected || at % 8 !== 0 || cells.length !== 8) throw new Error(`opcode map: bad row ${m[1]}`);
    cells.forEach((c, k) => { map[at + k] = c === '-' ? null : c; });
    expected = at;
  }
  return map;
}

// --- prefixes, ModR/M and SIB ----------------------------------------------------------------------

const GPR = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'] as const;
const ESP = 4, EBP = 5;
const SEG_PREFIX: Readonly<Record<number, SegReg>> = { 0x26: 'ES', 0x2e: 'CS', 0x36: 'SS', 0x3e: 'DS', 0x64: 'FS', 0x65: 'GS' };
/** The longest instruction the processor takes (a longer one is #GP(0), 17.2 "Instruction Format"). */
const MAX_LENGTH = 15;

/** Table 17-2: the 16-bit forms by rm, as [base, index] register numbers (-1 none); BP-based use SS. */
const EA16: readonly (readonly [number, number])[] = [[3, 6], [3, 7], [5, 6], [5, 7], [6, -1], [7, -1], [5, -1], [3, -1]];

/** The instruction decoded as far as its memory references need: prefixes, opcode, ModR/M. */
interface Decoded {
  override: SegReg | null;
  opsize: 2 | 4;
  addrsize: 2 | 4;
  rep: boolean;
  /** Index of the byte after the opcode: the ModR/M byte, or an immediate or moffs. */
  next: number;
}

/** `n` bytes little-endian at `at`, unsigned; null past the end of `code`. */
function le(code: Uint8Array, at: number, n: number): number | null {
  if (at + n > code.length || at + n > MAX_LENGTH) return null;
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = v * 256 + code[at + k]!;
  return v;
}

const signed = (v: number, bytes: number): number => (bytes === 1 ? (v << 24) >> 24 : bytes === 2 ? (v << 16) >> 16 : v | 0);

/**
 * The offset and default segment of a ModR/M memory operand (mod != 11) whose ModR/M byte is at
 * `at`: tables 17-3 and 17-4, or 17-2 with 16-bit addressing. `espBias` is added to ESP as a base
 * (POP Ev computes its address after the pop). Null when the bytes run out.
 */
function modrmAddress(code: Uint8Array, at: number, addrsize: 2 | 4, r: Registers, espBias: number): { offset: number; seg: SegReg } | null {
  const m = code[at]!;
  const mod = m >> 6, rm = m & 7;
  const reg = (n: number): number => (r[GPR[n]!] + (n === ESP ? espBias : 0)) >>> 0;
  if (addrsize === 2) {
    const [base, index] = EA16[rm]!;
    if (mod === 0 && rm === 6) {
      const disp = le(code, at + 1, 2);
      return disp === null ? null : { offset: disp, seg: 'DS' };
    }
    const dispBytes = mod === 1 ? 1 : mod === 2 ? 2 : 0;
    const disp = dispBytes ? le(code, at + 1, dispBytes) : 0;
    if (disp === null) return null;
    const sum = (reg(base) & 0xffff) + (index < 0 ? 0 : reg(index) & 0xffff) + signed(disp, dispBytes);
    return { offset: sum & 0xffff, seg: base === EBP ? 'SS' : 'DS' };
  }
  let pos = at + 1, base = rm, sum = 0;
  if (rm === 4) {
    const sib = le(code, pos++, 1);
    if (sib === null) return null;
    const index = (sib >> 3) & 7;
    base = sib & 7;
    if (index !== ESP) sum += reg(index) * (1 << (sib >> 6));
    if (base === EBP && mod === 0) base = -1;
  } else if (rm === EBP && mod === 0) {
    base = -1;
  }
  const dispBytes = base < 0 || mod === 2 ? 4 : mod === 1 ? 1 : 0;
  const disp = dispBytes ? le(code, pos, dispBytes) : 0;
  if (disp === null) return null;
  if (base >= 0) sum += reg(base);
  return { offset: (sum + signed(disp, dispBytes)) >>> 0, seg: base === ESP || base === EBP ? 'SS' : 'DS' };
}

/** The prefixes (17.2 "Instruction Format"), then the opcode's form from the maps and groups. */
function decode(code: Uint8Array): { d: Decoded; mnemonic: string; operands: string[] } | null {
  const d: Decoded = { override: null, opsize: 4, addrsize: 4, rep: false, next: 0 };
  let at = 0, op: number | undefined;
  for (;;) {
    op = code[at++];
    if (op === undefined || at > MAX_LENGTH) return null;
    const seg = SEG_PREFIX[op];
    if (seg !== undefined) d.override = seg;
    else if (op === 0x66) d.opsize = 2;
    else if (op === 0x67) d.addrsize = 2;
    else if (op === 0xf2 || op === 0xf3) d.rep = true;
    else if (op !== 0xf0) break;
  }
  let form = ONE_BYTE[op];
  if (op === 0x0f) {
    const op2 = code[at++];
    if (op2 === undefined) return null;
    form = TWO_BYTE[op2];
  }
  if (!form) return null;
  d.next = at;
  let [mnemonic, operands] = split(form);
  const group = GROUPS[mnemonic];
  if (group) {
    const modrm = code[at];
    if (modrm === undefined) return null;
    const sub = group[(modrm >> 3) & 7];
    if (!sub) return null;
    const [m, ops] = split(sub);
    mnemonic = m;
    if (ops.length) operands = ops;
  }
  return { d, mnemonic, operands };
}

function split(form: string): [string, string[]] {
  const [mnemonic, operands] = form.split(' ');
  return [mnemonic!, operands ? operands.split(',') : []];
}

/** The bytes an operand of type `t` (Appendix A, "Codes for Operand Type") occupies in memory. */
function sizeOf(t: string, opsize: number): number {
  switch (t) {
    case 'b': return 1;
    case 'w': return 2;
    case 'd': return 4;
    case 'v': return opsize;
    case 'p': return opsize + 2;
    case 'a': return 2 * opsize;
    case 's': return 6;
    default: return 0; // M alone: the address, no access (LEA, INVLPG)
  }
}

// --- the references ------------------------------------------------------------------------------

/**
 * The memory references the instruction whose bytes start at `code` makes (32-bit code segment:
 * default operand and address size 32; honour 0x66 and 0x67 prefixes, segment overrides 26/2E/36/3E/64/65,
 * LOCK/REP F0/F2/F3), computed from `r`; null when it cannot tell (an opcode it does not know).
 * An instruction fetch past CS's limit is the caller's to check (EIP itself), not listed here.
 * Reads come before writes, as the processor makes them (PUSH [m]: the operand, then the stack).
 */
export function memoryReferences(code: Uint8Array, r: Registers): Reference[] | null {
  const decoded = decode(code);
  if (!decoded) return null;
  const { d, mnemonic, operands } = decoded;
  const osz = d.opsize;
  const reads: Reference[] = [], writes: Reference[] = [];
  const add = (seg: SegReg, offset: number, size: number, access: 'r' | 'w' | 'rw'): void => {
    (access === 'w' ? writes : reads).push({ seg, offset: offset >>> 0, size, write: access !== 'r' });
  };
  const stack = (from: number, size: number, write: boolean): void => add('SS', r.ESP + from, size, write ? 'w' : 'r');

  // REP with a zero count runs no iteration (the REP page): no string reference at all.
  const count = d.addrsize === 4 ? r.ECX : r.ECX & 0xffff;
  const idx = (v: number): number => (d.addrsize === 4 ? v >>> 0 : v & 0xffff);

  for (let k = 0; k < operands.length; k++) {
    // A method letter and a lower-case type (Ev, M, Xb); anything else is a register (ES, eAX, AL).
    const notation = /^([EMOXY])([a-z]?)$/.exec(operands[k]!);
    if (!notation) continue;
    const method = notation[1], type = notation[2]!;
    const access = k > 0 || READS_DEST.has(mnemonic) ? 'r' : WRITES_DEST.has(mnemonic) || mnemonic.startsWith('SET') ? 'w' : 'rw';
    if (method === 'E' || method === 'M') {
      const modrm = code[d.next];
      if (modrm === undefined) return null;
      if (modrm >> 6 === 3) {
        if (method === 'M' || type === 'p') return null; // register where memory must be: #UD, not ours
        continue;
      }
      const size = sizeOf(type, osz);
      if (size === 0) continue;
      const ea = modrmAddress(code, d.next, d.addrsize, r, mnemonic === 'POP' ? osz : 0);
      if (!ea) return null;
      let offset = ea.offset;
      // BT/BTS/BTR/BTC with a register bit offset address the bit string around the operand: the
      // offset is signed, in operand-size units (the BT page, "Operation").
      if (mnemonic.startsWith('BT') && operands[1] === 'Gv') {
        const reg = (modrm >> 3) & 7, bits = r[GPR[reg]!];
        offset = idx(offset + osz * (osz === 4 ? (bits | 0) >> 5 : signed(bits & 0xffff, 2) >> 4));
      }
      add(d.override ?? ea.seg, offset, size, access);
    } else if (method === 'O') {
      const moffs = le(code, d.next, d.addrsize);
      if (moffs === null) return null;
      add(d.override ?? 'DS', moffs, sizeOf(type, osz), access);
    } else if ((method === 'X' || method === 'Y') && !(d.rep && count === 0)) {
      if (method === 'X') add(d.override ?? 'DS', idx(r.ESI), sizeOf(type, osz), access);
      else add('ES', idx(r.EDI), sizeOf(type, osz), access);
    }
  }

  const far = mnemonic === 'CALL' && (operands[0] === 'Ap' || operands[0] === 'Ep');
  const effect = STACK[far ? 'CALLF' : mnemonic];
  if (effect) {
    const [from, units, write] = effect;
    stack(from * osz, units * osz, write);
  } else if (mnemonic === 'LEAVE') {
    add('SS', r.EBP, osz, 'r'); // ESP <- EBP, then POP EBP
  } else if (mnemonic === 'ENTER') {
    // PUSH EBP, then level-1 frame pointers copied from the enclosing frame (read at EBP - i*size),
    // then the new frame pointer (the ENTER page, "Operation").
    const level = le(code, d.next + 2, 1);
    if (level === null) return null;
    const nesting = level & 31;
    for (let i = 1; i < nesting; i++) add('SS', r.EBP - i * osz, osz, 'r');
    const pushes = nesting === 0 ? 1 : nesting + 1;
    stack(-pushes * osz, pushes * osz, true);
  } else if (mnemonic === 'XLAT') {
    add(d.override ?? 'DS', idx(r.EBX + (r.EAX & 0xff)), 1, 'r');
  }
  return [...reads, ...writes];
}

/**
 * The first reference outside its segment: the limit checks of an expand-up segment (offset + size - 1 > limit, or a wrap).
 * A null limit is a segment not checked (or not known): its references are skipped.
 */
export function outsideLimit(refs: Reference[], limitOf: (seg: SegReg) => number | null): Reference | null {
  for (const ref of refs) {
    const limit = limitOf(ref.seg);
    if (limit === null) continue;
    const last = ref.offset + ref.size - 1;
    if (last > 0xffffffff || last > limit >>> 0) return ref;
  }
  return null;
}
