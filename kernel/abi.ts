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
  getpid: 20,
  kill: 37,     // kill(pid): ends a process
  brk: 45,      // brk(addr): sets the break; returns the new break (the old one if refused)
  sbrk: 46,     // sbrk(increment): returns the old break, or -ENOMEM
  mlock: 150,   // mlock(addr, len): keeps those pages resident (brought in now, never evicted)
  munlock: 151, // munlock(addr, len): lets them be evicted again
  yield: 158,   // yield(): gives up the rest of the time slice
  sleep: 162,   // sleep(ms): blocks for at least that long
  meminfo: 200, // meminfo(struct meminfo *): see MEMINFO below
} as const;

export type SyscallName = keyof typeof SYS;

/** Errors, negated in EAX (Linux numbering). */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EFAULT: 14, EINVAL: 22, EMFILE: 24, ENOSYS: 38,
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
