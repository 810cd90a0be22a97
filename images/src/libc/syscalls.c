/* int $0x80 wrappers (sys.h). The memory-mapping ones are in mman.c, an object of their own in
 * libc.a, so that only the programs that call them link them. */
#include "sys.h"
#include "unistd.h"

void exit(int status) {
  sys1(SYS_exit, status);
  for (;;) {
    /* exit does not return; should a broken kernel return, do not run off into main's caller */
  }
}

int fork(void) { return sys0(SYS_fork); }
int read(int fd, void *buf, size_t n) { return sys3(SYS_read, fd, (int)buf, (int)n); }
int write(int fd, const void *buf, size_t n) { return sys3(SYS_write, fd, (int)buf, (int)n); }
int open(const char *path, int flags) { return sys2(SYS_open, (int)path, flags); }
int close(int fd) { return sys1(SYS_close, fd); }
int wait(int *status) { return sys1(SYS_wait, (int)status); }
int exec(const char *path, char *const argv[]) { return sys2(SYS_exec, (int)path, (int)argv); }
unsigned uptime(void) { return (unsigned)sys0(SYS_uptime); }
int getpid(void) { return sys0(SYS_getpid); }
int kill(int pid) { return sys1(SYS_kill, pid); }
void *brk(void *addr) { return (void *)sys1(SYS_brk, (int)addr); }
int yield(void) { return sys0(SYS_yield); }
int sleep(unsigned ms) { return sys1(SYS_sleep, (int)ms); }
int meminfo(struct meminfo *info) { return sys1(SYS_meminfo, (int)info); }
int mlock(const void *addr, size_t len) { return sys2(SYS_mlock, (int)addr, (int)len); }
int munlock(const void *addr, size_t len) { return sys2(SYS_munlock, (int)addr, (int)len); }

void *sbrk(int increment) {
  int r = sys1(SYS_sbrk, increment);
  /* A break is a user address below 0xC0000000, so it may look negative as an int; only the
   * last 4095 values are errors (as Linux tells them apart). */
  if ((unsigned)r >= (unsigned)-4095) return (void *)-1;
  return (void *)r;
}
