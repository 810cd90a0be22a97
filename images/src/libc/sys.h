/* The int $0x80 sequences the wrappers are made of (syscalls.c, mman.c), by argument count.
 * EAX = number; arguments in EBX, ECX, EDX (kernel/abi.ts); result in EAX. "memory" is clobbered
 * because the kernel may read or write any buffer we passed. Private to libc. */
#ifndef SYS_H
#define SYS_H

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

#endif
