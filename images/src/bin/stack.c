/* stack [N]: recurses N levels (default 16), each frame a page, so the stack grows down about N
 * pages from where main runs. Prints the depth reached, how far below main's frame the deepest
 * frame is, and the page faults that took. The kernel grows the stack on demand to 1 MiB, so
 * `stack 300` should be killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *lowest;

/* A frame of one page: the array is a page less 16 bytes, left for the return address, the
 * register gcc saves and alignment (the real use is measured, from `lowest`). Touching both ends of the
 * array makes every page of the frame fault in, in order. noinline and using the result after the
 * call keep gcc from flattening the recursion into a loop. */
__attribute__((noinline)) static unsigned descend(unsigned n) {
  volatile char frame[PAGE_SIZE - 16];
  frame[sizeof frame - 1] = (char)n;
  frame[0] = (char)n;
  if ((char *)frame < lowest) lowest = (char *)frame;
  unsigned sum = n > 1 ? descend(n - 1) : 0;
  return sum + (unsigned char)frame[0] + (unsigned char)frame[sizeof frame - 1];
}

static unsigned faults(void) {
  struct meminfo m;
  memset(&m, 0, sizeof m);
  meminfo(&m);
  return m.faults;
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 16;
  char here;
  lowest = &here;
  printf("stack: recursing %u levels of a page each\n", n);
  unsigned before = faults();
  unsigned sum = descend(n);
  unsigned after = faults();
  unsigned below = (unsigned)(&here - lowest);
  printf("stack: depth %u reached, %u KiB below main's frame (lowest %p), %u faults\n", n, below / 1024,
         (void *)lowest, after - before);
  unsigned expect = 0;   /* each level reads back its two bytes: the low byte of its n, twice */
  for (unsigned k = 1; k <= n; k++) expect += 2 * (k & 0xff);
  if (sum != expect) {
    printf("stack: FAIL: the frames read back %u, not %u\n", sum, expect);
    return 1;
  }
  return 0;
}
