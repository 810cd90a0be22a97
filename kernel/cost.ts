// What kernel work costs in emulated time. The kernel runs as TypeScript inside one host call, so
// the clock would not move while it works; instead each host call charges the cycles a real i386
// kernel would spend on the same work, from the i386 PRM's instruction timings (Appendix E,
// "Instruction Timing"), so that emulated seconds reflect what the kernel did.

export const COST = {
  /** Entering and leaving the kernel for one call: dispatch, bookkeeping (≈ 50 instructions). */
  hostCall: 200,
  /** Zeroing a 4 KiB page: REP STOSD, 5 + 5n clocks for n = 1024 dwords. */
  zeroPage: 5 + 5 * 1024,
  /** Copying a 4 KiB page: REP MOVSD, 8 + 4n clocks for n = 1024 dwords. */
  copyPage: 8 + 4 * 1024,
  /** One byte copied by REP MOVSB (used for small copies: ELF bytes, argv, read buffers). */
  perByteCopied: 4,
  /** Writing one PTE or PDE: compute the address, MOV to memory (≈ 4 instructions). */
  pteWrite: 10,
  /** Reloading CR3: MOV CR3, r32 (5 clocks) plus the cost of the TLB refills it causes later, which the CPU charges itself. */
  cr3Reload: 5,
  /** One step of a page-table walk done in software (a load and a test). */
  walkStep: 6,
  /** kmalloc or kfree apart from the free-list search: read and check the tags, split or coalesce,
   *  write header and footer, relink (≈ 30 instructions at MOV r32,m32 4 / MOV m32,r32 2 / Jcc 3-7). */
  heapOp: 120,
  /** One free-list node looked at: load next and size (MOV r32,m32, 4 each), CMP (2), two Jcc not taken (3 each), rounded. */
  heapListStep: 18,
  /** Taking or returning one slab object: pop/push the free link, INC/DEC the count (6), BTS/BTR on the
   *  in-use bitmap (13 clocks each on the i386), compare with the capacity, call and return (≈ 50). */
  slabOp: 50,
  /** Carving a new slab page: one link per object, MOV m32,r32 (2) + ADD r32,imm (2) + LOOP (11). */
  slabInitPerObject: 15,
  /** Looking at one slab page on a cache's list when checking that a freed pointer is the cache's own. */
  slabListStep: 18,
  /** Zeroing one dword with REP STOSD (5 clocks per dword; the 5-clock setup is in the caller's fixed cost). */
  zeroPerDword: 5,
  /** One word of the partition table (--mm segments) read or written: MOV r32,m32 (4) or m32,r32 (2),
   *  with its share of the loop's compare and branch. */
  partitionWord: 6,
  /** Frame allocator, one alloc or free: check the address, write the owner byte, update the state (≈ 10 instructions of 2-7 clocks). */
  frameOp: 40,
  /** Bitmap allocator, one 32-bit word examined while searching: CMP m32,imm (5) + Jcc (3 not taken, 7+m taken). */
  bitmapWord: 10,
  /** Buddy allocator, one block put on or taken off a free list: ≈ 5 MOVs to and from memory (2-4 each) plus the buddy XOR and test. */
  buddyStep: 25,
  /** Building the frame allocator's tables at boot, per frame (a byte store of REP STOSB and its share of the bitmap or list work). */
  frameInit: 4,
  /** ATA: writing a command's task file (6 OUT DX,AL at 5 clocks in protected mode with CPL <= IOPL) and
   *  reading the status (IN AL,DX, 7), with the moves and tests around them (≈ 10 instructions). */
  ataCommand: 80,
  /** ATA: reading one 512-byte sector from the data port: REP INSW, pm 7 + 6n clocks for n = 256 words
   *  (i386 PRM, INS, CPL <= IOPL; emulator/cpu/cycles.ts uses the same figures). */
  ataSectorIn: 7 + 6 * 256,
  /** ATA: writing one sector to the data port: REP OUTSW, pm 6 + 5n clocks for n = 256 words (i386 PRM, OUTS). */
  ataSectorOut: 6 + 5 * 256,
} as const;

/**
 * Copying `bytes` between physical buffers as a kernel memcpy does: REP MOVSD for the dwords
 * (8 + 4n clocks for n dwords, as COST.copyPage) and MOVSB for the 0-3 bytes left (4 each).
 */
export function copyCost(bytes: number): number {
  return 8 + 4 * (bytes >>> 2) + COST.perByteCopied * (bytes & 3);
}
