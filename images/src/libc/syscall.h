/* System-call numbers (int $0x80, EAX = number). They must equal SYS in kernel/abi.ts:
 * test/unit/images/programs-image.test.ts parses this file and compares. */
#ifndef SYSCALL_H
#define SYSCALL_H

#define SYS_exit     1
#define SYS_fork     2
#define SYS_read     3
#define SYS_write    4
#define SYS_open     5
#define SYS_close    6
#define SYS_wait     7
#define SYS_exec    11
#define SYS_uptime  13
#define SYS_getpid  20
#define SYS_sync    36
#define SYS_kill    37
#define SYS_brk     45
#define SYS_sbrk    46
#define SYS_munmap  91
#define SYS_mprotect 125
#define SYS_msync  144
#define SYS_mlock  150
#define SYS_munlock 151
#define SYS_yield  158
#define SYS_sleep  162
#define SYS_mmap   192
#define SYS_meminfo 200
#define SYS_shmget 395
#define SYS_shmctl 396
#define SYS_shmat  397
#define SYS_shmdt  398

/* Errors come back negated in EAX (Linux numbering, as kernel/abi.ts ERRNO). */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EEXIST  17
#define EINVAL  22
#define EMFILE  24
#define ENOSYS  38

#endif
