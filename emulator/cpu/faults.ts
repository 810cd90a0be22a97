// Exceptions the i386 raises (i386 PRM, chapter 9 "Exceptions and Interrupts", table
// "Exception Summary"). A fault is thrown where it is detected, as a CpuFault, and caught once, in
// step(), which rolls EIP back to the instruction and delivers it.

export const Vector = {
  DE: 0, // divide error
  DB: 1, // debug
  NMI: 2,
  BP: 3, // INT3
  OF: 4, // INTO
  BR: 5, // BOUND range exceeded
  UD: 6, // invalid opcode
  NM: 7, // coprocessor not available
  DF: 8, // double fault
  CSO: 9, // coprocessor segment overrun
  TS: 10, // invalid TSS
  NP: 11, // segment not present
  SS: 12, // stack fault
  GP: 13, // general protection
  PF: 14, // page fault
  MF: 16, // coprocessor error
  AC: 17, // alignment check (486)
} as const;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  9: 'CSO', 10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC',
};

/** Exceptions that push an error code (i386 PRM, "Error Code"). */
export const HAS_ERROR_CODE: ReadonlySet<number> = new Set([8, 10, 11, 12, 13, 14, 17]);

/**
 * Class of each exception for the double-fault rule (i386 PRM, "Double Fault", table
 * "Double-Fault Detection Classes"): a contributory exception during delivery of another
 * contributory one, or a page fault during a page fault or contributory one, is a double fault.
 */
export const CONTRIBUTORY: ReadonlySet<number> = new Set([0, 9, 10, 11, 12, 13]);

/**
 * Not an Error subclass on purpose: capturing a JavaScript stack trace costs microseconds, and a
 * guest under demand paging raises a fault for every page it touches.
 */
export class CpuFault {
  readonly vector: number;
  /** The error code pushed with the exception, or -1 when it pushes none. */
  readonly errorCode: number;
  private readonly text: string;
  /** A page fault's linear address (CR2), or -1: its detail is made only if someone reads it. */
  private readonly linear: number;

  constructor(vector: number, errorCode = -1, detail = '', linear = -1) {
    this.vector = vector;
    this.errorCode = errorCode;
    this.text = detail;
    this.linear = linear;
  }

  /** What the thrower said of it (a page fault's: its linear address). */
  get detail(): string {
    return this.linear >= 0 ? `linear 0x${this.linear.toString(16)}` : this.text;
  }

  get message(): string {
    const code = this.errorCode >= 0 ? `(0x${this.errorCode.toString(16)})` : '';
    return `${VECTOR_NAMES[this.vector] ?? `vector ${this.vector}`}${code}${this.detail ? `: ${this.detail}` : ''}`;
  }

  toString(): string {
    return this.message;
  }
}

// Throwers named after the exception, so a handler reads `throw gp(0)`.
export const ud = (detail = ''): CpuFault => new CpuFault(Vector.UD, -1, detail);
export const gp = (code: number, detail = ''): CpuFault => new CpuFault(Vector.GP, code, detail);
export const ss = (code: number, detail = ''): CpuFault => new CpuFault(Vector.SS, code, detail);
export const np = (code: number, detail = ''): CpuFault => new CpuFault(Vector.NP, code, detail);
export const ts = (code: number, detail = ''): CpuFault => new CpuFault(Vector.TS, code, detail);
export const de = (): CpuFault => new CpuFault(Vector.DE);
