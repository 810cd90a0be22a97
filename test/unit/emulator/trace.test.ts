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

  it('prints the bytes and CS of the instruction that ran when it changes CS, and of the first one after an exception', () => {
    // 0000:1000 int 0x21 (IVT 21h -> 0200:0000, iret); jmp 0300:0000; there ud2 (#UD, IVT 06h ->
    // 0200:0010, hlt). Read through the CS they leave, the INT's bytes would be those at 0200:1000,
    // the far JMP's those at 0300:1002, and the hlt's CS the ud2's.
    const t = realMode([0xcd, 0x21, 0xea, 0x00, 0x00, 0x00, 0x03]);
    t.m.phys.write16(0x21 * 4, 0x0000);
    t.m.phys.write16(0x21 * 4 + 2, 0x0200);
    t.m.phys.write16(0x06 * 4, 0x0010);
    t.m.phys.write16(0x06 * 4 + 2, 0x0200);
    t.m.phys.write8(0x2000, 0xcf);
    t.m.phys.write8(0x2010, 0xf4);
    t.m.phys.load(0x3000, Uint8Array.from([0x0f, 0x0b]));
    const lines: string[] = [];
    attachTrace(t.m.cpu, t.m.io, parseTraceKinds('cpu'), (l) => lines.push(l));
    runToHalt(t);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^cpu {2}0000:00001000 {2}cd 21 +int +0x21 /);
    expect(lines[1]).toMatch(/^cpu {2}0200:00000000 {2}cf +iret /);
    expect(lines[2]).toMatch(/^cpu {2}0000:00001002 {2}ea 00 00 00 03 +jmp +0x300:0x0 /);
    expect(lines[3]).toMatch(/^cpu {2}0200:00000010 {2}f4 +hlt /);
  });

  it('stops watching instruction fetches when detached', () => {
    const t = realMode([0x90, 0xf4]); // nop; hlt
    const blocks = t.m.cpu.blocks;
    const lookup = blocks.lookup;
    const detach = attachTrace(t.m.cpu, t.m.io, parseTraceKinds('cpu'), () => {});
    expect(blocks.lookup).not.toBe(lookup);
    detach();
    expect(blocks.lookup).toBe(lookup);
    expect(runToHalt(t).reason).toBe('halt');
  });

  it('rejects an unknown kind with one clear line', () => {
    expect(() => parseTraceKinds('cpu,mmu')).toThrow("unknown trace kind 'mmu': expected cpu, int, pf, io");
  });

  it('describes #PF error codes in words', () => {
    expect(describePageFault(0)).toBe('supervisor read, not present');
    expect(describePageFault(7)).toBe('user write, protection violation');
  });
});
