// The decoded-instruction cache. Code is decoded once into blocks — straight-line runs of Insns
// that end at a control transfer, at a page boundary or after MAX_BLOCK instructions — and kept by
// the physical address of their first byte (and the code size, which changes how bytes decode).
//
// Self-modifying code: every physical page that has code decoded from it is marked in
// cpu.codePages, and the TLB sends writes to such a page down the slow path (tlb.ts), which drops
// every block decoded from the page and makes the interpreter leave the block it is running
// (cpu.blockExit), so the next instruction is decoded from the new bytes.

import { CpuFault } from './faults.ts';
import { CodeFetcher, decode } from './decode.ts';
import { Insn } from './insn.ts';
import { F_ENDS_BLOCK, type OpRow } from './optable.ts';
import { CS } from './registers.ts';
import type { Cpu } from './state.ts';
import { tlbProtectCode } from './tlb.ts';

export const MAX_BLOCK = 64;

/**
 * A decoded block, and its links to the blocks that ran after it (block chaining): up to two
 * successors (a branch's taken and fall-through paths), each known by the EIP it starts at. A link
 * holds while cpu.chainGen is what it was when the link was made and the successor is still valid;
 * following it skips the TLB and cache lookup entirely.
 */
export class Block {
  readonly insns: Insn[];
  readonly key: number;
  readonly physPage: number;
  /** Cleared when a write to its page (or a cache clear) drops it. */
  valid = true;
  linkGen = -1;
  eip0 = -1;
  next0: Block | null = null;
  eip1 = -1;
  next1: Block | null = null;
  constructor(insns: Insn[], key: number, physPage: number) {
    this.insns = insns;
    this.key = key;
    this.physPage = physPage;
  }

  /** The successor that starts at `eip`, if a still-valid link says so. */
  follow(eip: number, gen: number): Block | null {
    if (this.linkGen !== gen) return null;
    const b = this.eip0 === eip ? this.next0 : this.eip1 === eip ? this.next1 : null;
    return b !== null && b.valid ? b : null;
  }

  /** Records that `next` ran after this block, starting at `eip`. */
  link(eip: number, next: Block, gen: number): void {
    if (this.linkGen !== gen) {
      this.linkGen = gen;
      this.eip0 = eip;
      this.next0 = next;
      this.eip1 = -1;
      this.next1 = null;
    } else if (this.eip1 === -1 || this.eip0 === eip) {
      if (this.eip0 === eip) this.next0 = next;
      else {
        this.eip1 = eip;
        this.next1 = next;
      }
    } else {
      // A third successor (an indirect jump): keep the newest two.
      this.eip0 = this.eip1;
      this.next0 = this.next1;
      this.eip1 = eip;
      this.next1 = next;
    }
  }
}

const unreachable = (): void => {
  throw new Error('Insn executed before it was decoded');
};

export class BlockCache {
  private readonly cpu: Cpu;
  private readonly oneByte: readonly OpRow[];
  private readonly twoByte: readonly OpRow[];
  private readonly fetcher: CodeFetcher;
  private readonly map = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();
  /** Decodes blocks that must not be cached (their last instruction straddles a page). */
  stats = { decoded: 0, invalidations: 0 };

  constructor(cpu: Cpu, oneByte: readonly OpRow[], twoByte: readonly OpRow[]) {
    this.cpu = cpu;
    this.oneByte = oneByte;
    this.twoByte = twoByte;
    this.fetcher = new CodeFetcher(cpu);
  }

  /**
   * The block starting at CS:EIP. Throws the fault of the first instruction if that instruction
   * cannot be fetched or decoded.
   */
  lookup(cpu: Cpu): Block {
    const lin = (cpu.segBase[CS]! + cpu.eip) | 0;
    // Translate through the TLB (a miss here may fault: that is the first instruction's #PF).
    const e = cpu.tlb[lin >>> 12]!;
    let phys: number;
    if ((e & cpu.readMask) === 1) {
      phys = (e & ~0xfff) | (lin & 0xfff);
    } else {
      this.fetcher.begin(cpu.eip);
      this.fetcher.next(); // faults exactly as fetching the first byte would
      phys = (this.fetcher.firstPhysPage << 12) | (lin & 0xfff);
    }
    const key = (phys >>> 0) * 2 + (cpu.code32 ? 1 : 0);
    const b = this.map.get(key);
    if (b !== undefined) return b;
    return this.build(cpu, phys, key);
  }

  private build(cpu: Cpu, phys: number, key: number): Block {
    const f = this.fetcher;
    const insns: Insn[] = [];
    const page = phys >>> 12;
    let eip = cpu.eip;
    let cacheable = true;
    while (insns.length < MAX_BLOCK) {
      const i = new Insn(unreachable);
      f.begin(eip);
      try {
        decode(cpu, f, i, this.oneByte, this.twoByte);
      } catch (e) {
        if (!(e instanceof CpuFault) || insns.length === 0) throw e;
        break; // this instruction faults when it is reached: end the block before it
      }
      if (f.firstPhysPage !== page || f.lastPhysPage !== page) {
        // It starts or ends on another page: it may only begin a block, and such a block is not
        // kept, since the second page's mapping can change without a write to either page.
        if (insns.length > 0) break;
        cacheable = false;
      }
      insns.push(i);
      this.stats.decoded++;
      eip = cpu.code32 ? (eip + i.len) | 0 : (eip + i.len) & 0xffff;
      if ((i.row!.flags & F_ENDS_BLOCK) !== 0 || !cacheable) break;
    }
    const block = new Block(insns, key, page);
    if (cacheable && page >= cpu.codePages.length) {
      // ROM or unmapped: its bytes never change (remapping the ROM clears the whole cache).
      this.map.set(key, block);
    } else if (cacheable) {
      this.map.set(key, block);
      let list = this.byPage.get(page);
      if (list === undefined) {
        list = [];
        this.byPage.set(page, list);
      }
      list.push(block);
      if (cpu.codePages[page] === 0) {
        cpu.codePages[page] = 1;
        tlbProtectCode(cpu, page);
      }
    }
    return block;
  }

  /** Drops every block decoded from physical page `page` (a write landed there). */
  invalidatePage(page: number): void {
    const list = this.byPage.get(page);
    if (list !== undefined) {
      for (const b of list) {
        b.valid = false;
        this.map.delete(b.key);
      }
      this.byPage.delete(page);
    }
    this.cpu.codePages[page] = 0;
    this.cpu.blockExit = true;
    this.stats.invalidations++;
  }

  /** Drops everything (ROM remapped, A20 toggled, reset). */
  clear(): void {
    for (const b of this.map.values()) b.valid = false;
    this.map.clear();
    this.cpu.chainGen++;
    this.byPage.clear();
    this.cpu.codePages.fill(0);
    this.cpu.blockExit = true;
  }

  /** Decodes one instruction from bytes (tests, disassembler); throws CpuFault for invalid ones. */
  decodeBytes(bytes: Uint8Array, code32: boolean): Insn {
    const cpu = this.cpu;
    const saved = cpu.code32;
    cpu.code32 = code32;
    const f = new CodeFetcher(cpu);
    f.bytes = bytes;
    f.begin(0);
    const i = new Insn(unreachable);
    try {
      decode(cpu, f, i, this.oneByte, this.twoByte);
    } finally {
      cpu.code32 = saved;
    }
    return i;
  }
}
