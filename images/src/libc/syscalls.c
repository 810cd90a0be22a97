/* int $0x80 wrappers. EAX = number; arguments in EBX, ECX, EDX (kernel/abi.ts); result in EAX.
 * "memory" is clobbered because the kernel may read or write any buffer we passed. */
#include "unistd.h"

static inline int sys0(int n) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n) : "memory");
  return r;
}

static inline int sys1(int n, int a) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a) : "memory");
  return r;
}

static inline int sys2(int n, int a, int b) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b) : "memory");
  return r;
}

static inline int sys3(int n, int a, int b, int c) {
  int r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

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
