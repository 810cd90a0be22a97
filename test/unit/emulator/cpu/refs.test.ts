// The MMU's reference recorder (cpu/refs.ts): small ring-3 programs on identity-mapped pages, with
// the records a sink sees compared whole: data reads and writes from translate(), one fetch per
// instruction from the run loop (also when its block is cached and chained), consecutive equal
// references collapsed; and refTraceTake's per-CR3 string of user pages.
import { describe, expect, it } from 'vitest';
import { REF_USER } from '../../../../emulator/cpu/refs.ts';
import { TLB_ALWAYS } from '../../../../emulator/cpu/tlb.ts';
import type { Machine } from '../../../../emulator/machine.ts';
import { flat32 } from '../../../harness/cpu.ts';
import { enablePaging, enterRing3, installTables, PD, setGate } from './pm-fixture.ts';

const ACCESS = ['read', 'write', 'fetch'];
const CODE = 0x20000, CODE2 = 0x22000, HANDLER = 0x21000;

/** E9 rel32: a near JMP at `at` to `to`. */
const jmp = (at: number, to: number): number[] => {
  const rel = (to - (at + 5)) | 0;
  return [0xe9, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, (rel >>> 24) & 0xff];
};

/** A ring-3 machine with paging on (0-4 MiB identity-mapped, user, writable) and `code` at `addr`. */
function ring3(code: Array<[number, number[]]>): Machine {
  const m = flat32([0xf4]).m;
  installTables(m);
  enablePaging(m);
  for (const [addr, bytes] of code) m.phys.load(addr, Uint8Array.from(bytes));
  enterRing3(m, CODE, 0x70000);
  return m;
}

interface Rec { text: string; dir: number; cycle: number }

/** Records into an array: "fetch 20 user" (access, page in hex, user or kernel), with CR3 >>> 12 and the cycle. */
function record(m: Machine): Rec[] {
  const recs: Rec[] = [];
  m.cpu.refs.sink = {
    reference: (dir, page, kind, cycle) => recs.push({ text: `${ACCESS[kind & 3]} ${page.toString(16)} ${(kind & REF_USER) !== 0 ? 'user' : 'kernel'}`, dir, cycle }),
    label: () => {},
  };
  m.hostPort.refTraceStart();
  return recs;
}

// Data on two pages (30, 31), code on two (20, 22); it ends in JMP $ on page 20.
const DATA_PROGRAM: Array<[number, number[]]> = [
  [CODE, [
    0xa1, 0x00, 0x00, 0x03, 0x00, //          mov eax, [0x30000]
    0xa3, 0x00, 0x10, 0x03, 0x00, //          mov [0x31000], eax
    0x43, //                                  inc ebx
    0x43, //                                  inc ebx
    0x8b, 0x0d, 0x04, 0x00, 0x03, 0x00, //    mov ecx, [0x30004]
    0x01, 0x05, 0x08, 0x00, 0x03, 0x00, //    add [0x30008], eax
    ...jmp(CODE + 0x18, CODE2), //            jmp 0x22000
  ]],
  [CODE2, [
    0x8b, 0x15, 0x00, 0x10, 0x03, 0x00, //    mov edx, [0x31000]
    ...jmp(CODE2 + 6, CODE + 0x20), //        jmp 0x20020
  ]],
  [CODE + 0x20, [0xeb, 0xfe]], //             jmp $
];

