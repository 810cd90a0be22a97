// Whole sessions compared with expected transcripts (test/boot/*.expect): everything the serial
// console showed from power-on to `halt`, byte for byte. Runs are deterministic, so any change in
// what the kernel prints or in when it prints it shows up here as a diff. After an intended change:
//
//   UPDATE_EXPECT=1 npx vitest run test/boot/sessions.test.ts
//
// and read the diff of the rewritten .expect files.

import { describe, expect, it } from 'vitest';
import { bootKernel, type BootOptions, type KernelMachine } from '../harness/kernel.ts';

/**
 * Types the commands one by one, each up to the next prompt; `wait:TEXT` runs until TEXT has appeared
 * (a background job's line); `halt` runs to the machine's stop and checks the exit status is 0.
 */
function session(opts: BootOptions, commands: string[]): KernelMachine {
  const m = bootKernel(opts);
  for (const c of commands) {
    if (c.startsWith('wait:')) {
      m.runUntil(c.slice(5)); // anywhere in the transcript: the job may have ended already
    } else if (c === 'halt') {
      m.type('halt\r');
      const r = m.runToStop();
      expect(r.reason).toBe('exit');
      expect(r.exitStatus).toBe(0);
    } else {
      m.command(c);
    }
  }
  return m;
}

describe('expected transcripts', () => {
  it('shell.expect: the commands, programs and one-line errors of the shell', () => {
    const m = session({}, ['help', 'ls', 'run hello', 'run echo a b c', 'run nope', 'frobnicate', 'run cat README', 'run exitcode 3', 'halt']);
    m.expectTranscript('test/boot/shell.expect');
  });

  it('faults.expect: traced demand paging, the four bad pointers, a stack past its limit', () => {
    const m = session({}, [
      'trace pf on', 'run touch 4', 'run badnull', 'run badkern', 'run badtext', 'run badwild', 'trace pf off',
      'run stack 16', 'run stack 300', 'run hello', 'stats', 'halt',
    ]);
    m.expectTranscript('test/boot/faults.expect');
  });

  it('memory.expect: mem, vm, heap, tlb and stats around jobs and forks (bitmap frames, best fit)', () => {
    const m = session({ frames: 'bitmap', heap: 'best' }, [
      'mem', 'heap', 'run sleeper 300 &', 'ps', 'vm 1', 'mem', 'run forkdemo', 'run isolate', 'run mstress 100 2',
      'wait:[1] done: sleeper, status 0', 'mem', 'heap', 'tlb', 'stats', 'halt',
    ]);
    m.expectTranscript('test/boot/memory.expect');
  });

  it('buddy.expect: the buddy free lists before, during and after a process (486)', () => {
    const m = session({ cpu: 486 }, ['mem', 'run sleeper 200 &', 'mem', 'wait:[1] done: sleeper, status 0', 'mem', 'run touch 64', 'mem', 'halt']);
    m.expectTranscript('test/boot/buddy.expect');
  });
});
