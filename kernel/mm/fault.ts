// A page fault, decoded once (Serenity's PageFault): the address from CR2, and the error code the
// processor pushed turned into what it says, so the pager, the trace and the kill report read
// fields instead of testing bits (i386 PRM 9.8.14, "Interrupt 14 -- Page Fault"):
//
//   error code:  bit 0 P    0: the page was not present      1: a page-level protection violation
//                bit 1 W/R  0: the access was a read         1: a write
//                bit 2 U/S  0: at CPL 0-2 (supervisor)       1: at CPL 3 (user)
//
// The 386's code has no bit for an instruction fetch (the I/D bit came with NX, much later); a
// fetch shows as a read whose address lies in the instruction at EIP, and `access` says 'fetch'
// then. The words of a report keep to what the error code says ('read'), as the processor does.

import { type VirtAddr } from '../hw.ts';
import { PTE_P, PTE_U, PTE_W } from './pagetable.ts';

/** #PF error code bits (i386 PRM 9.8.14). */
export const PF_P = 0x1, PF_W = 0x2, PF_U = 0x4;

/** The longest i386 instruction is 15 bytes: a read of CR2 in [EIP, EIP+15) is its own fetch. */
const MAX_INSN = 15;

export interface PageFault {
  /** The linear address that faulted (CR2). */
  readonly va: VirtAddr;
  /** true: a protection violation on a present page; false: the page was not present. */
  readonly present: boolean;
  readonly access: 'read' | 'write' | 'fetch';
  readonly mode: 'user' | 'supervisor';
  /** The faulting instruction. */
  readonly eip: number;
  /** The error code as the processor pushed it. */
  readonly code: number;
  /** Taken by the kernel touching user memory for a system call (no #PF came): not a ring-3 reference. */
  readonly inSyscall?: true;
}

/** The #PF error code alone (i386 PRM 9.8.14). */
export interface PageFaultCode {
  present: boolean;
  write: boolean;
  /** the access was made at CPL 3 */
  user: boolean;
}

export function decodeFaultCode(err: number): PageFaultCode {
  return { present: (err & PF_P) !== 0, write: (err & PF_W) !== 0, user: (err & PF_U) !== 0 };
}

/** The record for a #PF taken at `eip` with CR2 = `va` and error code `code`. */
export function decodePageFault(va: VirtAddr, code: number, eip: number): PageFault {
  const c = decodeFaultCode(code);
  const fetch = !c.write && ((va - eip) >>> 0) < MAX_INSN;
  return { va, present: c.present, access: c.write ? 'write' : fetch ? 'fetch' : 'read', mode: c.user ? 'user' : 'supervisor', eip, code };
}

/**
 * The fault the kernel takes on a process's behalf when a system call touches a user page that is
 * not present yet (copyin/copyout): what the processor would have reported for that user access.
 */
export function userAccessFault(va: VirtAddr, write: boolean, eip: number): PageFault {
  return { va, present: false, access: write ? 'write' : 'read', mode: 'user', eip, code: PF_U | (write ? PF_W : 0), inSyscall: true };
}

/**
 * What kind of page a protection fault hit, or null when it cannot be told. The error code alone
 * decides two cases: a user read of a present page faults only on a supervisor page, and a kernel
 * write only on a read-only page (CR0.WP). A user write could be either, so `effective` (the
 * walk's effectiveFlags) picks.
 */
function protectedPage(c: PageFaultCode, effective: number | undefined): string | null {
  if (effective !== undefined && (effective & PTE_P) !== 0) {
    if (c.user && (effective & PTE_U) === 0) return 'supervisor page';
    if (c.write && (effective & PTE_W) === 0) return 'read-only page';
    return null; // the tables allow the access: the fault came from a translation since changed
  }
  if (c.user && !c.write) return 'supervisor page';
  if (!c.user && c.write) return 'read-only page';
  return null;
}

/**
 * The error code in words, for the fault report: 'user write to read-only page', 'user read of
 * not-present page', 'kernel write to not-present page', 'user read of supervisor page', ...
 * `effective` is effectiveFlags(walk(...)) for the faulting address; without it a user write to a
 * present page is 'user write protection violation', since the code cannot say which rule it broke.
 */
export function describeFaultCode(err: number, effective?: number): string {
  const c = decodeFaultCode(err);
  const who = c.user ? 'user' : 'kernel';
  if (!c.present) return `${who} ${c.write ? 'write to' : 'read of'} not-present page`;
  const page = protectedPage(c, effective);
  if (page === null) return `${who} ${c.write ? 'write' : 'read'} protection violation`;
  return `${who} ${c.write ? 'write to' : 'read of'} ${page}`;
}
