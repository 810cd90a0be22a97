// Register numbering as the i386 encodes it in ModRM and opcode low bits (i386 PRM, "General
// Registers" and Appendix A). The numbers are array indices into CpuState.reg / .seg*.

/** 32-bit general registers; the same index names AX/EAX and AL (for 8-bit operands see REG8). */
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
/** A register slot that always holds 0: an absent base or index in an effective address. */
export const ZERO = 8;

/** Segment registers in their encoded order (Sreg field of MOV Sreg). */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

export const REG32_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export const REG16_NAMES = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
export const REG8_NAMES = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/**
 * Byte offset of each 8-bit register inside the little-endian register file: AL..BL are the low
 * bytes of EAX..EBX, AH..BH their second bytes.
 */
export const REG8_BYTE = [0, 4, 8, 12, 1, 5, 9, 13] as const;

/** Operand sizes in bits. */
export type Size = 8 | 16 | 32;

/** Mask of a value of each size; 32-bit values are kept as signed int32 (|0) throughout. */
export const sizeMask = (size: Size): number => (size === 32 ? -1 : (1 << size) - 1);
