// System calls (int 0x80; the numbers and conventions are in kernel/abi.ts). A call reads its
// arguments from the trap frame, checks every user buffer it will touch before it does anything
// (bringing in pages that are allowed but not present yet), and either returns a result in EAX at
// once or blocks the process, whose result is written when it is woken.

import { ERRNO, KILLED_STATUS, SYS } from '../abi.ts';
import { COST } from '../cost.ts';
import { PAGE_SIZE, virt } from '../hw.ts';
import type { Kernel } from '../kernel.ts';
import { KERNEL_PD_PHYS, USER_STACK_LIMIT, USER_STACK_TOP, V2P } from '../layout.ts';
import { pageIn } from '../mm/pager.ts';
import { unmapPage } from '../mm/pagetable.ts';
import { copyAddressSpace, createAddressSpace, pageUp, residentPages } from '../mm/vmm.ts';
import { copyFrame, getTf, setTf } from '../trap.ts';
import { exec } from './exec.ts';
import { closeFile, filePos, openFile, setFilePos } from './files.ts';
import type { Process } from './process.ts';
import { BadAddress, PageNeeded, UserMemory } from './usermem.ts';

/** What a handler did: a result for EAX now, or the process blocked / is gone (the result comes later or never). */
type Outcome = number | 'blocked' | 'gone';
type Handler = (k: Kernel, p: Process, m: UserMemory, a: number[], resumed: boolean) => Outcome;

const MAX_PATH = 256;
const MAX_ARGS = 32;
const FILE_CHUNK = 4096;

const sysExit: Handler = (k, p, _m, a) => { k.exit(p, a[0]! | 0); return 'gone'; };

const sysWrite: Handler = (k, p, m, a, resumed) => {
  const [fd, buf, len] = a as [number, number, number];
  if (fd !== 1 && fd !== 2) return -ERRNO.EBADF;
  // A resumed write goes on after the bytes it already sent.
  const done = resumed ? k.pendingWrite.get(p.pid) ?? 0 : 0;
  const bytes = m.read(buf + done, len - done);
  const n = k.tty.writeSome(bytes);
  k.hw.charge(COST.perByteCopied * n);
  if (done + n < len) {
    k.pendingWrite.set(p.pid, done + n);
    k.block(p, { kind: 'write' });
    return 'blocked';
  }
  k.pendingWrite.delete(p.pid);
  return len;
};

const sysRead: Handler = (k, p, m, a) => {
  const [fd, buf, len] = a as [number, number, number];
  if (len === 0) return 0;
  if (fd === 0) {
    m.ensure(buf, len, true);
    if (!k.tty.hasLine || !k.inForeground(p)) { k.block(p, { kind: 'read' }); return 'blocked'; }
    const line = k.tty.readLine(len);
    m.write(buf, line);
    return line.length;
  }
  const f = p.files.get(fd);
  if (!f) return -ERRNO.EBADF;
  const pos = filePos(k, f);
  const n = Math.min(len, FILE_CHUNK, f.entry.size - pos);
  if (n <= 0) return 0;
  m.ensure(buf, n, true);
  const bounce = k.heap.kmalloc(n + 1024);
  if (bounce === null) return -ERRNO.ENOMEM;
  k.block(p, { kind: 'disk' });
  k.progdisk!.readFileBytes(f.entry, pos, n, V2P(bounce), (err, data) => {
    k.heap.kfree(bounce);
    if (p.state === 'zombie') return;
    if (err !== null) { k.wake(p, -ERRNO.EIO); return; }
    try { m.write(buf, data); } catch { k.wake(p, -ERRNO.EFAULT); return; }
    if (p.files.get(fd) === f) setFilePos(k, f, pos + n);
    k.wake(p, n);
  });
  return 'blocked';
};

const sysOpen: Handler = (k, p, m, a) => {
  const path = m.readString(a[0]!, MAX_PATH);
  if (path === null) return -ERRNO.EINVAL;
  const e = k.progdisk?.lookup(path) ?? null;
  if (e === null) return -ERRNO.ENOENT;
  let fd = 3;
  while (p.files.has(fd)) fd++;
  if (fd >= 16) return -ERRNO.EMFILE;
  const f = openFile(k, e);
  if (f === null) return -ERRNO.ENOMEM;
  p.files.set(fd, f);
  return fd;
};

const sysClose: Handler = (k, p, _m, a) => {
  const f = p.files.get(a[0]!);
  if (!f) return -ERRNO.EBADF;
  p.files.delete(a[0]!);
  closeFile(k, f);
  return 0;
};

const sysGetpid: Handler = (_k, p) => p.pid;

const sysUptime: Handler = (k) => k.uptimeMs;

const sysYield: Handler = (k) => { k.needResched = true; return 0; };

const sysSleep: Handler = (k, p, _m, a) => {
  k.block(p, { kind: 'sleep', until: k.uptimeMs + Math.max(0, a[0]! | 0) });
  setTf(k.hw, p.frame, 'EAX', 0);
  return 'blocked';
};

/** Sets the break; pages above a lowered break are freed now, pages below a raised one appear on first touch. */
function setBreak(k: Kernel, p: Process, want: number): boolean {
  const heap = p.regions.find((r) => r.kind === 'heap');
  if (!heap || want < p.heapStart || pageUp(want) > USER_STACK_TOP - USER_STACK_LIMIT) return false;
  const newEnd = pageUp(want);
  for (let va = newEnd; va < heap.end; va += PAGE_SIZE) {
    const f = unmapPage(k.hw, p.pd, virt(va));
    if (f !== null) k.frames.free(f);
  }
  heap.end = newEnd;
  p.brk = want;
  return true;
}

