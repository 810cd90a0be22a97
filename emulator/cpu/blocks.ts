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
import { type Handler, Insn } from './insn.ts';
import * as alu from './ops/alu.ts';
import * as control from './ops/control.ts';
import * as move from './ops/move.ts';
import { F_ENDS_BLOCK, type OpRow } from './optable.ts';
import { CS } from './registers.ts';
import type { Cpu } from './state.ts';
import { tlbProtectCode } from './tlb.ts';

export const MAX_BLOCK = 64;

/**
 * The direct-mapped table in front of the Map: most lookups are one index and one compare. Its
 * slot for a block is a hash of the physical address (offset bits mixed with page bits).
 */
const DM_BITS = 12;
const DM_MASK = (1 << DM_BITS) - 1;
const dmSlot = (phys: number): number => (phys ^ (phys >>> DM_BITS)) & DM_MASK;

/**
 * The handlers the run loop calls by name, from a switch (step.ts), instead of through
 * `i.handler`: V8 makes a call through a variable that sees many functions a slow generic call,
 * and cannot inline it; a call site that always calls one function is fast and can be inlined.
 * These are the handlers that run most (the 32-bit fast forms). Block.ops numbers them.
 */
export const DIRECT: readonly Handler[] = [
  alu.aluEvGvR32, alu.aluEvGvM32, alu.aluGvEvR32, alu.aluGvEvM32, alu.aluEvIvR32, alu.aluEvIvM32, alu.aluEAXIv32,
  alu.incReg32, alu.decReg32,
  control.jo32, control.jno32, control.jb32, control.jnb32, control.jz32, control.jnz32, control.jbe32, control.jnbe32,
  control.js32, control.jns32, control.jp32, control.jnp32, control.jl32, control.jnl32, control.jle32, control.jnle32,
  control.jmpNear32, control.callNear32, control.retNear32,
  alu.addEvGvR32, alu.subEvGvR32, alu.cmpEvGvR32, alu.xorEvGvR32, alu.addEvIvR32, alu.subEvIvR32, alu.cmpEvIvR32,
  alu.andEvIvR32, alu.orEvIvR32, alu.cmpEAXIv32,
];
const DIRECT_ID = new Map(DIRECT.map((h, k) => [h, k + 1]));

/**
 * A block compiled to one function (compile.ts): runs it from `eip` (its first instruction's EIP)
 * and returns the instructions retired, or, when one faults, ~(those retired before it) with the
 * fault in cpu.blockFault.
 */
export type CompiledBlock = (cpu: Cpu, eip: number, until: number) => number;

/**
 * A decoded block, and its links to the blocks that ran after it (block chaining): up to two
 * successors (a branch's taken and fall-through paths), each known by the EIP it starts at. A link
 * holds while cpu.chainGen is what it was when the link was made and the successor is still valid;
 * following it skips the TLB and cache lookup entirely.
 */
export class Block {
  readonly insns: Insn[];
  /** Per instruction: 1 + the index of its handler in DIRECT, or 0 to call `insn.handler`. */
  readonly ops: Uint8Array;
  /** Physical address of the first byte × 2 + 1 for 32-bit code (the cache key). */
  readonly key: number;
  readonly physPage: number;
  /** Bytes from its first instruction's first byte to its last one's last byte. */
  readonly span: number;
  /** Cleared when a write to its page (or a cache clear) drops it. */
  valid = true;
  /** Times it has run through the interpreter, towards cpu.compileAfter (compile.ts). */
  runs = 0;
  /** In the cache (a block decoded afresh each time, or not kept, is never compiled). */
  cached = false;
  /** Its compiled form, once it has run cpu.compileAfter times. */
  compiled: CompiledBlock | null = null;
  linkGen = -1;
  eip0 = -1;
  next0: Block | null = null;
  eip1 = -1;
  next1: Block | null = null;
  constructor(insns: Insn[], key: number, physPage: number) {
    this.insns = insns;
    // A plain loop: Uint8Array.from with a mapping function and reduce cost a tenth of a second
    // of every test run, which builds blocks for each machine it makes.
    const ops = new Uint8Array(insns.length);
    let span = 0;
    for (let k = 0; k < insns.length; k++) {
      const i = insns[k]!;
      ops[k] = DIRECT_ID.get(i.handler) ?? 0;
      span += i.len;
    }
    this.ops = ops;
    this.key = key;
    this.physPage = physPage;
    this.span = span;
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

const NO_BLOCK = new Block([], -1, -1);

/** Generic handler → chooser of a faster handler for one decoded form (ops/*.ts FAST_FORMS). */
export const FAST_FORMS = new Map<Handler, (i: Insn) => Handler | null>([...alu.FAST_FORMS, ...control.FAST_FORMS, ...move.FAST_FORMS]);

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
  /** dmKey[s] is the key of the block in dmBlock[s], or -1. */
  private readonly dmKey = new Float64Array(1 << DM_BITS).fill(-1);
  private readonly dmBlock: Block[] = new Array<Block>(1 << DM_BITS).fill(NO_BLOCK);
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
    const slot = dmSlot(phys);
    if (this.dmKey[slot] === key) return this.dmBlock[slot]!;
    const b = this.map.get(key) ?? this.build(cpu, phys, key);
    if (this.map.has(key)) {
      // Only cached blocks go in the table: what is not in `map` is never invalidated.
      this.dmKey[slot] = key;
      this.dmBlock[slot] = b;
    }
    return b;
  }

  /**
   * A block decoded afresh and not cached, for when the cached one may not be used: CS's limit
   * now ends inside it (a smaller code segment over the same bytes). Decoding checks the limit
   * at each instruction, so the block stops before the one that faults, and that one faults.
   */
  uncached(cpu: Cpu): Block {
    const lin = (cpu.segBase[CS]! + cpu.eip) | 0;
    this.fetcher.begin(cpu.eip);
    this.fetcher.next();
    const phys = (this.fetcher.firstPhysPage << 12) | (lin & 0xfff);
    return this.build(cpu, phys, (phys >>> 0) * 2 + (cpu.code32 ? 1 : 0), false);
  }

  private build(cpu: Cpu, phys: number, key: number, cache = true): Block {
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
      const fast = FAST_FORMS.get(i.handler);
      if (fast !== undefined) i.handler = fast(i) ?? i.handler;
      insns.push(i);
      this.stats.decoded++;
      eip = cpu.code32 ? (eip + i.len) | 0 : (eip + i.len) & 0xffff;
      if ((i.row!.flags & F_ENDS_BLOCK) !== 0 || !cacheable) break;
    }
    const block = new Block(insns, key, page);
    if (!cache) return block;
    block.cached = cacheable;
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
  dropPage(page: number): void {
    const list = this.byPage.get(page);
    if (list !== undefined) {
      for (const b of list) {
        b.valid = false;
        this.map.delete(b.key);
        const slot = dmSlot(Math.floor(b.key / 2)); // the physical address back from the key
        if (this.dmBlock[slot] === b) {
          this.dmKey[slot] = -1;
          this.dmBlock[slot] = NO_BLOCK;
        }
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
    this.dmKey.fill(-1);
    this.dmBlock.fill(NO_BLOCK);
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
