// System calls (int 0x80; the numbers and conventions are in kernel/abi.ts). A call reads its
// arguments from the trap frame, checks every user buffer it will touch before it does anything
// (bringing in pages that are allowed but not present yet), and either returns a result in EAX at
// once or waits. A call that waits sleeps on a channel with the call itself as its kernel entry:
// woken, the process runs the call again from the start, with the registers still in its trap
// frame, and the call now finds what it waited for (xv6's `while (!cond) sleep(chan)`, where the
// loop is the re-run). What it had done before it slept is in the process: the disk read it waits
// for (`io`) and how far it got (`progress`: bytes a console write has sent, the time a sleep ends).

import { ERRNO, KILLED_STATUS, O, SYS } from '../abi.ts';
import { COST, copyCost } from '../cost.ts';
import { PAGE_SIZE, phys, virt } from '../hw.ts';
import { KERNEL_PD_PHYS, USER_STACK_LIMIT, USER_STACK_TOP } from '../layout.ts';
import { describeFaultCode, userAccessFault } from '../mm/fault.ts';
import { hex } from '../format.ts';
import { handlePageFault, releasePending, type PagerContext } from '../mm/pager.ts';
import { softFault } from '../mm/lru.ts';
import { makeOpt } from '../mm/opt.ts';
import { makePolicy } from '../mm/policy.ts';
import { entryFrame, isPresent, PTE_LOCKED, walk } from '../mm/pagetable.ts';
import { copyAddressSpace, createAddressSpace, pageUp, residentPages, unmapUserPage } from '../mm/vmm.ts';
import { copyFrame, setTf, TrapFrame } from '../trap.ts';
import type { WaitChannel } from '../wait.ts';
import { noteLocked } from './accounting.ts';
import { SEGMENT_SPACE } from './elf.ts';
import { execStep, type ExecContext } from './exec.ts';
import { exit, kill, type ExitContext } from './exit.ts';
import { chooseOomVictim, killForMemory, oomReason } from './oom.ts';
import { closeFile, filePos, openFile, setFilePos } from './files.ts';
import type { Process } from './process.ts';
import { BadAddress, PageNeeded, UserMemory } from './usermem.ts';
import { inheritMappings, mmap, mprotect, msync, munmap, sharedAt, shmat, shmctl, shmdt, shmget, syncAll } from './mmap.ts';

/** What the system calls use. */
export interface SyscallContext extends ExitContext, ExecContext, PagerContext {
  /** `trace pf on`: faults taken for a system call are shown too. */
  trace: { pf: boolean };
  /** The channel sleep() waits on; the timer wakes it. */
  clock: WaitChannel;
  uptimeMs(): number;
}

/** A channel to sleep on before the call can go on (it is run again when woken). */
interface Wait { readonly wait: WaitChannel }
/**
 * What a handler did: a result for EAX, a wait, or 'done' when the trap frame already says what
 * happens next (exit: it never returns; exec: a new image).
 */
type Outcome = number | Wait | 'done';
type Handler = (x: SyscallContext, p: Process, m: UserMemory, a: readonly number[]) => Outcome;

const waitOn = (chan: WaitChannel): Wait => ({ wait: chan });

const MAX_PATH = 256;
const MAX_ARGS = 32;
const FILE_CHUNK = 4096;

const sysExit: Handler = (x, p, _m, a) => { exit(x, p, a[0]! | 0); return 'done'; };

const sysWrite: Handler = (x, p, m, a) => {
  const [fd, buf, len] = a as [number, number, number];
  if (fd !== 1 && fd !== 2) return -ERRNO.EBADF;
  if (p.quiet) { m.ensure(buf, len, false); return len; }
  // A restarted write goes on after the bytes it already sent. The whole buffer is checked (and
  // brought in) before the first byte goes out; after that each run copies only what the console
  // has room for, so a long write costs its length once, not once per wait.
  const sent = p.progress ?? 0;
  const chunk = Math.min(len - sent, x.tty.room);
  if (sent === 0 && chunk < len) m.ensure(buf, len, false);
  const bytes = m.read(buf + sent, chunk);
  const n = x.tty.writeSome(bytes);
  x.hw.chargeCycles(COST.perByteCopied * n);
  if (sent + n < len) {
    p.progress = sent + n;
    return waitOn(x.tty.writable);
  }
  return len;
};