const sysBrk: Handler = (k, p, _m, a) => {
  if (a[0] !== 0) setBreak(k, p, a[0]!);
  return p.brk;
};

const sysSbrk: Handler = (k, p, _m, a) => {
  const old = p.brk;
  return setBreak(k, p, old + (a[0]! | 0)) ? old : -ERRNO.ENOMEM;
};

const sysFork: Handler = (k, p) => {
  const c = k.newProcess(p.name, [...p.argv], p);
  if (c === null) return -ERRNO.ENOMEM;
  const pd = createAddressSpace(k.hw, k.frames, KERNEL_PD_PHYS);
  if (pd === null) { k.exit(c, KILLED_STATUS); return -ERRNO.ENOMEM; }
  c.pd = pd;
  if (!copyAddressSpace(k.hw, k.frames, p.pd, pd)) { k.exit(c, KILLED_STATUS); return -ERRNO.ENOMEM; }
  c.regions = p.regions.map((r) => ({ ...r }));
  c.heapStart = p.heapStart;
  c.brk = p.brk;
  for (const [fd, f] of p.files) {
    const copy = openFile(k, f.entry, filePos(k, f));
    if (copy === null) { k.exit(c, KILLED_STATUS); return -ERRNO.ENOMEM; }
    c.files.set(fd, copy);
  }
  copyFrame(k.hw, c.frame, p.frame);
  setTf(k.hw, c.frame, 'EAX', 0);
  k.makeRunnable(c);
  return c.pid;
};

const sysExec: Handler = (k, p, m, a) => {
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
  k.block(p, { kind: 'disk' });
  exec(k, p, path, argv, (err) => { k.wake(p, err); });
  return 'blocked';
};

const sysWait: Handler = (k, p, m, a) => {
  const statusPtr = a[0]!;
  if (statusPtr !== 0) m.ensure(statusPtr, 4, true);
  const children = [...k.procs.values()].filter((c) => c.parent === p);
  if (children.length === 0) return -ERRNO.ECHILD;
  k.block(p, { kind: 'wait', statusPtr });
  const z = children.find((c) => c.state === 'zombie');
  if (z) k.finishWait(p, z);
  return 'blocked';
};

const sysKill: Handler = (k, p, _m, a) => {
  const t = k.procs.get(a[0]!);
  if (!t || t.state === 'zombie') return -ERRNO.ESRCH;
  k.kill(t, `killed by pid ${p.pid}`);
  return t === p ? 'gone' : 0;
};

const sysMeminfo: Handler = (k, p, m, a) => {
  const f = k.frames.stats();
  const values = [f.total, f.free, residentPages(k.hw, p.pd), p.faults, k.stats.faults, 0, 0, PAGE_SIZE];
  const bytes = new Uint8Array(values.length * 4);
  const v = new DataView(bytes.buffer);
  values.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  m.write(a[0]!, bytes);
  return 0;
};

const HANDLERS = new Map<number, Handler>([
  [SYS.exit, sysExit], [SYS.fork, sysFork], [SYS.read, sysRead], [SYS.write, sysWrite], [SYS.open, sysOpen],
  [SYS.close, sysClose], [SYS.wait, sysWait], [SYS.exec, sysExec], [SYS.uptime, sysUptime], [SYS.getpid, sysGetpid],
  [SYS.kill, sysKill], [SYS.brk, sysBrk], [SYS.sbrk, sysSbrk], [SYS.yield, sysYield], [SYS.sleep, sysSleep],
  [SYS.meminfo, sysMeminfo],
]);

/**
 * Runs the system call in `p`'s trap frame. `resumed` is true when a blocked call (console read or
 * write) is being continued. A page that must come from the disk first makes the call restart:
 * the process waits for the page, then executes INT 80h again.
 */
export function doSyscall(k: Kernel, p: Process, resumed = false): void {
  const hw = k.hw;
  const nr = getTf(hw, p.frame, 'EAX');
  const args = [getTf(hw, p.frame, 'EBX'), getTf(hw, p.frame, 'ECX'), getTf(hw, p.frame, 'EDX'), getTf(hw, p.frame, 'ESI'), getTf(hw, p.frame, 'EDI')];
  const h = HANDLERS.get(nr);
  if (!h) { setTf(hw, p.frame, 'EAX', -ERRNO.ENOSYS); return; }
  const m = new UserMemory(hw, p);
  for (let attempt = 0; attempt < 64; attempt++) {
    try {
      const r = h(k, p, m, args, resumed);
      if (typeof r === 'number') setTf(hw, p.frame, 'EAX', r);
      return;
    } catch (e) {
      if (e instanceof BadAddress) { setTf(hw, p.frame, 'EAX', -ERRNO.EFAULT); return; }
      if (!(e instanceof PageNeeded)) throw e;
      p.faults++;
      k.stats.faults++;
      const res = pageIn(k, p, e.va, e.write, (err) => {
        if (err !== null) { setTf(hw, p.frame, 'EAX', -ERRNO.EFAULT); setTf(hw, p.frame, 'EIP', getTf(hw, p.frame, 'EIP') + 2); }
        k.wake(p, null);
      });
      if (res.kind === 'bad') { setTf(hw, p.frame, 'EAX', -ERRNO.EFAULT); return; }
      if (res.kind === 'pending') {
        // Restart: back up over INT 80h (CD 80) so the call runs again once the page is in.
        setTf(hw, p.frame, 'EIP', getTf(hw, p.frame, 'EIP') - 2);
        k.block(p, { kind: 'disk' });
        return;
      }
    }
  }
  setTf(hw, p.frame, 'EAX', -ERRNO.EFAULT);
}

