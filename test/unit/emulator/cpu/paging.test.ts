// Two-level paging (paging.ts) through real page tables in guest RAM: #PF with CR2 and the error
// code, the U/S and R/W rules of the 386 and 486, and A/D bits.
import { describe, expect, it } from 'vitest';
import { CpuFault } from '../../../../emulator/cpu/faults.ts';
import { ACCESS_READ, ACCESS_WRITE, PF_P, PF_U, PF_W, PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US, translate } from '../../../../emulator/cpu/paging.ts';
import { CR0_PE, CR0_PG, CR0_WP, type Cpu } from '../../../../emulator/cpu/state.ts';
import { tlbFlush, tlbFlushPage, updateAccessMasks } from '../../../../emulator/cpu/tlb.ts';
import { readLin8, readMem32Try, writeLin32, writeMem32Try } from '../../../../emulator/cpu/access.ts';
import { DS } from '../../../../emulator/cpu/registers.ts';
import { updateSegmentBounds } from '../../../../emulator/cpu/segments.ts';
import { newMachine } from '../../../harness/cpu.ts';
import type { Machine } from '../../../../emulator/machine.ts';

const PD = 0x100000, PT = 0x101000;

/** Identity-maps nothing; maps linear 0x400000 + k*4K to `frames[k]` with `flags`. */
function setup(model: 386 | 486 = 386): Machine {
  const m = newMachine({ cpu: model }).m;
  m.phys.write32(PD + 1 * 4, PT | PTE_P | PTE_RW | PTE_US); // PDE 1 covers 0x400000-0x7FFFFF
  m.cpu.cr3 = PD;
  m.cpu.cr0 |= CR0_PE | CR0_PG;
  tlbFlush(m.cpu);
  updateAccessMasks(m.cpu);
  return m;
}

function fault(cpu: Cpu, lin: number, access: number): CpuFault {
  try {
    translate(cpu, lin, access);
  } catch (e) {
    if (e instanceof CpuFault) return e;
    throw e;
  }
  throw new Error('no fault');
}

describe('page faults returned instead of thrown (the compiled blocks\' accesses)', () => {
  it('readMem32Try and writeMem32Try give back the #PF that readMem32 and writeMem32 throw, and change nothing else', () => {
    const m = setup();
    const cpu = m.cpu;
    // Read through a function: TypeScript would take the field for null after each reset below.
    const pending = (): CpuFault | null => cpu.blockFault;
    m.phys.write32(PT + 1 * 4, 0x201000 | PTE_P | PTE_US); // present, read-only, A and D clear
    cpu.segLimit[DS] = 0xffffffff; // a flat DS
    updateSegmentBounds(cpu, DS);
    cpu.cpl = 3;
    updateAccessMasks(cpu);
    // Not present: the read returns 0 with the fault kept for the run loop, as translate would throw it.
    expect(readMem32Try(cpu, DS, 0x400010)).toBe(0);
    expect(pending()?.vector).toBe(14);
    expect(pending()?.errorCode).toBe(PF_U);
    expect(cpu.cr2).toBe(0x400010);
    cpu.blockFault = null;
    // Read-only: the write reports the fault, writes nothing, and sets neither A nor D.
    m.phys.write32(0x201020, 0x11223344);
    expect(writeMem32Try(cpu, DS, 0x401020, 0x55667788)).toBe(true);
    expect(pending()?.errorCode).toBe(PF_P | PF_W | PF_U);
    expect(cpu.cr2).toBe(0x401020);
    expect(m.phys.read32(0x201020)).toBe(0x11223344);
    expect(m.phys.read32(PT + 4) & (PTE_A | PTE_D)).toBe(0);
    cpu.blockFault = null;
    // Present and readable: the value, A set, no fault.
    expect(readMem32Try(cpu, DS, 0x401020)).toBe(0x11223344);
    expect(pending()).toBeNull();
    expect(m.phys.read32(PT + 4) & (PTE_A | PTE_D)).toBe(PTE_A);
    // translate still throws, and leaves nothing behind in blockFault.
    expect(fault(cpu, 0x400010, ACCESS_WRITE).errorCode).toBe(PF_W | PF_U);
    expect(pending()).toBeNull();
  });
});