const sysRead: Handler = (x, p, m, a) => {
  const [fd, buf, len] = a as [number, number, number];
  if (len === 0) return 0;
  if (fd === 0) {
    m.ensure(buf, len, true);
    if (!x.tty.hasLine || !x.table.inForeground(p)) return waitOn(x.tty.readable);
    const line = x.tty.readLine(len);
    m.write(buf, line);
    return line.length;
  }
  const f = p.files.get(fd);
  if (!f) return -ERRNO.EBADF;
  const pos = filePos(x, f);
  const n = Math.min(len, FILE_CHUNK, f.entry.size - pos);
  if (n <= 0) return 0;
  m.ensure(buf, n, true);
  // A page of the file in the page cache is the file as it is now (with a MAP_SHARED mapping's
  // writes, written back or not): its bytes are read from there, up to the page's end.
  const cached = x.cache?.peek(f.entry, Math.floor(pos / PAGE_SIZE)) ?? null;
  if (cached !== null) {
    const k = Math.min(n, PAGE_SIZE - (pos % PAGE_SIZE));
    m.write(buf, x.hw.readPhysBytes(phys(cached + (pos % PAGE_SIZE)), new Uint8Array(k)));
    x.hw.chargeCycles(copyCost(k));
    setFilePos(x, f, pos + k);
    return k;
  }
  const disk = x.progdisk!;
  const what = `read ${fd} ${pos} ${n}`;
  let read = p.io !== null && p.io.what === what ? p.io.read ?? null : null;
  if (read === null) {
    releasePending(x, p);
    const r = disk.read(f.entry, pos, n);
    if (typeof r === 'string') return -ERRNO.ENOMEM;
    p.io = { what, req: r.req, read: r };
    read = r;
  }
  if (read.req.status === 'queued') return waitOn(read.req);
  p.io = null;
  const data = read.req.status === 'done' ? disk.bytes(read) : null;
  disk.release(read);
  if (data === null) return -ERRNO.EIO;
  m.write(buf, data);
  setFilePos(x, f, pos + n);
  return n;
};

const sysOpen: Handler = (x, p, m, a) => {
  const path = m.readString(a[0]!, MAX_PATH);
  if (path === null) return -ERRNO.EINVAL;
  // O_RDONLY, or O_RDWR: the file may then be mapped MAP_SHARED for writing (write() is the console's).
  if (a[1] !== O.RDONLY && a[1] !== O.RDWR) return -ERRNO.EINVAL;
  const e = x.progdisk?.lookup(path) ?? null;
  if (e === null) return -ERRNO.ENOENT;
  let fd = 3;
  while (p.files.has(fd)) fd++;
  if (fd >= 16) return -ERRNO.EMFILE;
  const f = openFile(x, e, 0, a[1] === O.RDWR);
  if (f === null) return -ERRNO.ENOMEM;
  p.files.set(fd, f);
  return fd;
};

const sysClose: Handler = (x, p, _m, a) => {
  const f = p.files.get(a[0]!);
  if (!f) return -ERRNO.EBADF;
  p.files.delete(a[0]!);
  closeFile(x, f);
  return 0;
};

const sysGetpid: Handler = (_x, p) => p.pid;

const sysUptime: Handler = (x) => x.uptimeMs();

const sysYield: Handler = (x) => { x.sched.needResched = true; return 0; };

/** sleep(ms): the first run notes when it ends and sleeps on the clock; the timer wakes it then. */
const sysSleep: Handler = (x, p, _m, a) => {
  const now = x.uptimeMs();
  if (p.progress === null) {
    p.progress = now + Math.max(0, a[0]! | 0);
    return waitOn(x.clock);
  }
  return now >= p.progress ? 0 : waitOn(x.clock);
};

/** Sets the break; pages above a lowered break are freed now, pages below a raised one appear on first touch. */
function setBreak(x: SyscallContext, p: Process, want: number): boolean {
  const heap = p.regions.find((r) => r.kind === 'heap');
  if (!heap || want < p.heapStart || pageUp(want) > USER_STACK_TOP - USER_STACK_LIMIT) return false;
  const newEnd = pageUp(want);
  // The heap grows only into addresses no mapping holds.
  if (newEnd > heap.end && p.regions.some((r) => r !== heap && r.start < newEnd && heap.end < r.end)) return false;
  for (let va = newEnd; va < heap.end; va += PAGE_SIZE) unmapUserPage(x, p.pd, virt(va));
  heap.end = newEnd;
  p.brk = want;
  return true;
}

