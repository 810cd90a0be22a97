// --trace: one line per instruction, interrupt, page fault and port access.
import { describe, expect, it } from 'vitest';
import { attachTrace, describePageFault, parseTraceKinds } from '../../../emulator/debug/trace.ts';
import { realMode, runToHalt } from '../../harness/cpu.ts';

describe('trace', () => {
  it('prints CS:EIP, bytes, disassembly and the registers each instruction changed', () => {
    const t = realMode([0xb8, 0x34, 0x12, 0x01, 0xc3, 0xf4]); // mov ax,0x1234; add bx,ax; hlt
    const lines: string[] = [];
    attachTrace(t.m.cpu, t.m.io, parseTraceKinds('cpu'), (l) => lines.push(l));
    runToHalt(t);
    expect(lines[0]).toMatch(/^cpu {2}0000:00001000 {2}b8 34 12 +mov +ax,0x1234 +eax=00001234$/);
    expect(lines[1]).toMatch(/^cpu {2}0000:00001003 {2}01 c3 +add +bx,ax +ebx=00001234$/); // 0x1234: flags stay clear
    expect(lines[2]).toMatch(/^cpu {2}0000:00001005 {2}f4 +hlt$/);
  });

  it('reports interrupts with their source, and port accesses with their width', () => {
    // IVT 0x21 -> 0000:2000 (iret); int 0x21; out 0x80, al; hlt
    const t = realMode([0xcd, 0x21, 0xe6, 0x80, 0xf4]);
    t.m.phys.write16(0x21 * 4, 0x2000);
    t.m.phys.write8(0x2000, 0xcf);
    const lines: string[] = [];
    attachTrace(t.m.cpu, t.m.io, parseTraceKinds('int,io'), (l) => lines.push(l));
    runToHalt(t);
    expect(lines).toEqual(['int  int 0x21 at 0000:00001000 (software)', 'io   out 0x0080 byte 0x00']);
  });

  it('rejects an unknown kind with one clear line', () => {
    expect(() => parseTraceKinds('cpu,mmu')).toThrow("unknown trace kind 'mmu': expected cpu, int, pf, io");
  });

  it('describes #PF error codes in words', () => {
    expect(describePageFault(0)).toBe('supervisor read, not present');
    expect(describePageFault(7)).toBe('user write, protection violation');
  });
});
