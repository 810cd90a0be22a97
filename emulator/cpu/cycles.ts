// Intel 386 DX clock counts (Intel386 DX Microprocessor data sheet, "Instruction Set Clock Count Summary").
// The numbers were taken from the "Clocks" column of the instruction pages in Chapter 17 of the Intel 80386
// Programmer's Reference Manual, 1986 ("PRM" below), which carries the same table per instruction; where
// Intel's printings disagree (a few counts differ between PRM and data-sheet revisions) the PRM figure is
// used and the line says so. Pure data: the CPU's opcode table looks an entry up by key and charges the
// clocks; nothing here executes.
//
// WHAT THE MANUAL'S COUNTS ASSUME (PRM 17.2.2.3 / data sheet notes), and therefore what these numbers assume:
//   - the instruction has already been prefetched and decoded and is ready to execute (no prefetch-queue
//     starvation, no instruction-alignment effects);
//   - bus cycles need no wait states and no local-bus HOLD request delays the processor;
//   - no exception is detected while the instruction executes;
//   - an effective address uses at most one general register (base OR index), plus scale and displacement.
//     If it uses two general registers (base AND index) the manual says add 1 clock. NOT included here;
//   - memory operands are aligned (a misaligned word/dword costs extra bus cycles). NOT included here.
//
// PREFIXES: the 386 tables charge 0 clocks for a prefix byte: the PRM's LOCK page reads "F0 LOCK 0", and the
// data sheet's summary lists the address-size (67), operand-size (66), segment-override and LOCK prefixes at 0
// clocks. (It is the 486 that charges 1 clock per prefix.) So PREFIX_CLOCKS = 0 and no count below includes
// prefix bytes. Prefix bytes do still count as components of "m" (below). The cost of REP/REPE/REPNE is
// folded into the repBase/perIter formulas of the string instructions.
//
// CONVENTIONS
//   r       register operand form (or the only count, for instructions without an r/m operand). The PRM
//           writes "2/7": r = left number (register), m = right number (memory).
//   m       memory operand form. For read-modify-write instructions whose r/m operand is the DESTINATION
//           (ADD Eb,Gb, INC Ev, NOT, NEG, shifts, BTS/BTR/BTC, SETcc ...) m is the whole read + modify + write
//           of memory (e.g. ADD Ev,Gv 2/7), whereas load-only forms (ADD Gv,Ev 2/6) and compare/test forms
//           (CMP/TEST 2/5, BT 3/12) only read memory. For memory-only instructions (LEA, LDS, BOUND, LGDT,
//           CALL/JMP Mp, ...) r and m hold the same number.
//   m in "+m": for control transfers the manual writes e.g. "7+m", where m is the number of components of
//           the NEXT instruction executed (each opcode/prefix/ModRM/SIB byte is one component, the whole
//           displacement is one, the whole immediate is one) — the cost of refilling the prefetch queue.
//           RESOLVED HERE as m = NEXT_INSTR_M = 1 and folded into every "+m" count (Jcc taken 7+m -> 8,
//           JMP/CALL rel 8, RET 11, far JMP 12+m -> 13 ...). Entries that contain a folded m say so.
//   taken   Jcc / LOOPcc / JCXZ / INTO when the branch (or interrupt) is taken; r is then the not-taken count.
//   repBase/perIter  REP-prefixed string instruction costs repBase + perIter * n, n = iterations ((E)CX, or
//           the number actually performed for REPE/REPNE). r is the unrepeated instruction.
//   pm      protected-mode count where the manual gives a different one ("pm="): segment-register loads,
//           far transfers through code descriptors at the same privilege level, INT/IRET at the same
//           privilege level, IN/OUT/INS/OUTS when CPL <= IOPL. pm-clocks.ts charges it when the instruction runs
//           in protected mode (io.ts for the I/O instructions). Privilege changes (PRIVILEGE_CHANGE_CLOCKS), call
//           gates (ops/control.ts) and task switches (TASK_SWITCH_CLOCKS) add their own counts; the
//           I/O-permission-bitmap path's extra cost is noted next to its entries, not encoded.
//           Instructions that exist only in protected mode (LAR, LSL, VERR, LLDT, ...) keep their pm counts
//           in r/m and have no pm field.
//   Value-dependent counts: MUL/IMUL use an early-out multiplier, "9-14/12-17" etc.; the WORST case (upper
//           bound) is stored. BSF/BSR are "10+3n" (n = bit position scanned); the base 10 is stored.
//           ENTER's count depends on the nesting level; the level-0 count is stored.
//   "// est." marks a number the tables do not give (or give in an evidently misprinted form); it is the best
//           value derived from the tables, as explained on that line.
//
// Keys: Intel mnemonic, a space, operands in the Appendix A opcode-map notation (Eb Ev Ew Gb Gv Gw Sw Ib Iw
// Iv, Ibs = sign-extended byte immediate of 6A/6B/83, Jb Jv Ap Mp M Ms Ma Ob Ov, AL eAX eCX.., DX CL 1,
// Cd Dd Td Rd, Xb Xv Yb Yv for the string operands). MUL/IMUL/DIV/IDIV and the 2-/3-operand IMUL are split
// by operand size (Eb / Ew / Ed, Gw / Gd) because their counts differ by size. MOV to/from CRn/DRn keeps the
// Appendix A key for the default register and adds a "/CRn" or "/DRn-m" suffixed key where the count differs.