/**
 * Under --mm segments the break is the partition's end: the partition grows (in place, or the
 * process moves) or shrinks with it; 'wait' when a roll-out must make room first.
 */
function setSegmentBreak(x: SyscallContext, p: Process, want: number): boolean | { wait: WaitChannel } {
  if (want < p.heapStart || want > SEGMENT_SPACE.end) return false;
  const r = x.segments!.resize(p, pageUp(want));
  if (r !== true) return 'wait' in r ? r : false;
  p.brk = want;
  return true;
}

const sysBrk: Handler = (x, p, _m, a) => {
  if (a[0] !== 0) {
    const r = p.seg !== null ? setSegmentBreak(x, p, a[0]!) : setBreak(x, p, a[0]!);
    if (typeof r === 'object') return waitOn(r.wait);
  }
  return p.brk;
};

const sysSbrk: Handler = (x, p, _m, a) => {
  const old = p.brk;
  const r = p.seg !== null ? setSegmentBreak(x, p, old + (a[0]! | 0)) : setBreak(x, p, old + (a[0]! | 0));
  if (typeof r === 'object') return waitOn(r.wait);
  return r ? old : -ERRNO.ENOMEM;
};

/**
 * fork under segments: a partition as big as the parent's (waiting while a roll-out makes room),
 * the parent's bytes copied into it; the child's segments have the new base, so every offset
 * means the same in both.
 */
const sysForkSegments: Handler = (x, p) => {
  const segs = x.segments!;
  const o = segs.obtain(p, p.seg!.size);
  if ('wait' in o) return waitOn(o.wait);
  if ('refused' in o) return -ERRNO.ENOMEM;
  const c = x.table.create(p.name, [...p.argv], p);
  if (c === null) { segs.partitions.free(o.at); return -ERRNO.ENOMEM; }
  const fail = (): number => { exit(x, c, KILLED_STATUS); x.table.reap(c); return -ERRNO.ENOMEM; };
  if (!segs.copyFor(p, c, o.at)) return fail();
  c.heapStart = p.heapStart;
  c.brk = p.brk;
  c.quiet = p.quiet;
  return startChild(x, p, c, fail);
};

/** The rest of a fork, in either mode: the child's own copies of the open files, the parent's frame with EAX 0, runnable. */
function startChild(x: SyscallContext, p: Process, c: Process, fail: () => number): number {
  for (const [fd, f] of p.files) {
    const copy = openFile(x, f.entry, filePos(x, f), f.writable);
    if (copy === null) return fail();
    c.files.set(fd, copy);
  }
  copyFrame(x.hw, c.frame, p.frame);
  setTf(x.hw, c.frame, 'EAX', 0);
  x.sched.makeRunnable(c);
  return c.pid;
}

const sysFork: Handler = (x, p, m, a) => {
  if (p.seg !== null) return sysForkSegments(x, p, m, a);
  const c = x.table.create(p.name, [...p.argv], p);
  if (c === null) return -ERRNO.ENOMEM;
  // A fork that fails leaves no child: what was made goes, and the parent's wait() never sees it.
  const fail = (): number => { exit(x, c, KILLED_STATUS); x.table.reap(c); return -ERRNO.ENOMEM; };
  const pd = createAddressSpace(x.hw, x.frames, KERNEL_PD_PHYS);
  if (pd === null) return fail();
  c.pd = pd;
  if (x.hw.refTraceHasFile()) x.hw.refTraceLabel(pd, c.pid, c.name); // its references, in a --trace-refs file
  const copied = copyAddressSpace(x, p.pd, pd, x.options.fork, sharedAt(p));
  if (copied === null) return fail();
  x.stats.cowShared += copied.shared;
  c.regions = p.regions.map((r) => ({ ...r }));
  inheritMappings(c.regions);
  c.heapStart = p.heapStart;
  c.brk = p.brk;
  // A child keeps to the same resident limit, with a policy of its own (counters and all). OPT's
  // recorded future is its parent's: the child's is unknown, so its opt goes by load order.
  c.limit = p.limit;
  c.quiet = p.quiet;
  c.policy = p.policy === null ? null : p.policy.name === 'opt' ? makeOpt(new Uint32Array(0)) : makePolicy(p.policy.name, c.pid);
  return startChild(x, p, c, fail);
};

