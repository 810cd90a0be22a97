// The import rules of ARCHITECTURE.md, checked by running the project's own lint configuration on
// small pieces of code placed (virtually) in each folder.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function errorsFor(file: string, code: string, rule = 'no-restricted-imports'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('import boundaries', () => {
  it('rejects a kernel module that imports an emulator value', async () => {
    const errors = await errorsFor('kernel/mm/frames.ts', "import { Machine } from '../../emulator/machine.ts';\nexport const m = Machine;\n");
    expect(errors.join()).toMatch(/kernel\/ may import only emulator\/hostport\.ts/);
  });

  it('rejects a value import of HostPort into the kernel', async () => {
    const errors = await errorsFor('kernel/hw.ts', "import { HostPort } from '../emulator/hostport.ts';\nexport const h: HostPort | null = null;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('accepts `import type` of HostPort in the kernel', async () => {
    const errors = await errorsFor('kernel/hw.ts', "import type { HostPort } from '../emulator/hostport.ts';\nexport const h: HostPort | null = null;\n");
    expect(errors).toEqual([]);
  });

  it('rejects the CPU importing a device', async () => {
    const errors = await errorsFor('emulator/cpu/step.ts', "import { DebugConsole } from '../devices/debugcon.ts';\nexport const d = DebugConsole;\n");
    expect(errors.join()).toMatch(/never a device/);
  });

  it('rejects a device importing the CPU', async () => {
    const errors = await errorsFor('emulator/devices/uart16550.ts', "import { Cpu } from '../cpu/state.ts';\nexport const c = Cpu;\n");
    expect(errors.join()).toMatch(/never the CPU/);
  });

  it('rejects node:* outside emulator/host', async () => {
    const errors = await errorsFor('emulator/machine.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(errors.join()).toMatch(/only emulator\/host\//);
  });

  it('rejects the emulator importing the kernel', async () => {
    const errors = await errorsFor('emulator/machine.ts', "import { x } from '../kernel/index.ts';\nexport const y = x;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects the CLI importing an emulator file other than emulator/index.ts, as a type too', async () => {
    const value = await errorsFor('cli/main.ts', "import { Machine } from '../emulator/machine.ts';\nexport const m = Machine;\n");
    expect(value.join()).toMatch(/cli\/ imports the emulator through emulator\/index\.ts only/);
    const type = await errorsFor('cli/main.ts', "import type { BlockDevice } from '../emulator/disk.ts';\nexport const d: BlockDevice | null = null;\n");
    expect(type.join()).toMatch(/emulator\/index\.ts only/);
  });

  it('accepts the CLI importing emulator/index.ts', async () => {
    const errors = await errorsFor('cli/main.ts', "import { Machine, type BlockDevice } from '../emulator/index.ts';\nexport const m = Machine;\nexport const d: BlockDevice | null = null;\n");
    expect(errors).toEqual([]);
  });

  it('rejects the benchmark importing an emulator file other than emulator/index.ts, as a type too', async () => {
    const value = await errorsFor('bench/bench.ts', "import { Machine } from '../emulator/machine.ts';\nexport const m = Machine;\n");
    expect(value.join()).toMatch(/the benchmark drives the emulator through emulator\/index\.ts only/);
    const type = await errorsFor('bench/flat.ts', "import type { Cpu } from '../emulator/cpu/state.ts';\nexport const c: Cpu | null = null;\n");
    expect(type.join()).toMatch(/emulator\/index\.ts only/);
  });

  it('accepts the benchmark importing emulator/index.ts', async () => {
    const errors = await errorsFor('bench/bench.ts', "import { Machine, MemoryDisk } from '../emulator/index.ts';\nexport const m = [Machine, MemoryDisk];\n");
    expect(errors).toEqual([]);
  });

  it('lets tests import emulator internals', async () => {
    const errors = await errorsFor('test/unit/emulator/x.test.ts', "import { Machine } from '../../../emulator/machine.ts';\nexport const m = Machine;\n");
    expect(errors).toEqual([]);
  });
});

describe('the kernel reaches the machine through Hw only', () => {
  it('rejects a kernel file that reaches past Hw to its port', async () => {
    const errors = await errorsFor('kernel/mm/vmm.ts', "declare const hw: { port: { copyPhys(d: number, s: number, n: number): void } };\nhw.port.copyPhys(1, 2, 3);\n", 'no-restricted-syntax');
    expect(errors.join()).toMatch(/the kernel reaches the machine through Hw \(kernel\/hw\.ts\) only/);
  });

  it('accepts the same access in kernel/hw.ts, which holds the port', async () => {
    const errors = await errorsFor('kernel/hw.ts', "declare const hw: { port: { copyPhys(d: number, s: number, n: number): void } };\nhw.port.copyPhys(1, 2, 3);\n", 'no-restricted-syntax');
    expect(errors).toEqual([]);
  });
});
