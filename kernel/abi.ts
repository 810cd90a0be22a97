// The system-call interface user programs see (int 0x80), shared with images/src/libc/syscall.h,
// whose numbers test/unit/images/programs-image.test.ts checks against this table.
//
// Convention (as Linux's i386 one): EAX = number, arguments in EBX, ECX, EDX, ESI, EDI; the result
// comes back in EAX, a negative errno on failure.

export const SYS = {
  exit: 1,      // exit(status): never returns
  fork: 2,      // fork(): child pid to the parent, 0 to the child
  read: 3,      // read(fd, buf, n): fd 0 is the console (blocks for a line); 3+ are files
  write: 4,     // write(fd, buf, n): fds 1 and 2 are the console
  open: 5,      // open(path, flags): read-only files of the program disk
  close: 6,     // close(fd)
  wait: 7,      // wait(int *status): pid of a child that exited (blocks), -ECHILD if none
  exec: 11,     // exec(path, argv): replaces the program; returns only on failure
  uptime: 13,   // uptime(): milliseconds since boot (100 Hz ticks)
  sync: 36,     // sync(): writes every dirty page of a file mapped MAP_SHARED back to the disk
  getpid: 20,
  kill: 37,     // kill(pid): ends a process
  brk: 45,      // brk(addr): sets the break; returns the new break (the old one if refused)
  sbrk: 46,     // sbrk(increment): returns the old break, or -ENOMEM
  munmap: 91,   // munmap(addr, len): removes the pages of mappings (mmap, shmat) in the range
  mprotect: 125, // mprotect(addr, len, prot): new protection for pages of mappings
  msync: 144,   // msync(addr, len, flags): writes a MAP_SHARED file mapping's dirty pages back
  mlock: 150,   // mlock(addr, len): keeps those pages resident (brought in now, never evicted)
  munlock: 151, // munlock(addr, len): lets them be evicted again
  yield: 158,   // yield(): gives up the rest of the time slice
  sleep: 162,   // sleep(ms): blocks for at least that long
  mmap: 192,    // mmap(addr, len, prot, flags, fd, pgoff) (Linux's mmap2: the offset in pages, in EBP)
  meminfo: 200, // meminfo(struct meminfo *): see MEMINFO below
  shmget: 395,  // shmget(key, size, flags): a named shared-memory segment's id (System V)
  shmctl: 396,  // shmctl(id, IPC_RMID, 0): the segment goes once the last process detaches it
  shmat: 397,   // shmat(id, addr, flags): attaches it; returns its address
  shmdt: 398,   // shmdt(addr): detaches the segment attached at addr
} as const;

export type SyscallName = keyof typeof SYS;

/** Errors, negated in EAX (Linux numbering). */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EEXIST: 17, EINVAL: 22, EMFILE: 24, ENOSYS: 38,
} as const;

/**
 * struct meminfo (uint32 fields, in this order): what test programs read to check paging.
 *   frames_total  frames_free  resident (this process's mapped user pages)  faults (this process's page faults)
 *   faults_total  swap_total   swap_used   page_size
 *   cow_faults (this process's write faults on copy-on-write pages)  cow_copies (the copies they made)
 */
export const MEMINFO_FIELDS = ['frames_total', 'frames_free', 'resident', 'faults', 'faults_total', 'swap_total', 'swap_used', 'page_size', 'cow_faults', 'cow_copies'] as const;

/** Exit status of a process the kernel killed (a fault or `kill`), as wait() reports it. */
export const KILLED_STATUS = -1;

/** mmap's prot and flags, msync's flags, open's flags (Linux's values). */
export const PROT = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 } as const;
export const MAP = { SHARED: 0x01, PRIVATE: 0x02, FIXED: 0x10, ANONYMOUS: 0x20 } as const;
export const MS = { ASYNC: 1, INVALIDATE: 2, SYNC: 4 } as const;
export const O = { RDONLY: 0, RDWR: 2 } as const;
/** shmget's key and flags, shmctl's command (System V, Linux's values). */
export const IPC = { PRIVATE: 0, CREAT: 0o1000, EXCL: 0o2000, RMID: 0 } as const;
