/* badnull: dereferences a null pointer. The kernel should kill it (user read of a not-present
 * page); if it returns, something is wrong and it says so and exits 1. */
#include <stdio.h>

/* The address comes from a volatile, so gcc cannot see that it is null and trap on its own. */
static volatile unsigned long address = 0;

int main(void) {
  printf("badnull: reading *(int *)0\n");
  int v = *(volatile int *)address;
  printf("badnull: read %d and survived: the kernel should have killed me\n", v);
  return 1;
}