const sysExec: Handler = (x, p, m, a) => {
  const path = m.readString(a[0]!, MAX_PATH);
  if (path === null) return -ERRNO.EINVAL;
  const argv: string[] = [];
  if (a[1] !== 0) {
    for (let i = 0; ; i++) {
      if (i >= MAX_ARGS) return -ERRNO.E2BIG;
      const ptr = m.readU32(a[1]! + 4 * i);
      if (ptr === 0) break;
      const s = m.readString(ptr, MAX_PATH);
      if (s === null) return -ERRNO.E2BIG;
      argv.push(s);
    }
  }
  if (argv.length === 0) argv.push(path);
  const r = execStep(x, p, path, argv);
  if (r.kind === 'wait') return waitOn(r.chan);
  return r.kind === 'done' ? 'done' : r.errno;
};

/** wait(&status): reaps a child that has exited, or sleeps until one does. */
const sysWait: Handler = (x, p, m, a) => {
  const statusPtr = a[0]!;
  if (statusPtr !== 0) m.ensure(statusPtr, 4, true);
  const children = x.table.childrenOf(p);
  if (children.length === 0) return -ERRNO.ECHILD;
  const z = children.find((c) => c.state === 'zombie');
  if (z === undefined) return waitOn(p.childExit);
  if (statusPtr !== 0) m.writeU32(statusPtr, z.exitStatus);
  x.table.reap(z);
  return z.pid;
};

const sysKill: Handler = (x, p, _m, a) => {
  const t = x.table.procs.get(a[0]!);
  if (!t || t.state === 'zombie') return -ERRNO.ESRCH;
  kill(x, t, `killed by pid ${p.pid}`);
  return t === p ? 'done' : 0;
};

const sysMeminfo: Handler = (x, p, m, a) => {
  const f = x.frames.stats();
  const swap = x.reclaim?.swap;
  const values = [f.total, f.free, p.seg !== null ? p.seg.size / PAGE_SIZE : residentPages(x.hw, p.pd), p.faults, x.stats.faults, swap?.total ?? 0, swap?.used ?? 0, PAGE_SIZE, p.cowFaults, p.cowCopies];
  const bytes = new Uint8Array(values.length * 4);
  const v = new DataView(bytes.buffer);
  values.forEach((n, i) => v.setUint32(4 * i, n >>> 0, true));
  m.write(a[0]!, bytes);
  return 0;
};

/**
 * mlock(addr, len) / munlock(addr, len): every page of the range must be in a region; mlock brings
 * the missing ones in first (the call waits as any page-in does), then marks each PTE locked, so
 * the reclaimer never takes it; munlock clears the mark and puts the page back in its queue.
 */
const lockRange = (lock: boolean): Handler => (x, p, m, a) => {
  const [addr, len] = a as [number, number];
  if (len === 0) return 0;
  const start = (addr & ~(PAGE_SIZE - 1)) >>> 0;
  const end = addr + len;
  if (len < 0 || end > USER_STACK_TOP || end < addr) return -ERRNO.ENOMEM;
  for (let va = start; va < end; va += PAGE_SIZE) if (p.regionAt(va) === null) return -ERRNO.ENOMEM;
  const mark = (): void => {
    for (let va = start; va < end; va += PAGE_SIZE) {
      const w = walk(x.hw, p.pd, virt(va));
      if (w.pteAddr === null || !isPresent(w.pte)) continue;
      const pte = lock ? w.pte | PTE_LOCKED : w.pte & ~PTE_LOCKED;
      if (pte === w.pte) continue;
      x.hw.writePhys32(w.pteAddr, pte >>> 0);
      if (lock) noteLocked(p, va);
      else p.lockedPages.delete(va >>> 12);
      if (!lock) x.reclaim?.noteMapped(entryFrame(w.pte), p.pd, virt(va), true); // the same mapping: it keeps its counter and any kept slot
    }
  };
  // Lock what is present first, so that bringing in the rest (which may evict, and which runs this
  // call again after each wait) cannot take a page already locked; then the rest.
  mark();
  if (lock) { m.ensure(addr, len, false); mark(); }
  return 0;
};

