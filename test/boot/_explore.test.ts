import { it } from 'vitest';
import { bootKernel } from '../harness/kernel.ts';
it('explore', () => {
  const t0 = Date.now();
  const m = bootKernel(JSON.parse(process.env.OPTS ?? '{}'));
  console.log(`boot ${Date.now() - t0} ms [${m.machine.cpu.cycles}]\n` + m.transcript);
  for (const c of (process.env.CMDS ?? 'help').split(';')) {
    const t = Date.now();
    try { console.log(`$ ${c}\n` + m.command(c, 400_000_000) + `   [${m.machine.cpu.cycles} cycles, ${Date.now() - t} ms]`); } catch (e) { console.log(String(e).slice(0, 3000)); break; }
  }
  console.log(JSON.stringify(m.kernel.stats));
});
