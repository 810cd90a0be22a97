// The context switch: the kernel returns from a host call on the trap frame it names (setESP), so
// switching to a process is loading its address space (CR3), pointing TSS.ESP0 at the top of its
// kernel stack (where the processor puts the next trap frame from ring 3) and naming its frame. The
// idle context is a ring-0 frame on the idle stack that IRETs into `sti; hlt; jmp`.

import { PAGE_SIZE, virt, type Hw, type PhysAddr, type VirtAddr } from '../hw.ts';
import { IDLE_STACK_PHYS, KERNEL_PD_PHYS, P2V, SEL_KCODE, SEL_KDATA, STUBS_PHYS, TSS_PHYS, V2P } from '../layout.ts';
import { EFLAGS_IF, EFLAGS_RESERVED, KERNEL_FRAME_SIZE, TF } from '../trap.ts';
import { setTssEsp0 } from './descriptors.ts';
import { loadLdt } from './ldt.ts';
import { STUB_IDLE } from './stubs.ts';

/**
 * The idle context's frame, as switchToIdle writes it each time: all zeros but DS, ES, FS and GS
 * (the kernel's data selector), EIP (the idle stub), CS (the kernel's code selector) and EFLAGS (IF).
 */
function idleFrameImage(): Uint8Array {
  const image = new Uint8Array(KERNEL_FRAME_SIZE);
  const v = new DataView(image.buffer);
  for (const s of ['DS', 'ES', 'FS', 'GS'] as const) v.setUint32(TF[s], SEL_KDATA >>> 0, true);
  v.setUint32(TF.EIP, (P2V(STUBS_PHYS) + STUB_IDLE) >>> 0, true);
  v.setUint32(TF.CS, SEL_KCODE >>> 0, true);
  v.setUint32(TF.EFLAGS, (EFLAGS_IF | EFLAGS_RESERVED) >>> 0, true);
  return image;
}

export class ContextSwitch {
  private readonly hw: Hw;
  /** What TSS.ESP0 holds now, so an unchanged value is not written again. */
  private esp0 = -1;
  /** The LDT the GDT's slot and LDTR name now (--mm segments), so an unchanged one is not loaded again. */
  private ldt = -1;
  /** The bytes of the idle frame (idleFrameImage), made once. */
  private readonly idleFrame = idleFrameImage();

  constructor(hw: Hw) {
    this.hw = hw;
  }

  /**
   * Returns to the context whose frame is at `frame`, in address space `pd`, with its kernel stack
   * ending at `esp0`. `from` is the frame the trap came in on: the stub's ESP already points there,
   * so returning to it needs no setESP.
   */
  switchTo(pd: PhysAddr, esp0: VirtAddr, frame: VirtAddr, from: VirtAddr, ldt: PhysAddr | null = null): void {
    const hw = this.hw;
    if (hw.readCR3() !== pd) hw.writeCR3(pd);
    // --mm segments: the process's own LDT, which its selectors name (the stub reloads them from it).
    if (ldt !== null && ldt !== this.ldt) { loadLdt(hw, ldt); this.ldt = ldt; }
    this.setEsp0(esp0);
    if (frame !== from) hw.setESP(frame);
  }

  /** The idle context, in the kernel's own directory. */
  switchToIdle(): void {
    const hw = this.hw;
    if (hw.readCR3() !== KERNEL_PD_PHYS) hw.writeCR3(KERNEL_PD_PHYS);
    const frame = virt(P2V(IDLE_STACK_PHYS) + PAGE_SIZE - KERNEL_FRAME_SIZE);
    // A fresh frame each time (the last idle trap left its own there): one bulk write of the
    // image, uncharged as the fill and the word writes it stands for are.
    hw.storePhysBytes(V2P(frame), this.idleFrame);
    this.setEsp0(virt(P2V(IDLE_STACK_PHYS) + PAGE_SIZE));
    hw.setESP(frame);
  }

  private setEsp0(esp0: VirtAddr): void {
    if (esp0 === this.esp0) return;
    setTssEsp0(this.hw, TSS_PHYS, esp0);
    this.esp0 = esp0;
  }
}
