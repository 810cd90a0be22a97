/* The system calls, one C function each (syscalls.c).
 *
 * Every wrapper returns what the kernel left in EAX: a negative errno (syscall.h) on failure.
 * There is no errno variable. sbrk is the one exception: like POSIX, it returns (void *)-1. */
#ifndef UNISTD_H
#define UNISTD_H

#include <stddef.h>
#include "syscall.h"

/* What meminfo() fills in: uint32 fields in the order of kernel/abi.ts MEMINFO_FIELDS. */
struct meminfo {
  unsigned frames_total;  /* physical frames the kernel manages */
  unsigned frames_free;
  unsigned resident;      /* this process's mapped user pages */
  unsigned faults;        /* this process's page faults */
  unsigned faults_total;  /* page faults of every process since boot */
  unsigned swap_total;    /* swap slots */
  unsigned swap_used;
  unsigned page_size;     /* bytes */
  unsigned cow_faults;    /* this process's write faults on copy-on-write pages (in faults too) */
  unsigned cow_copies;    /* the copies they made (the others took a page over: no one else mapped it) */
};

__attribute__((noreturn)) void exit(int status);
int fork(void);                         /* child pid to the parent, 0 to the child */
int read(int fd, void *buf, size_t n);  /* fd 0: the console, one line per call */
int write(int fd, const void *buf, size_t n);
int open(const char *path, int flags);  /* files of the program disk; flags O_RDONLY, or O_RDWR (mman.h) to map them MAP_SHARED writable */
int close(int fd);
int wait(int *status);                  /* pid of an exited child; -ECHILD when there is none */
int exec(const char *path, char *const argv[]); /* returns only on failure */
unsigned uptime(void);                  /* milliseconds since boot, in 10 ms steps */
int getpid(void);
int kill(int pid);
void *brk(void *addr);                  /* the new break; the old one when refused */
void *sbrk(int increment);              /* the old break; (void *)-1 when refused */
int yield(void);
int sleep(unsigned ms);                 /* milliseconds, not seconds */
int meminfo(struct meminfo *info);
unsigned page_faults(void);             /* this process's page faults so far (meminfo's faults; 0 if it fails) */
int mlock(const void *addr, size_t len);   /* keeps the pages of [addr, addr+len) resident: never evicted */
int munlock(const void *addr, size_t len);
int sync(void);                         /* writes every dirty page of a MAP_SHARED file mapping back (mman.h) */

#define PAGE_SIZE 4096u

#endif
