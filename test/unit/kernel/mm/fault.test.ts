// The page-fault record: the #PF error code and CR2 decoded once (kernel/mm/fault.ts).
import { describe, expect, it } from 'vitest';
import { virt } from '../../../../kernel/hw.ts';
import { decodePageFault, PF_P, PF_U, PF_W, userAccessFault } from '../../../../kernel/mm/fault.ts';

describe('decodePageFault', () => {
  it('names what the error code says: present, access and mode', () => {
    expect(decodePageFault(virt(0x0804b000), PF_W | PF_U, 0x08048341)).toEqual({
      va: 0x0804b000, present: false, access: 'write', mode: 'user', eip: 0x08048341, code: PF_W | PF_U,
    });
    expect(decodePageFault(virt(0xc0001000), PF_P | PF_U, 0x080480ba)).toMatchObject({ present: true, access: 'read', mode: 'user' });
    expect(decodePageFault(virt(0x1000), PF_P | PF_W, 0xc0100000)).toMatchObject({ present: true, access: 'write', mode: 'supervisor' });
  });

  it('tells an instruction fetch from a read: a read of an address inside the instruction at EIP', () => {
    expect(decodePageFault(virt(0x08048604), PF_U, 0x08048604).access).toBe('fetch');
    // An instruction that starts near the end of a page and runs into the next one.
    expect(decodePageFault(virt(0x08049000), PF_U, 0x08048ffd).access).toBe('fetch');
    expect(decodePageFault(virt(0x08049000), PF_U, 0x08048ff0).access).toBe('read');
    expect(decodePageFault(virt(0x08048600), PF_U, 0x08048604).access).toBe('read');
    // A write is never a fetch.
    expect(decodePageFault(virt(0x08048604), PF_W | PF_U, 0x08048604).access).toBe('write');
  });
});

describe('userAccessFault', () => {
  it('is the not-present fault the processor would report for a user read or write', () => {
    expect(userAccessFault(virt(0x0804c000), true, 0x08048100)).toEqual({
      va: 0x0804c000, present: false, access: 'write', mode: 'user', eip: 0x08048100, code: PF_W | PF_U, inSyscall: true,
    });
    expect(userAccessFault(virt(0x0804c000), false, 0x08048100)).toMatchObject({ access: 'read', code: PF_U });
  });
});