/** Clocks charged per prefix byte (66, 67, F0, 26/2E/36/3E/64/65) by the 386 tables: none. */
export const PREFIX_CLOCKS = 0;

/** The "m" (next-instruction components) folded into every "+m" count below. */
export const NEXT_INSTR_M = 1;

export interface Clocks {
  r: number;      // register / non-memory form
  m?: number;     // memory operand form (if different / applicable)
  // optional extras, only where the instruction has them:
  taken?: number;     // Jcc/LOOP/JCXZ taken (r = not taken)
  perIter?: number;   // REP string: per iteration (r = base, or the count for the unrepeated form)
  repBase?: number;   // REP string: base clocks when REP-prefixed
  pm?: number;        // protected-mode form if it differs (e.g. MOV Sreg, far JMP/CALL, INT, IRET)
}

export const CLOCKS: Record<string, Clocks> = {
  // ---- ALU: ADD OR ADC SBB AND SUB XOR (PRM ADD/OR/ADC/SBB/AND/SUB/XOR pages; data sheet "Arithmetic/Logical") ----
  // r/m,reg 2/7 (read-modify-write), reg,r/m 2/6, acc,imm 2, r/m,imm 2/7.
  'ADD Eb,Gb': { r: 2, m: 7 }, 'ADD Ev,Gv': { r: 2, m: 7 }, 'ADD Gb,Eb': { r: 2, m: 6 }, 'ADD Gv,Ev': { r: 2, m: 6 },
  'ADD AL,Ib': { r: 2 }, 'ADD eAX,Iv': { r: 2 }, 'ADD Eb,Ib': { r: 2, m: 7 }, 'ADD Ev,Iv': { r: 2, m: 7 }, 'ADD Ev,Ibs': { r: 2, m: 7 },
  'OR Eb,Gb': { r: 2, m: 7 }, 'OR Ev,Gv': { r: 2, m: 7 }, 'OR Gb,Eb': { r: 2, m: 6 }, 'OR Gv,Ev': { r: 2, m: 6 },
  'OR AL,Ib': { r: 2 }, 'OR eAX,Iv': { r: 2 }, 'OR Eb,Ib': { r: 2, m: 7 }, 'OR Ev,Iv': { r: 2, m: 7 }, 'OR Ev,Ibs': { r: 2, m: 7 },
  'ADC Eb,Gb': { r: 2, m: 7 }, 'ADC Ev,Gv': { r: 2, m: 7 }, 'ADC Gb,Eb': { r: 2, m: 6 }, 'ADC Gv,Ev': { r: 2, m: 6 },
  'ADC AL,Ib': { r: 2 }, 'ADC eAX,Iv': { r: 2 }, 'ADC Eb,Ib': { r: 2, m: 7 }, 'ADC Ev,Iv': { r: 2, m: 7 }, 'ADC Ev,Ibs': { r: 2, m: 7 },
  'SBB Eb,Gb': { r: 2, m: 7 }, 'SBB Ev,Gv': { r: 2, m: 7 }, 'SBB Gb,Eb': { r: 2, m: 6 }, 'SBB Gv,Ev': { r: 2, m: 6 },
  'SBB AL,Ib': { r: 2 }, 'SBB eAX,Iv': { r: 2 }, 'SBB Eb,Ib': { r: 2, m: 7 }, 'SBB Ev,Iv': { r: 2, m: 7 }, 'SBB Ev,Ibs': { r: 2, m: 7 },
  'AND Eb,Gb': { r: 2, m: 7 }, 'AND Ev,Gv': { r: 2, m: 7 }, 'AND Gb,Eb': { r: 2, m: 6 }, 'AND Gv,Ev': { r: 2, m: 6 },
  'AND AL,Ib': { r: 2 }, 'AND eAX,Iv': { r: 2 }, 'AND Eb,Ib': { r: 2, m: 7 }, 'AND Ev,Iv': { r: 2, m: 7 }, 'AND Ev,Ibs': { r: 2, m: 7 },
  'SUB Eb,Gb': { r: 2, m: 7 }, 'SUB Ev,Gv': { r: 2, m: 7 }, 'SUB Gb,Eb': { r: 2, m: 6 }, 'SUB Gv,Ev': { r: 2, m: 6 },
  'SUB AL,Ib': { r: 2 }, 'SUB eAX,Iv': { r: 2 }, 'SUB Eb,Ib': { r: 2, m: 7 }, 'SUB Ev,Iv': { r: 2, m: 7 }, 'SUB Ev,Ibs': { r: 2, m: 7 },
  'XOR Eb,Gb': { r: 2, m: 7 }, 'XOR Ev,Gv': { r: 2, m: 7 }, 'XOR Gb,Eb': { r: 2, m: 6 }, 'XOR Gv,Ev': { r: 2, m: 6 },
  'XOR AL,Ib': { r: 2 }, 'XOR eAX,Iv': { r: 2 }, 'XOR Eb,Ib': { r: 2, m: 7 }, 'XOR Ev,Iv': { r: 2, m: 7 }, 'XOR Ev,Ibs': { r: 2, m: 7 },

  // ---- CMP / TEST: read-only, so the memory forms are cheaper (PRM CMP, TEST) ----
  'CMP Eb,Gb': { r: 2, m: 5 }, 'CMP Ev,Gv': { r: 2, m: 5 }, 'CMP Gb,Eb': { r: 2, m: 6 }, 'CMP Gv,Ev': { r: 2, m: 6 },
  'CMP AL,Ib': { r: 2 }, 'CMP eAX,Iv': { r: 2 }, 'CMP Eb,Ib': { r: 2, m: 5 }, 'CMP Ev,Iv': { r: 2, m: 5 }, 'CMP Ev,Ibs': { r: 2, m: 5 },
  'TEST Eb,Gb': { r: 2, m: 5 }, 'TEST Ev,Gv': { r: 2, m: 5 }, 'TEST AL,Ib': { r: 2 }, 'TEST eAX,Iv': { r: 2 },
  'TEST Eb,Ib': { r: 2, m: 5 }, 'TEST Ev,Iv': { r: 2, m: 5 }, // group 3 (F6 /0, F7 /0)

  // ---- INC / DEC / NEG / NOT (PRM INC, DEC, NEG, NOT): r/m 2/6, short register form 2 ----
  'INC Eb': { r: 2, m: 6 }, 'INC Ev': { r: 2, m: 6 }, 'DEC Eb': { r: 2, m: 6 }, 'DEC Ev': { r: 2, m: 6 },
  'INC eAX': { r: 2 }, 'INC eCX': { r: 2 }, 'INC eDX': { r: 2 }, 'INC eBX': { r: 2 },
  'INC eSP': { r: 2 }, 'INC eBP': { r: 2 }, 'INC eSI': { r: 2 }, 'INC eDI': { r: 2 },
  'DEC eAX': { r: 2 }, 'DEC eCX': { r: 2 }, 'DEC eDX': { r: 2 }, 'DEC eBX': { r: 2 },
  'DEC eSP': { r: 2 }, 'DEC eBP': { r: 2 }, 'DEC eSI': { r: 2 }, 'DEC eDI': { r: 2 },
  'NEG Eb': { r: 2, m: 6 }, 'NEG Ev': { r: 2, m: 6 }, 'NOT Eb': { r: 2, m: 6 }, 'NOT Ev': { r: 2, m: 6 },

  // ---- PUSH / POP (PRM PUSH, POP, PUSHA, POPA, PUSHF, POPF) ----
  'PUSH eAX': { r: 2 }, 'PUSH eCX': { r: 2 }, 'PUSH eDX': { r: 2 }, 'PUSH eBX': { r: 2 },
  'PUSH eSP': { r: 2 }, 'PUSH eBP': { r: 2 }, 'PUSH eSI': { r: 2 }, 'PUSH eDI': { r: 2 },
  'POP eAX': { r: 4 }, 'POP eCX': { r: 4 }, 'POP eDX': { r: 4 }, 'POP eBX': { r: 4 },
  'POP eSP': { r: 4 }, 'POP eBP': { r: 4 }, 'POP eSI': { r: 4 }, 'POP eDI': { r: 4 },
  'PUSH Ev': { r: 5, m: 5 },  // FF /6: PRM lists only "PUSH m16/m32 5"; the register encoding is est. at the same 5.
  'POP Ev': { r: 5, m: 5 },   // 8F /0: PRM lists only "POP m16/m32 5"; the register encoding is est. at the same 5.
  'PUSH Iv': { r: 2 }, 'PUSH Ibs': { r: 2 },
  'PUSH ES': { r: 2 }, 'PUSH CS': { r: 2 }, 'PUSH SS': { r: 2 }, 'PUSH DS': { r: 2 }, 'PUSH FS': { r: 2 }, 'PUSH GS': { r: 2 },
  // POP Sreg: 7, pm=21 (descriptor load).
  'POP ES': { r: 7, pm: 21 }, 'POP SS': { r: 7, pm: 21 }, 'POP DS': { r: 7, pm: 21 }, 'POP FS': { r: 7, pm: 21 }, 'POP GS': { r: 7, pm: 21 },
  'PUSHA': { r: 18 }, 'POPA': { r: 24 },
  'PUSHF Fv': { r: 4 }, 'POPF Fv': { r: 5 },

  // ---- MOV (PRM MOV "Move Data", MOV "Move to/from Special Registers") ----
  'MOV Eb,Gb': { r: 2, m: 2 }, 'MOV Ev,Gv': { r: 2, m: 2 }, 'MOV Gb,Eb': { r: 2, m: 4 }, 'MOV Gv,Ev': { r: 2, m: 4 },
  'MOV Ew,Sw': { r: 2, m: 2 },
  'MOV Sw,Ew': { r: 2, m: 5, pm: 18 }, // pm=18/19: 18 from a register, 19 from memory.
  'MOV AL,Ob': { r: 4 }, 'MOV eAX,Ov': { r: 4 }, 'MOV Ob,AL': { r: 2 }, 'MOV Ov,eAX': { r: 2 },
  'MOV AL,Ib': { r: 2 }, 'MOV CL,Ib': { r: 2 }, 'MOV DL,Ib': { r: 2 }, 'MOV BL,Ib': { r: 2 },
  'MOV AH,Ib': { r: 2 }, 'MOV CH,Ib': { r: 2 }, 'MOV DH,Ib': { r: 2 }, 'MOV BH,Ib': { r: 2 },
  'MOV eAX,Iv': { r: 2 }, 'MOV eCX,Iv': { r: 2 }, 'MOV eDX,Iv': { r: 2 }, 'MOV eBX,Iv': { r: 2 },
  'MOV eSP,Iv': { r: 2 }, 'MOV eBP,Iv': { r: 2 }, 'MOV eSI,Iv': { r: 2 }, 'MOV eDI,Iv': { r: 2 },
  'MOV Eb,Ib': { r: 2, m: 2 }, 'MOV Ev,Iv': { r: 2, m: 2 },
  // Control / debug / test registers (0F 20-26; always register operands, always 32-bit).
  'MOV Rd,Cd': { r: 6 },              // MOV r32,CR0/CR2/CR3: 6
  'MOV Cd,Rd': { r: 10 },             // MOV CR0,r32: 10 (default key = CR0; CR2/CR3 below)
  'MOV Cd,Rd/CR0': { r: 10 }, 'MOV Cd,Rd/CR2': { r: 4 }, 'MOV Cd,Rd/CR3': { r: 5 },
  'MOV Rd,Dd': { r: 22 },             // MOV r32,DR0-3: 22 (default key = DR0-3)
  'MOV Rd,Dd/DR6-7': { r: 14 },
  'MOV Dd,Rd': { r: 22 },             // MOV DR0-3,r32: 22 (default key = DR0-3)
  'MOV Dd,Rd/DR6-7': { r: 16 },
  'MOV Rd,Td': { r: 12 }, 'MOV Td,Rd': { r: 12 }, // TR6/TR7

  // ---- MOVZX / MOVSX / LEA / XCHG / XLAT / CBW / CWD (PRM MOVZX, MOVSX, LEA, XCHG, XLAT, CBW, CWD) ----
  'MOVZX Gv,Eb': { r: 3, m: 6 }, 'MOVZX Gv,Ew': { r: 3, m: 6 },
  'MOVSX Gv,Eb': { r: 3, m: 6 }, 'MOVSX Gv,Ew': { r: 3, m: 6 },
  'LEA Gv,M': { r: 2, m: 2 },
  'XCHG Eb,Gb': { r: 3, m: 5 }, 'XCHG Ev,Gv': { r: 3, m: 5 },
  'XCHG eAX,eCX': { r: 3 }, 'XCHG eAX,eDX': { r: 3 }, 'XCHG eAX,eBX': { r: 3 }, 'XCHG eAX,eSP': { r: 3 },
  'XCHG eAX,eBP': { r: 3 }, 'XCHG eAX,eSI': { r: 3 }, 'XCHG eAX,eDI': { r: 3 },
  'NOP': { r: 3 },   // 90 (= XCHG eAX,eAX)
  'XLAT': { r: 5 },
  'CBW': { r: 3 },   // CBW / CWDE
  'CWD': { r: 2 },   // CWD / CDQ

  // ---- Flags (PRM LAHF, SAHF, CLC, STC, CMC, CLD, STD, CLI, STI) ----
  'LAHF': { r: 2 }, 'SAHF': { r: 3 },
  'CLC': { r: 2 }, 'STC': { r: 2 }, 'CMC': { r: 2 }, 'CLD': { r: 2 }, 'STD': { r: 2 },
  'CLI': { r: 3 }, 'STI': { r: 3 }, // PRM: 3 (MAME's i386 table uses 8)

  // ---- Shifts and rotates, groups 2 (C0 C1 D0-D3) (PRM RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR) ----
  // ROL ROR SHL SHR SAR: 3/7 for every count form; RCL RCR: 9/10. (Count does not change the 386 figure.)
  'ROL Eb,1': { r: 3, m: 7 }, 'ROL Ev,1': { r: 3, m: 7 }, 'ROL Eb,CL': { r: 3, m: 7 }, 'ROL Ev,CL': { r: 3, m: 7 }, 'ROL Eb,Ib': { r: 3, m: 7 }, 'ROL Ev,Ib': { r: 3, m: 7 },
  'ROR Eb,1': { r: 3, m: 7 }, 'ROR Ev,1': { r: 3, m: 7 }, 'ROR Eb,CL': { r: 3, m: 7 }, 'ROR Ev,CL': { r: 3, m: 7 }, 'ROR Eb,Ib': { r: 3, m: 7 }, 'ROR Ev,Ib': { r: 3, m: 7 },
  'RCL Eb,1': { r: 9, m: 10 }, 'RCL Ev,1': { r: 9, m: 10 }, 'RCL Eb,CL': { r: 9, m: 10 }, 'RCL Ev,CL': { r: 9, m: 10 }, 'RCL Eb,Ib': { r: 9, m: 10 }, 'RCL Ev,Ib': { r: 9, m: 10 },
  'RCR Eb,1': { r: 9, m: 10 }, 'RCR Ev,1': { r: 9, m: 10 }, 'RCR Eb,CL': { r: 9, m: 10 }, 'RCR Ev,CL': { r: 9, m: 10 }, 'RCR Eb,Ib': { r: 9, m: 10 }, 'RCR Ev,Ib': { r: 9, m: 10 },
  'SHL Eb,1': { r: 3, m: 7 }, 'SHL Ev,1': { r: 3, m: 7 }, 'SHL Eb,CL': { r: 3, m: 7 }, 'SHL Ev,CL': { r: 3, m: 7 }, 'SHL Eb,Ib': { r: 3, m: 7 }, 'SHL Ev,Ib': { r: 3, m: 7 },
  'SHR Eb,1': { r: 3, m: 7 }, 'SHR Ev,1': { r: 3, m: 7 }, 'SHR Eb,CL': { r: 3, m: 7 }, 'SHR Ev,CL': { r: 3, m: 7 }, 'SHR Eb,Ib': { r: 3, m: 7 }, 'SHR Ev,Ib': { r: 3, m: 7 },
  'SAR Eb,1': { r: 3, m: 7 }, 'SAR Ev,1': { r: 3, m: 7 }, 'SAR Eb,CL': { r: 3, m: 7 }, 'SAR Ev,CL': { r: 3, m: 7 }, 'SAR Eb,Ib': { r: 3, m: 7 }, 'SAR Ev,Ib': { r: 3, m: 7 },
  // SHLD / SHRD (PRM SHLD, SHRD): 3/7.
  'SHLD Ev,Gv,Ib': { r: 3, m: 7 }, 'SHLD Ev,Gv,CL': { r: 3, m: 7 },
  'SHRD Ev,Gv,Ib': { r: 3, m: 7 }, 'SHRD Ev,Gv,CL': { r: 3, m: 7 },

  // ---- Bit test / scan (PRM BT, BTS, BTR, BTC, BSF, BSR) ----
  // The reg-offset memory forms are slow because the offset can reach beyond the addressed dword.
  'BT Ev,Gv': { r: 3, m: 12 }, 'BT Ev,Ib': { r: 3, m: 6 },
  'BTS Ev,Gv': { r: 6, m: 13 }, 'BTS Ev,Ib': { r: 6, m: 8 },
  'BTR Ev,Gv': { r: 6, m: 13 }, 'BTR Ev,Ib': { r: 6, m: 8 },
  'BTC Ev,Gv': { r: 6, m: 13 }, 'BTC Ev,Ib': { r: 6, m: 8 },
  'BSF Gv,Ev': { r: 10, m: 10 }, // 10+3n for either operand kind, n = bit index found; base stored
  'BSR Gv,Ev': { r: 10, m: 10 }, // 10+3n, as BSF

  // ---- SETcc (0F 90-9F) (PRM SETcc): 4/5 ----
  'SETO Eb': { r: 4, m: 5 }, 'SETNO Eb': { r: 4, m: 5 }, 'SETB Eb': { r: 4, m: 5 }, 'SETNB Eb': { r: 4, m: 5 },
  'SETZ Eb': { r: 4, m: 5 }, 'SETNZ Eb': { r: 4, m: 5 }, 'SETBE Eb': { r: 4, m: 5 }, 'SETNBE Eb': { r: 4, m: 5 },
  'SETS Eb': { r: 4, m: 5 }, 'SETNS Eb': { r: 4, m: 5 }, 'SETP Eb': { r: 4, m: 5 }, 'SETNP Eb': { r: 4, m: 5 },
  'SETL Eb': { r: 4, m: 5 }, 'SETNL Eb': { r: 4, m: 5 }, 'SETLE Eb': { r: 4, m: 5 }, 'SETNLE Eb': { r: 4, m: 5 },

  // ---- Multiply / divide (PRM MUL, IMUL, DIV, IDIV) ----
  // MUL/IMUL: early-out multiply, PRM "9-14/12-17" (byte), "9-22/12-25" (word), "9-38/12-41" (dword);
  // actual = 9 if the multiplier is 0, else max(ceil(log2|multiplier|), 3) + 6, +3 for a memory operand.
  // WORST CASE stored.
  'MUL Eb': { r: 14, m: 17 }, 'MUL Ew': { r: 22, m: 25 }, 'MUL Ed': { r: 38, m: 41 },
  'IMUL Eb': { r: 14, m: 17 }, 'IMUL Ew': { r: 22, m: 25 }, 'IMUL Ed': { r: 38, m: 41 },
  'IMUL Gw,Ew': { r: 22, m: 25 }, 'IMUL Gd,Ed': { r: 38, m: 41 },         // 0F AF, worst case
  'IMUL Gv,Ev,Ibs': { r: 14, m: 17 },                                     // 6B: the multiplier is the imm8, so <= 14/17 at either size
  'IMUL Gw,Ew,Iw': { r: 22, m: 25 }, 'IMUL Gd,Ed,Id': { r: 38, m: 41 },   // 69, worst case
  'DIV Eb': { r: 14, m: 17 }, 'DIV Ew': { r: 22, m: 25 }, 'DIV Ed': { r: 38, m: 41 },
  // IDIV: the PRM page gives only 19 / 27 / 43; the memory forms (+3, as for DIV) are the 386 column of
  // third-party summaries of the Intel tables (Norton Guides x86 reference; MAME i386 uses the same).
  'IDIV Eb': { r: 19, m: 22 }, 'IDIV Ew': { r: 27, m: 30 }, 'IDIV Ed': { r: 43, m: 46 },

  // ---- BCD (PRM DAA, DAS, AAA, AAS, AAM, AAD) ----
  'DAA': { r: 4 }, 'DAS': { r: 4 }, 'AAA': { r: 4 }, 'AAS': { r: 4 },
  'AAM Ib': { r: 17 }, 'AAD Ib': { r: 19 },

  // ---- Conditional jumps (PRM Jcc): "7+m,3" -> taken = 7 + m (m = 1 folded in) = 8, not taken r = 3 ----
  'JO Jb': { r: 3, taken: 8 }, 'JNO Jb': { r: 3, taken: 8 }, 'JB Jb': { r: 3, taken: 8 }, 'JNB Jb': { r: 3, taken: 8 },
  'JZ Jb': { r: 3, taken: 8 }, 'JNZ Jb': { r: 3, taken: 8 }, 'JBE Jb': { r: 3, taken: 8 }, 'JNBE Jb': { r: 3, taken: 8 },
  'JS Jb': { r: 3, taken: 8 }, 'JNS Jb': { r: 3, taken: 8 }, 'JP Jb': { r: 3, taken: 8 }, 'JNP Jb': { r: 3, taken: 8 },
  'JL Jb': { r: 3, taken: 8 }, 'JNL Jb': { r: 3, taken: 8 }, 'JLE Jb': { r: 3, taken: 8 }, 'JNLE Jb': { r: 3, taken: 8 },
  // 0F 80-8F near forms: same counts.
  'JO Jv': { r: 3, taken: 8 }, 'JNO Jv': { r: 3, taken: 8 }, 'JB Jv': { r: 3, taken: 8 }, 'JNB Jv': { r: 3, taken: 8 },
  'JZ Jv': { r: 3, taken: 8 }, 'JNZ Jv': { r: 3, taken: 8 }, 'JBE Jv': { r: 3, taken: 8 }, 'JNBE Jv': { r: 3, taken: 8 },
  'JS Jv': { r: 3, taken: 8 }, 'JNS Jv': { r: 3, taken: 8 }, 'JP Jv': { r: 3, taken: 8 }, 'JNP Jv': { r: 3, taken: 8 },
  'JL Jv': { r: 3, taken: 8 }, 'JNL Jv': { r: 3, taken: 8 }, 'JLE Jv': { r: 3, taken: 8 }, 'JNLE Jv': { r: 3, taken: 8 },

  // ---- LOOP / JCXZ (PRM LOOP/LOOPcond, JCXZ/JECXZ) ----
  // LOOP*: the PRM gives only "11+m" (taken -> 12 with m = 1). Not-taken is not tabulated:
  'LOOP Jb': { r: 11, taken: 12 },   // r est. (11 = the 11+m base without the queue refill)
  'LOOPE Jb': { r: 11, taken: 12 },  // r est. (as LOOP)
  'LOOPNE Jb': { r: 11, taken: 12 }, // r est. (as LOOP)
  'JCXZ Jb': { r: 5, taken: 10 },    // "9+m,5" (JCXZ / JECXZ)

  // ---- Unconditional transfers (PRM JMP, CALL, RET); every "+m" has m = 1 folded in ----
  'JMP Jb': { r: 8 }, 'JMP Jv': { r: 8 },            // 7+m
  'JMP Ev': { r: 8, m: 11 },                         // 7+m / 10+m
  'JMP Ap': { r: 13, pm: 28 },                       // 12+m, pm=27+m (same-privilege code segment; call gate 45+m, task switch more)
  'JMP Mp': { r: 18, m: 18, pm: 32 },                // est. real mode: PRM prints 43+m, evidently a misprint (more than the pm 31+m, which does
                                                     // strictly more work); 17+m as used by data-sheet-based tables (e.g. MAME); pm=31+m
  'CALL Jv': { r: 8 },                               // 7+m
  'CALL Ev': { r: 8, m: 11 },                        // 7+m / 10+m
  'CALL Ap': { r: 18, pm: 35 },                      // 17+m, pm=34+m (call gate same priv. 52+m, to more privilege 86+m)
  'CALL Mp': { r: 23, m: 23, pm: 39 },               // 22+m, pm=38+m
  'RET': { r: 11 }, 'RET Iw': { r: 11 },             // 10+m (near)
  'RETF': { r: 19, pm: 33 }, 'RETF Iw': { r: 19, pm: 33 }, // 18+m, pm=32+m (same privilege; to outer level 68)

  // ---- Interrupts (PRM INT/INTO, IRET): real mode in r, protected same-privilege interrupt/trap gate in pm ----
  // (to a more privileged level: 99; from V86 to PL0: 119; through a task gate: task-switch time.)
  'INT 3': { r: 33, pm: 59 },
  'INT Ib': { r: 37, pm: 59 },
  'INTO': { r: 3, taken: 35, pm: 59 }, // r = OF clear (no interrupt), taken = OF set; pm applies to the taken case
  'IRET': { r: 22, pm: 38 },           // pm = same level; to an outer level 82; nested-task return = task switch

  // ---- ENTER / LEAVE / BOUND (PRM ENTER, LEAVE, BOUND) ----
  'ENTER Iw,Ib': { r: 10 }, // level 0: 10; level 1: 12; level L > 1: 15 + 4(L-1)
  'LEAVE': { r: 4 },
  'BOUND Gv,Ma': { r: 10, m: 10 }, // index in range; out of range adds the INT 5 delivery

  // ---- String instructions (PRM MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS, REP) ----
  // r = one unrepeated execution; REP-prefixed cost = repBase + perIter * n.
  'MOVS Yb,Xb': { r: 7, repBase: 5, perIter: 4 }, 'MOVS Yv,Xv': { r: 7, repBase: 5, perIter: 4 },
  'CMPS Xb,Yb': { r: 10, repBase: 5, perIter: 9 }, 'CMPS Xv,Yv': { r: 10, repBase: 5, perIter: 9 }, // REPE/REPNE: n = compares done
  'SCAS AL,Yb': { r: 7, repBase: 5, perIter: 8 }, 'SCAS eAX,Yv': { r: 7, repBase: 5, perIter: 8 }, // REPE/REPNE: n = compares done
  'STOS Yb,AL': { r: 4, repBase: 5, perIter: 5 }, 'STOS Yv,eAX': { r: 4, repBase: 5, perIter: 5 },
  'LODS AL,Xb': { r: 5, repBase: 5, perIter: 5 },  // repBase/perIter est.: REP LODS is not tabulated; 5+5n as REP STOS
  'LODS eAX,Xv': { r: 5, repBase: 5, perIter: 5 }, // repBase/perIter est. (as above)
  // INS/OUTS: pm = CPL <= IOPL; if CPL > IOPL or in V86 mode (I/O permission bitmap consulted) add 20
  // (INS 29, OUTS 28; REP INS 27+6n, REP OUTS 26+5n). REP forms in protected mode: INS 7+6n, OUTS 6+5n.
  'INS Yb,DX': { r: 15, pm: 9, repBase: 13, perIter: 6 }, 'INS Yv,DX': { r: 15, pm: 9, repBase: 13, perIter: 6 },
  'OUTS DX,Xb': { r: 14, pm: 8, repBase: 12, perIter: 5 },  // repBase/perIter est.: the PRM REP page prints "5+12*(E)CX"
  'OUTS DX,Xv': { r: 14, pm: 8, repBase: 12, perIter: 5 },  // for real mode (digits evidently swapped; pm is 6+5n); 12+5n used

  // ---- I/O (PRM IN, OUT): real mode in r; pm = CPL <= IOPL (add 20 if CPL > IOPL or in V86 mode) ----
  'IN AL,Ib': { r: 12, pm: 6 }, 'IN eAX,Ib': { r: 12, pm: 6 },
  'IN AL,DX': { r: 13, pm: 7 }, 'IN eAX,DX': { r: 13, pm: 7 },
  'OUT Ib,AL': { r: 10, pm: 4 }, 'OUT Ib,eAX': { r: 10, pm: 4 },
  'OUT DX,AL': { r: 11, pm: 5 }, 'OUT DX,eAX': { r: 11, pm: 5 },

  // ---- Far pointer loads (PRM LDS/LES/LFS/LGS/LSS): 7, pm=22 ----
  'LDS Gv,Mp': { r: 7, m: 7, pm: 22 }, 'LES Gv,Mp': { r: 7, m: 7, pm: 22 },
  'LFS Gv,Mp': { r: 7, m: 7, pm: 22 }, 'LGS Gv,Mp': { r: 7, m: 7, pm: 22 }, 'LSS Gv,Mp': { r: 7, m: 7, pm: 22 },

  // ---- System instructions, groups 6/7 and 0F 02/03/06 (PRM LGDT/LIDT, SGDT/SIDT, LLDT, SLDT, LTR, STR,
  //      LMSW, SMSW, CLTS, LAR, LSL, VERR/VERW, ARPL) ----
  'LGDT Ms': { r: 11, m: 11 }, 'LIDT Ms': { r: 11, m: 11 },
  'SGDT Ms': { r: 9, m: 9 }, 'SIDT Ms': { r: 9, m: 9 },
  'LMSW Ew': { r: 10, m: 13 },
  'SMSW Ew': { r: 2, m: 3, pm: 2 }, // "2/3,pm=2/2"
  'CLTS': { r: 5 },
  // Protected-mode-only instructions: the PRM's pm= counts are stored in r/m.
  'LLDT Ew': { r: 20, m: 24 },
  'SLDT Ew': { r: 2, m: 2 },
  'LTR Ew': { r: 23, m: 27 },
  'STR Ew': { r: 2, m: 2 },       // est.: the PRM STR page prints "pm=23/27" copied from LTR; a store of TR costs as SLDT (2/2)
  'LAR Gv,Ew': { r: 15, m: 16 },
  'LSL Gv,Ew': { r: 20, m: 21 },  // byte-granular limit; page-granular 25/26
  'VERR Ew': { r: 10, m: 11 }, 'VERW Ew': { r: 15, m: 16 },
  'ARPL Ew,Gw': { r: 20, m: 21 },

  // ---- Processor control (PRM HLT, WAIT; coprocessor escape) ----
  'HLT': { r: 5 },
  'WAIT': { r: 6 },  // "6 min." (BUSY# inactive)
  'ESC': { r: 2, m: 2 }, // est.: D8-DF; the 386 tables give no integer-unit count for ESC (the 387 time is separate); with
                         // CR0.EM or TS set it raises #NM (INT 7) instead
};

