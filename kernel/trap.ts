// The trap frame: what the entry stubs (kernel/arch/stubs.ts) leave on the kernel stack before they
// call the kernel, and what they pop before IRET. The stack pointer they pass is the frame's
// address; the kernel reads and edits the frame in guest RAM, then names the frame to return to.
//
//   +00 EDI  +04 ESI  +08 EBP  +0C (ESP, ignored by POPA)  +10 EBX  +14 EDX  +18 ECX  +1C EAX
//   +20 GS   +24 FS   +28 ES   +2C DS     (pushed by the common stub)
//   +30 vector  +34 error code (0 when the exception pushes none)
//   +38 EIP  +3C CS  +40 EFLAGS            (pushed by the processor)
//   +44 ESP  +48 SS                        (pushed only on a change to ring 0 from ring 3)

import type { Hw, VirtAddr } from './hw.ts';
import { V2P } from './layout.ts';

export const TF = {
  EDI: 0x00, ESI: 0x04, EBP: 0x08, ESP_POPA: 0x0c, EBX: 0x10, EDX: 0x14, ECX: 0x18, EAX: 0x1c,
  GS: 0x20, FS: 0x24, ES: 0x28, DS: 0x2c, VECTOR: 0x30, ERR: 0x34,
  EIP: 0x38, CS: 0x3c, EFLAGS: 0x40, ESP: 0x44, SS: 0x48,
} as const;
export type TrapField = keyof typeof TF;

/** A frame from ring 3 (with ESP and SS) and one from ring 0 (without). */
export const USER_FRAME_SIZE = 0x4c;
export const KERNEL_FRAME_SIZE = 0x44;

export const EFLAGS_IF = 1 << 9;
/** Bit 1 of EFLAGS always reads 1. */
export const EFLAGS_RESERVED = 1 << 1;

/**
 * A trap frame read once, when the trap comes in: one read of guest RAM, then fields by name (the
 * kernel keeps one and reuses it, so a trap allocates nothing). Writes go to guest RAM (setTf).
 */
export class TrapFrame {
  private readonly bytes = new Uint8Array(USER_FRAME_SIZE);
  private readonly view = new DataView(this.bytes.buffer);
  /** Where the frame is (a kernel linear address on the kernel stack). */
  at = 0 as VirtAddr;

  load(hw: Hw, frame: VirtAddr): void {
    this.at = frame;
    // A ring-0 frame is 8 bytes shorter; the bytes past it are read and never looked at.
    hw.readPhysBytes(V2P(frame), this.bytes);
  }

  get(f: TrapField): number {
    return this.view.getUint32(TF[f], true);
  }

  /** Whether the trap came from ring 3 (the CS it interrupted has RPL 3). */
  get fromUser(): boolean {
    return (this.get('CS') & 3) === 3;
  }
}

export function getTf(hw: Hw, frame: VirtAddr, f: TrapField): number {
  return hw.readPhys32(V2P(frame + TF[f]));
}
export function setTf(hw: Hw, frame: VirtAddr, f: TrapField, v: number): void {
  hw.writePhys32(V2P(frame + TF[f]), v >>> 0);
}
function fromUser(hw: Hw, frame: VirtAddr): boolean {
  return (getTf(hw, frame, 'CS') & 3) === 3;
}

/** The frame as text, for a panic or a kill report. */
export function describeFrame(hw: Hw, frame: VirtAddr): string[] {
  const h = (f: TrapField): string => `${f.toLowerCase()}=${getTf(hw, frame, f).toString(16).padStart(8, '0')}`;
  const lines = [
    `  ${h('EAX')} ${h('EBX')} ${h('ECX')} ${h('EDX')}`,
    `  ${h('ESI')} ${h('EDI')} ${h('EBP')}`,
    `  vector=${getTf(hw, frame, 'VECTOR')} err=${getTf(hw, frame, 'ERR').toString(16)} cs:eip=${getTf(hw, frame, 'CS').toString(16).padStart(4, '0')}:${getTf(hw, frame, 'EIP').toString(16).padStart(8, '0')} ${h('EFLAGS')}`,
  ];
  if (fromUser(hw, frame)) lines.push(`  ss:esp=${getTf(hw, frame, 'SS').toString(16).padStart(4, '0')}:${getTf(hw, frame, 'ESP').toString(16).padStart(8, '0')}`);
  return lines;
}

/** Copies a whole user frame (fork gives the child its parent's registers). */
export function copyFrame(hw: Hw, dst: VirtAddr, src: VirtAddr): void {
  hw.copyPhys(V2P(dst), V2P(src), USER_FRAME_SIZE);
}

