/* badtext: writes over its own code (the first byte of main). Text is mapped read-only, so the
 * kernel should kill it (user write to a read-only page); surviving is a failure (exit 1). */
#include <stdio.h>

int main(void);
static int (*volatile target)(void) = main;

int main(void) {
  volatile unsigned char *p = (volatile unsigned char *)target;
  printf("badtext: writing to main at %p\n", (void *)p);
  *p = 0xc3;   /* ret */
  printf("badtext: wrote my own text and survived: the kernel should have killed me\n");
  return 1;
}
