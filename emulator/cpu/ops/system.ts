// System instructions: the flag instructions (CLC STC CMC CLD STD CLI STI SAHF LAHF), HLT, WAIT
// and the coprocessor escapes, the descriptor-table registers (LGDT LIDT SGDT SIDT LLDT SLDT LTR
// STR), the selector checks (LAR LSL VERR VERW ARPL), the machine status word (LMSW SMSW CLTS),
// MOV to and from the control, debug and test registers, and the 486's INVLPG INVD WBINVD CPUID.
//
// Choices where the hardware leaves room (each is repeated beside its code):
// - No FPU. ts386 behaves as a 386 with no coprocessor and CR0.EM = 1: every ESC opcode (D8-DF)
//   raises #NM whatever CR0 holds, so a guest can emulate the FPU in its #NM handler. WAIT raises
//   #NM only when CR0.MP and CR0.TS are both set (i386 PRM, WAIT). CPUID reports no FPU.
// - SGDT/SIDT store all 32 bits of the base for both operand sizes (i386 PRM, LGDT/LIDT: "With the
//   80386, the upper eight bits are written with the high-order eight address bits, for both a
//   16-bit operand and a 32-bit operand"). A base loaded by a 16-bit LGDT has a zero high byte, so
//   that is also what the SGDT page's compatibility note ("the 80386 stores 0's") sees; the 80286's
//   0xFF is not reproduced.
// - SMSW, SLDT and STR to a 32-bit register write the whole register: all of CR0 for SMSW (as
//   386s do), the selector zero-extended for SLDT and STR. To memory they always write 16 bits.
// - CR0 keeps only the bits the model has (386: PE MP EM TS ET PG; 486 adds NE WP AM NW CD);
//   ET always reads 1. CR1 and CR4-CR7 are #UD on both models (CR4 arrives with the Pentium).
// - The test registers (TR6/TR7; the 486 adds TR3-TR5) are stored and read back, nothing more:
//   the TLB and cache test functions they drive are not modelled. They live in a WeakMap keyed by
//   the Cpu, below, only because state.ts (which owns the rest of the processor's state) is not
//   this module's to change; they belong there, beside `dr`.

import { readSys32, writeSys32 } from '../access.ts';
import { CpuFault, gp, np, ud, Vector } from '../faults.ts';
import { getCF, getEflags, materializeFlags, setCF, setEflagsMasked } from '../flags.ts';
import type { Insn } from '../insn.ts';
import { clocksFor } from '../optable.ts';
import {
  ea, eaLinForWrite, getReg, readEw, readLin, readMem16, readMem32, setReg, writeE, writeLin,
} from '../operands.ts';
import { AH_BYTE } from './system-consts.ts';
import { EAX, EBX, ECX, EDX, type Size } from '../registers.ts';
import { descriptorAddress, type Descriptor, isProtected, parseDescriptor } from '../segments.ts';
import { segWrite, probeWrite, writeLin16, writeLin32 } from '../access.ts';
import {
  AF, CF, type Cpu, CR0_AM, CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, DF, IF,
  IOPL, PF, SF, VM, ZF,
} from '../state.ts';
import { tlbFlush, tlbFlushPage, updateAccessMasks } from '../tlb.ts';
