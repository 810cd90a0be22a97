// What a process in a partition did wrong (--mm segments), in the one report its kill gets: a #GP
// or #SS from a reference past a segment's limit names the selector, the offset and the limit. The
// error code of a limit violation is 0 (i386 PRM 9.8.12, 9.8.11), so the instruction at CS:EIP is
// decoded to find the reference (arch/references.ts). And a stack that has grown below its bottom
// into the bss, which no limit can catch (the stack and the data share one segment, as C needs),
// is caught at the next trap.

import { memoryReferences, outsideLimit, type Registers, type SegReg } from '../arch/references.ts';
import { hex } from '../format.ts';
import { phys, type Hw } from '../hw.ts';
import { SEL_SEG_CODE, SEL_SEG_DATA } from '../layout.ts';
import type { TrapFrame } from '../trap.ts';
import type { Process } from './process.ts';

const MAX_INSN = 15;

/** The limit (the last valid offset) of the segment a selector names for `p`; null for any other selector. */
function limitOf(p: Process, selector: number): number | null {
  const s = p.seg!;
  if ((selector & 0xffff) === SEL_SEG_DATA) return s.size - 1;
  if ((selector & 0xffff) === SEL_SEG_CODE) return s.codeBytes - 1;
  return null;
}

/** The report for `name` (a #GP or #SS) raised in `p`, from the trap frame `tf`. */
export function describeSegmentFault(hw: Hw, p: Process, tf: TrapFrame, name: string): string {
  const s = p.seg!;
  const eip = tf.get('EIP'), cs = tf.get('CS') & 0xffff;
  const at = `${cs.toString(16).padStart(4, '0')}:${hex(eip)}`;
  const head = `pid ${p.pid} (${p.name}): ${name} (error code 0x${tf.get('ERR').toString(16)}) at ${at}`;
  if (eip >= s.codeBytes) return `${head}: instruction fetch past the code segment's limit 0x${hex(s.codeBytes - 1)} (selector 0x${cs.toString(16).padStart(2, '0')})`;
  const code = new Uint8Array(Math.min(MAX_INSN, s.codeBytes - eip));
  hw.readPhysBytes(phys(s.base + eip), code);
  const r: Registers = {
    EAX: tf.get('EAX'), ECX: tf.get('ECX'), EDX: tf.get('EDX'), EBX: tf.get('EBX'), ESP: tf.get('ESP'),
    EBP: tf.get('EBP'), ESI: tf.get('ESI'), EDI: tf.get('EDI'), EIP: eip,
  };
  const refs = memoryReferences(code, r);
  const selectors: Record<SegReg, number> = { CS: cs, SS: tf.get('SS') & 0xffff, DS: tf.get('DS') & 0xffff, ES: tf.get('ES') & 0xffff, FS: tf.get('FS') & 0xffff, GS: tf.get('GS') & 0xffff };
  const bad = refs === null ? null : outsideLimit(refs, (seg) => limitOf(p, selectors[seg]));
  if (bad === null) return `${head}: not a reference past a limit the kernel can name`;
  const sel = selectors[bad.seg];
  const bytes = bad.size === 1 ? 'byte' : 'bytes';
  return `${head}: ${bad.write ? 'write' : 'read'} of ${bad.size} ${bytes} at ${bad.seg.toLowerCase()}:0x${hex(bad.offset)} past the limit 0x${hex(limitOf(p, sel)!)} of selector 0x${sel.toString(16).padStart(2, '0')}`;
}

/** Why `p` must die now that its stack pointer is below its stack, or null when it is not. */
export function stackOverflow(p: Process, esp: number): string | null {
  const s = p.seg!;
  if (esp >= s.stackBottom || esp > p.heapStart) return null;
  return `pid ${p.pid} (${p.name}): stack overflow: esp 0x${hex(esp)} is below the stack [0x${hex(s.stackBottom)}, 0x${hex(p.heapStart)}), in the program's data`;
}
