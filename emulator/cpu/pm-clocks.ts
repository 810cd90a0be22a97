// Protected-mode clock counts ("pm=" in the i386 PRM timing tables): segment-register loads, far
// transfers, INT and IRET cost more in protected mode, where they read and check descriptors, than
// in real or virtual-8086 mode. Decoding cannot know the mode an instruction will run in (a cached
// block may run in either), so these rows get a handler that adds the difference when it runs in
// protected mode and then does the instruction. (I/O instructions have their own pm rule, io.ts.)

import { CLOCKS, type Clocks } from './cycles.ts';
import type { Insn } from './insn.ts';
import { type Cpu, VM } from './state.ts';

/** The rows whose pm count applies whenever they run in protected mode. */
export const PM_CLOCKED: ReadonlySet<Clocks> = new Set(
  ['POP ES', 'POP SS', 'POP DS', 'POP FS', 'POP GS', 'MOV Sw,Ew', 'JMP Ap', 'JMP Mp', 'CALL Ap', 'CALL Mp',
    'RETF', 'RETF Iw', 'INT 3', 'INT Ib', 'IRET', 'LDS Gv,Mp', 'LES Gv,Mp', 'LFS Gv,Mp', 'LGS Gv,Mp', 'LSS Gv,Mp']
    .map((k) => {
      const c = CLOCKS[k];
      if (c?.pm === undefined) throw new Error(`pm-clocks: ${k} has no pm count`);
      return c;
    }),
);

/** The handler of a PM_CLOCKED row: the protected-mode difference (insn.cyclesPm), then the instruction. */
export function chargeProtectedMode(cpu: Cpu, i: Insn): void {
  if ((cpu.cr0 & 1) !== 0 && (cpu.flags & VM) === 0) cpu.cycles += i.cyclesPm;
  i.inner(cpu, i);
}