describe('reference recorder', () => {
  it('records each data access and each instruction fetch, collapsing consecutive equal references', () => {
    const m = ring3(DATA_PROGRAM);
    m.phys.write32(0x30000, 5);
    const recs = record(m);
    const c0 = m.cpu.cycles;
    m.run(3000);
    expect(recs.map((r) => r.text)).toEqual([
      'fetch 20 user', 'read 30 user', //       mov eax, [0x30000]
      'fetch 20 user', 'write 31 user', //      mov [0x31000], eax
      'fetch 20 user', //                       inc ebx; inc ebx; mov ecx, [0x30004]: one fetch record
      'read 30 user',
      'fetch 20 user', 'read 30 user', 'write 30 user', // add [0x30008], eax
      'fetch 20 user', //                       jmp 0x22000
      'fetch 22 user', 'read 31 user', //       mov edx, [0x31000]
      'fetch 22 user', //                       jmp 0x20020
      'fetch 20 user', //                       jmp $, run ~100 times: one record
    ]);
    expect(new Set(recs.map((r) => r.dir))).toEqual(new Set([PD >>> 12]));
    expect(recs[0]!.cycle).toBe(c0);
    for (let k = 1; k < recs.length; k++) expect(recs[k]!.cycle).toBeGreaterThanOrEqual(recs[k - 1]!.cycle);
    expect(m.cpu.reg[2]).toBe(5); // the program ran: EDX = [0x31000] = [0x30000]

    // The user pages under this CR3, repeats collapsed whatever the access; CR3's low bits are ignored.
    expect([...m.hostPort.refTraceTake(PD | 0x18)]).toEqual([0x20, 0x30, 0x20, 0x31, 0x20, 0x30, 0x20, 0x30, 0x20, 0x22, 0x31, 0x22, 0x20]);
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([]); // taken: forgotten
    expect([...m.hostPort.refTraceTake(0x200000)]).toEqual([]); // a CR3 never loaded
    m.run(1000);
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([0x20]); // the JMP $ since the take
  });

  it('records one fetch per instruction run even when nothing else touches memory (cached, chained blocks)', () => {
    // Three rounds between two code pages, register operations only: without the run loop's
    // fetch records there would be no record at all.
    const m = ring3([
      [CODE, [0xb9, 0x03, 0x00, 0x00, 0x00, ...jmp(CODE + 5, CODE2)]], //   mov ecx, 3; l: jmp 0x22000
      [CODE2, [0x49, 0x0f, 0x85, ...(() => { //                            dec ecx; jnz l; jmp $
        const rel = (CODE + 5 - (CODE2 + 7)) | 0;
        return [rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, (rel >>> 24) & 0xff];
      })(), 0xeb, 0xfe]],
    ]);
    const recs = record(m);
    m.run(2000);
    expect(m.cpu.reg[1]).toBe(0);
    expect(recs.map((r) => r.text)).toEqual(['fetch 20 user', 'fetch 22 user', 'fetch 20 user', 'fetch 22 user', 'fetch 20 user', 'fetch 22 user']);
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([0x20, 0x22, 0x20, 0x22, 0x20, 0x22]);
  });

  it('records the processor\'s own accesses and ring-0 code as kernel references, and keeps them out of the user string', () => {
    const m = ring3([
      [CODE, [0xa1, 0x00, 0x00, 0x03, 0x00, 0xcd, 0x40]], //   mov eax, [0x30000]; int 0x40
      [HANDLER, [0xa3, 0x00, 0x10, 0x03, 0x00, 0xeb, 0xfe]], // mov [0x31000], eax; jmp $
    ]);
    setGate(m, 0x40, HANDLER, 3);
    const recs = record(m);
    m.run(3000);
    const texts = recs.map((r) => r.text);
    expect(texts.slice(0, 3)).toEqual(['fetch 20 user', 'read 30 user', 'fetch 20 user']);
    expect(texts.slice(-3)).toEqual(['fetch 21 kernel', 'write 31 kernel', 'fetch 21 kernel']);
    // Between them the delivery's reads of the IDT, GDT and TSS and its pushes: supervisor accesses.
    const delivery = texts.slice(3, -3);
    expect(delivery).toContain('read 0 kernel'); // the IDT and GDT at 0x800 and 0x500
    expect(delivery).toContain('write 7f kernel'); // the ring-0 stack below 0x80000
    expect(delivery.every((t) => t.endsWith(' kernel') && !t.startsWith('fetch'))).toBe(true);
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([0x20, 0x30, 0x20]);
  });

  it('nests starts, sends data accesses to the slow path only while on, and refuses a stop without a start', () => {
    const m = ring3(DATA_PROGRAM);
    const h = m.hostPort;
    expect(m.cpu.readMask & TLB_ALWAYS).toBe(0);
    h.refTraceStart();
    h.refTraceStart();
    expect(m.cpu.readMask & TLB_ALWAYS).toBe(TLB_ALWAYS);
    expect(m.cpu.writeMask & TLB_ALWAYS).toBe(TLB_ALWAYS);
    h.refTraceStop();
    expect(m.cpu.refs.on).toBe(true);
    h.refTraceStop();
    expect(m.cpu.refs.on).toBe(false);
    expect(m.cpu.readMask & TLB_ALWAYS).toBe(0);
    expect(() => h.refTraceStop()).toThrow(/stopped more often than started/);
    expect(h.refTraceHasFile()).toBe(false);
  });

  it('starts recording at the instruction after the one whose I/O turned it on (as a host call does)', () => {
    // Ring 0 (port I/O allowed): out 0x99, al turns recording on, as the kernel's host call does.
    // The run loop must leave the block loop it is in, or the MOV and JMP after it run unrecorded.
    const m = flat32([0xf4]).m;
    installTables(m);
    enablePaging(m);
    m.phys.load(CODE, Uint8Array.from([0xe6, 0x99, 0xa1, 0x00, 0x00, 0x03, 0x00, 0xeb, 0xfe])); // out 0x99, al; mov eax, [0x30000]; jmp $
    m.cpu.eip = CODE;
    const recs = record(m);
    m.hostPort.refTraceStop();
    m.io.register(0x99, 1, { read8: () => 0xff, write8: () => m.hostPort.refTraceStart() });
    m.run(100_000);
    expect(recs.map((r) => r.text)).toEqual(['fetch 20 kernel', 'read 30 kernel', 'fetch 20 kernel']);
  });

  it('records nothing while off, and what a new start records is all a take returns', () => {
    const m = ring3(DATA_PROGRAM);
    const recs = record(m); // on
    m.run(60); // the first few instructions
    m.hostPort.refTraceStop();
    const before = recs.length;
    expect(before).toBeGreaterThan(0);
    m.run(3000);
    expect(recs.length).toBe(before);
    m.hostPort.refTraceStart();
    m.run(1000);
    expect(recs.slice(before).map((r) => r.text)).toEqual(['fetch 20 user']); // the JMP $
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([0x20]);
  });

  it('forgets the user pages of a directory labelled for a new owner (its frame is reused)', () => {
    const m = ring3(DATA_PROGRAM);
    record(m);
    m.run(3000);
    m.hostPort.refTraceLabel(PD, 5, 'next');
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([]);
    m.run(1000);
    expect([...m.hostPort.refTraceTake(PD)]).toEqual([0x20]);
  });

  it('does not change what the machine does: the same cycles, instructions and results recorded or not', () => {
    const plain = ring3(DATA_PROGRAM);
    const recorded = ring3(DATA_PROGRAM);
    for (const m of [plain, recorded]) m.phys.write32(0x30000, 7);
    record(recorded);
    plain.run(5000);
    recorded.run(5000);
    expect(recorded.cpu.cycles).toBe(plain.cpu.cycles);
    expect(recorded.cpu.instructions).toBe(plain.cpu.instructions);
    expect([...recorded.cpu.reg]).toEqual([...plain.cpu.reg]);
    expect(recorded.phys.read32(0x30008)).toBe(plain.phys.read32(0x30008));
  });
});
