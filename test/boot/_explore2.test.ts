import { it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';
it('explore2', () => {
  for (const cpu of [386, 486] as const) {
    const m = bootKernel({ cpu });
    const hc = m.machine.hostcall as unknown as { invlpg(l: number): void; writeCR3(v: number): void };
    let inv = 0, cr3 = 0;
    const oi = hc.invlpg.bind(hc), oc = hc.writeCR3.bind(hc);
    hc.invlpg = (l) => { inv++; oi(l); };
    hc.writeCR3 = (v) => { cr3++; oc(v); };
    for (const c of ['run hello', 'run touch 8', 'run mstress 200', 'run forkdemo', 'run isolate', 'tlb']) {
      const o = m.command(c, 400_000_000);
      console.log(cpu, c, JSON.stringify(o), inv, cr3, m.machine.cpu.cycles);
    }
  }
});
