// Out of memory: when a page fault finds no free frame, the kernel frees frames by ending one
// process, chosen by a rule rather than by who happened to fault (Linux's OOM killer): the process
// with the largest resident set, since ending it frees the most. On a tie, the process that needed
// the frame goes if it is one of the largest, else the youngest of them (the highest pid). The kill
// message says why it was chosen; when it was not the process that needed the frame, that one's
// fault is then tried again.

import { residentPages } from '../mm/vmm.ts';
import { kill, type ExitContext } from './exit.ts';
import type { Process } from './process.ts';

/** The process to end when `needy` needs a frame and none is free, and its resident set. */
export function chooseOomVictim(x: ExitContext, needy: Process): { victim: Process; pages: number } {
  let victim = needy;
  let pages = needy.pd !== 0 ? residentPages(x.hw, needy.pd) : 0;
  for (const p of x.table.procs.values()) {
    if (p === needy || p.state === 'zombie' || p.pd === 0) continue;
    const n = residentPages(x.hw, p.pd);
    if (n > pages || (n === pages && victim !== needy && p.pid > victim.pid)) { victim = p; pages = n; }
  }
  return { victim, pages };
}

/** Why a process was chosen, for its kill message. */
export function oomReason(victim: Process, pages: number, needy: Process): string {
  const who = victim === needy ? 'it needed a frame and none was free' : `pid ${needy.pid} (${needy.name}) needed a frame and none was free`;
  return `out of memory: ${who}; it had the largest resident set (${pages} pages)`;
}

/** Ends the victim for `needy`'s want of a frame; true when `needy` lives on and may try again. */
export function killForMemory(x: ExitContext, needy: Process): boolean {
  const { victim, pages } = chooseOomVictim(x, needy);
  if (victim === needy) return false;
  kill(x, victim, oomReason(victim, pages, needy));
  return true;
}
