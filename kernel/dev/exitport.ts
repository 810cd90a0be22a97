// The ports the kernel uses to stop the machine and to shout when all else fails: the exit port
// (F4h: the run ends with the byte written as its status) and the debug console (E9h: each byte
// goes to the host at once, whatever state the UART is in). Both are the emulator's, as QEMU's
// isa-debug-exit and debugcon are.

import type { Hw } from '../hw.ts';

const EXIT_PORT = 0xf4;
const DEBUGCON_PORT = 0xe9;

/** Ends the run with `status`. */
export function powerOff(hw: Hw, status: number): void {
  hw.outb(EXIT_PORT, status);
}

/** Writes text to the debug console (7-bit). */
export function debugPrint(hw: Hw, text: string): void {
  for (let k = 0; k < text.length; k++) hw.outb(DEBUGCON_PORT, text.charCodeAt(k) & 0x7f);
}
