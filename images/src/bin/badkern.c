/* badkern: reads kernel memory at 0xC0001000. Every page from KERNBASE up is supervisor-only, so
 * the kernel should kill it (user read of a supervisor page); surviving is a failure (exit 1). */
#include <stdio.h>

static volatile unsigned long address = 0xC0001000u;

int main(void) {
  printf("badkern: reading %p\n", (void *)address);
  int v = *(volatile int *)address;
  printf("badkern: read %d and survived: the kernel should have killed me\n", v);
  return 1;
}