const HANDLERS = new Map<number, Handler>([
  [SYS.exit, sysExit], [SYS.fork, sysFork], [SYS.read, sysRead], [SYS.write, sysWrite], [SYS.open, sysOpen],
  [SYS.close, sysClose], [SYS.wait, sysWait], [SYS.exec, sysExec], [SYS.uptime, sysUptime], [SYS.getpid, sysGetpid],
  [SYS.kill, sysKill], [SYS.brk, sysBrk], [SYS.sbrk, sysSbrk], [SYS.yield, sysYield], [SYS.sleep, sysSleep],
  [SYS.meminfo, sysMeminfo], [SYS.mlock, lockRange(true)], [SYS.munlock, lockRange(false)],
  [SYS.mmap, (x, p, _m, a) => mmap(x, p, a)], [SYS.munmap, (x, p, _m, a) => munmap(x, p, a)],
  [SYS.mprotect, (x, p, _m, a) => mprotect(x, p, a)], [SYS.msync, (x, p, _m, a) => msync(x, p, a)],
  [SYS.sync, (x) => { syncAll(x, x.table.procs.values()); return 0; }],
  [SYS.shmget, (x, _p, _m, a) => shmget(x, a)], [SYS.shmat, (x, p, _m, a) => shmat(x, p, a)],
  [SYS.shmdt, (x, p, _m, a) => shmdt(x, p, a)], [SYS.shmctl, (x, _p, _m, a) => shmctl(x, a)],
]);

/** Calls about pages, which a process in a partition has none of (--mm segments): ENOSYS. */
const PAGING_ONLY: ReadonlySet<number> = new Set([SYS.mlock, SYS.munlock, SYS.mmap, SYS.munmap, SYS.mprotect, SYS.msync, SYS.shmget, SYS.shmat, SYS.shmdt, SYS.shmctl]);

/** Bringing in pages a call touches restarts it at most this often before it gives up with -EFAULT. */
const MAX_PAGE_INS = 64;

/** Runs the system call in `p`'s trap frame `tf` (already read). */
export function syscall(x: SyscallContext, p: Process, tf: TrapFrame): void {
  const hw = x.hw;
  const h = HANDLERS.get(tf.get('EAX'));
  const finish = (eax: number | null): void => {
    p.progress = null;
    p.kentry = null;
    if (eax !== null) setTf(hw, p.frame, 'EAX', eax);
  };
  const sleep = (chan: WaitChannel): void => {
    p.kentry = syscallEntry(x);
    x.sched.sleep(p, chan);
  };
  if (!h || (p.seg !== null && PAGING_ONLY.has(tf.get('EAX')))) { finish(-ERRNO.ENOSYS); return; }
  // A sixth argument (mmap's offset) comes in EBP, as on Linux.
  const args = [tf.get('EBX'), tf.get('ECX'), tf.get('EDX'), tf.get('ESI'), tf.get('EDI'), tf.get('EBP')];
  const m = new UserMemory(hw, p, (page) => softFault(x, p, virt(page)));
  for (let attempt = 0; attempt < MAX_PAGE_INS; attempt++) {
    try {
      const r = h(x, p, m, args);
      if (typeof r === 'number') finish(r);
      else if (r === 'done') finish(null);
      else sleep(r.wait);
      return;
    } catch (e) {
      if (e instanceof BadAddress) { finish(-ERRNO.EFAULT); return; }
      if (!(e instanceof PageNeeded)) throw e;
      const f = userAccessFault(virt(e.va), e.write, tf.get('EIP'));
      const counted = p.faults;
      let r = handlePageFault(x, p, f);
      if (x.trace.pf && p.faults !== counted) {
        // `trace pf` shows the faults the kernel takes for a call too, as it counts them.
        const what = r.kind === 'mapped' ? 'zero-filled' : r.kind === 'wait' ? 'reading from disk' : `bad (${r.reason})`;
        x.tty.print(`pf: pid ${p.pid} ${p.name} va 0x${hex(f.va)} eip 0x${hex(f.eip)} ${describeFaultCode(f.code)} (in a system call): ${what}\n`);
      }
      while (r.kind === 'bad' && r.oom === true && killForMemory(x, p)) r = handlePageFault(x, p, f, true);
      if (r.kind === 'bad' && r.oom === true) {
        // This process has the largest resident set: it is the one to go (proc/oom.ts).
        kill(x, p, oomReason(p, chooseOomVictim(x, p).pages, p));
        finish(null);
        return;
      }
      if (r.kind === 'bad') { finish(-ERRNO.EFAULT); return; }
      if (r.kind === 'wait') { sleep(r.chan); return; }
    }
  }
  finish(-ERRNO.EFAULT);
}

/** The kernel entry of a process asleep in a system call: the call again, from its trap frame. */
export function syscallEntry(x: SyscallContext): (p: Process) => void {
  return (p) => {
    const tf = new TrapFrame();
    tf.load(x.hw, p.frame);
    syscall(x, p, tf);
  };
}
