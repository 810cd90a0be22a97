/* badwild: writes to 0x70000000, far from its text, data, heap and stack. The kernel should kill
 * it (no region covers the address); surviving is a failure (exit 1). */
#include <stdio.h>

static volatile unsigned long address = 0x70000000u;

int main(void) {
  printf("badwild: writing to %p\n", (void *)address);
  *(volatile int *)address = 42;
  printf("badwild: wrote and survived: the kernel should have killed me\n");
  return 1;
}
