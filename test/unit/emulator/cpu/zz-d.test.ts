import { it } from 'vitest';
import { dbg } from './zz-fz.test.ts';
it('d', () => {
  const code = new Uint8Array(4096).fill(0x90);
  code[0] = 0x0f; code[1] = 0x0b;
  const m = dbg.runSeedCode(code);
  for (let k = 0; k < 10; k++) { m.run(1); const c = m.cpu; console.log(c.seg[1]!.toString(16), c.eip.toString(16), c.cpl, c.reg[4]!.toString(16), m.phys.read32(0x4f0), c.instructions, c.shutdownReason); }
});