/**
 * Transfers that change privilege level cost more than the same-level counts in CLOCKS (i386 PRM,
 * INT and IRET and RET timing pages): INT through an interrupt or trap gate to a more privileged
 * level 99 (same level 59), from virtual-8086 mode to privilege 0 119; IRET to an outer level 82
 * (same level 38); RETF to an outer level 68 (32+m, same level). What is charged here is the
 * difference, added when the transfer commits, for interrupts from hardware and exceptions as well.
 */
export const PRIVILEGE_CHANGE_CLOCKS = {
  interruptToInner: 99 - 59,
  interruptFromV86: 119 - 59,
  iretToOuter: 82 - 38,
  retfToOuter: 68 - 33,
} as const;

/**
 * Task switch times, "ts" in the timing tables (i386 PRM, INT: "Task Switch Times"), by the old
 * task's TSS (row) and the new one's (column): 386 TSS with VM=0, 386 TSS with VM=1, 286 TSS. JMP,
 * CALL, INT and IRET through a TSS or a task gate take ts in place of their own count.
 */
export const TASK_SWITCH_CLOCKS: readonly (readonly number[])[] = [
  [309, 226, 282], // from a 386 TSS, VM=0
  [314, 231, 287], // from a 386 TSS, VM=1
  [307, 224, 280], // from a 286 TSS
];
