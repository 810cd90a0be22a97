/* spin [N]: CPU-bound work for the scheduler to preempt. Runs N iterations of an integer hash and
 * prints the checksum. With no N it runs about four billion and prints a dot every million, so
 * another process's output shows between the dots when the scheduler is fair. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int dots = argc < 2;
  unsigned n = dots ? 0xffffffffu : (unsigned)strtoul(argv[1], NULL, 0);
  unsigned x = 0x12345678u, next_dot = 1000000;
  for (unsigned i = 0; i < n; i++) {
    x ^= i;
    x *= 0x9e3779b1u;   /* Knuth's multiplicative hash constant, 2^32 / phi */
    x ^= x >> 15;
    if (dots && i == next_dot) {
      putchar('.');
      next_dot += 1000000;
    }
  }
  if (dots) putchar('\n');
  printf("spin: %u iterations, checksum 0x%08x\n", n, x);
  return 0;
}