describe('paging', () => {
  it('raises #PF with CR2 = the linear address and P=0 for a not-present page', () => {
    const m = setup();
    const f = fault(m.cpu, 0x401234, ACCESS_READ);
    expect(f.vector).toBe(14);
    expect(f.errorCode).toBe(0);
    expect(m.cpu.cr2).toBe(0x401234);
  });

  it('sets W in the error code for a write and U for CPL 3', () => {
    const m = setup();
    expect(fault(m.cpu, 0x402000, ACCESS_WRITE).errorCode).toBe(PF_W);
    m.cpu.cpl = 3;
    expect(fault(m.cpu, 0x402000, ACCESS_READ).errorCode).toBe(PF_U);
    expect(fault(m.cpu, 0x402000, ACCESS_WRITE).errorCode).toBe(PF_U | PF_W);
  });

  it('faults with P=1 when user code reads a supervisor page or writes a read-only one', () => {
    const m = setup();
    m.phys.write32(PT + 0 * 4, 0x200000 | PTE_P | PTE_RW); // supervisor
    m.phys.write32(PT + 1 * 4, 0x201000 | PTE_P | PTE_US); // user, read-only
    m.cpu.cpl = 3;
    updateAccessMasks(m.cpu);
    expect(fault(m.cpu, 0x400000, ACCESS_READ).errorCode).toBe(PF_P | PF_U);
    expect(translate(m.cpu, 0x401000, ACCESS_READ) >>> 12).toBe(0x201);
    expect(fault(m.cpu, 0x401000, ACCESS_WRITE).errorCode).toBe(PF_P | PF_W | PF_U);
  });

  it('lets supervisor code write a read-only page on a 386', () => {
    const m = setup(386);
    m.phys.write32(PT + 1 * 4, 0x201000 | PTE_P | PTE_US);
    m.cpu.cr0 |= CR0_WP; // no such bit on a 386: ignored
    expect(translate(m.cpu, 0x401000, ACCESS_WRITE) >>> 12).toBe(0x201);
  });

  it('makes supervisor writes to read-only pages fault on a 486 with CR0.WP set', () => {
    const m = setup(486);
    m.phys.write32(PT + 1 * 4, 0x201000 | PTE_P | PTE_US);
    m.cpu.cr0 |= CR0_WP;
    updateAccessMasks(m.cpu);
    expect(fault(m.cpu, 0x401000, ACCESS_WRITE).errorCode).toBe(PF_P | PF_W);
  });

  it('uses the stricter of the PDE and PTE protections', () => {
    const m = setup();
    m.phys.write32(PD + 1 * 4, PT | PTE_P | PTE_US); // directory entry read-only
    m.phys.write32(PT + 0, 0x200000 | PTE_P | PTE_RW | PTE_US);
    m.cpu.cpl = 3;
    expect(fault(m.cpu, 0x400000, ACCESS_WRITE).errorCode).toBe(PF_P | PF_W | PF_U);
  });

  it('sets A in the PDE and PTE on the first access, and D only on a write', () => {
    const m = setup();
    m.phys.write32(PT + 0, 0x200000 | PTE_P | PTE_RW);
    translate(m.cpu, 0x400000, ACCESS_READ);
    expect(m.phys.read32(PD + 4) & PTE_A).toBe(PTE_A);
    expect(m.phys.read32(PT) & (PTE_A | PTE_D)).toBe(PTE_A);
    translate(m.cpu, 0x400010, ACCESS_WRITE);
    expect(m.phys.read32(PT) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });

  it('keeps using a cached translation after the PTE changes, until CR3 is reloaded (flush)', () => {
    const m = setup();
    m.phys.write32(PT + 0, 0x200000 | PTE_P | PTE_RW);
    expect(translate(m.cpu, 0x400000, ACCESS_READ) >>> 12).toBe(0x200);
    m.phys.write32(PT + 0, 0x300000 | PTE_P | PTE_RW);
    expect(translate(m.cpu, 0x400000, ACCESS_READ) >>> 12).toBe(0x200); // stale, as on hardware
    tlbFlush(m.cpu);
    expect(translate(m.cpu, 0x400000, ACCESS_READ) >>> 12).toBe(0x300);
  });

  it('counts TLB hits, misses (page walks) and flushes', () => {
    const m = setup(486);
    m.phys.write32(PT + 0, 0x200000 | PTE_P | PTE_RW);
    m.phys.write32(PT + 4, 0x201000 | PTE_P | PTE_RW);
    const cpu = m.cpu;
    const start = { hits: cpu.tlbHits, misses: cpu.tlbStats.misses, flushes: cpu.tlbStats.flushes };
    readLin8(cpu, 0x400000); // miss: walk
    readLin8(cpu, 0x400001); // hit
    writeLin32(cpu, 0x400004, 1); // hit (D set through the cached entry)
    readLin8(cpu, 0x401000); // miss
    tlbFlushPage(cpu, 0x400);
    readLin8(cpu, 0x400000); // miss again
    tlbFlush(cpu);
    expect(cpu.tlbStats.misses - start.misses).toBe(3);
    expect(cpu.tlbHits - start.hits).toBe(2);
    expect(cpu.tlbStats.flushes - start.flushes).toBe(2);
  });
});
