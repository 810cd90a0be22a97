/* matmult [N [BAND]]: C = A x B for N x N matrices of 32-bit integers, in the spirit of OS/161's
 * testbin/matmult, with matrices bigger than RAM: the default N = 600 makes the three 4.1 MiB
 * together (a 4 MiB machine leaves about 2.6 MiB to programs).
 *
 *   A[i][k] = BAND + 1 - |i - k| within BAND of the diagonal, else 0 (default BAND 2: 5 diagonals;
 *             BAND = N - 1 makes A dense)
 *   B[k][j] = 2k + 3j + 1
 *
 * The product runs i, k, j (rows of B and C in order, for locality) and skips a k whose A[i][k] is
 * 0, as a sparse-aware multiply does: N^2 reads of A, N^2 (2 BAND + 1) multiply-adds. A dense
 * product of matrices this size (N^3 = 2.2e8 multiply-adds, each an IMUL of up to 38 386 clocks)
 * would take minutes of emulated time; `matmult 100 99` is a dense one.
 *
 * The check: since B's rows are linear in j, row i of C is the arithmetic progression
 * C[i][j] = P(i) + Q(i) j, with P(i) = sum_k A[i][k] (2k + 1) and Q(i) = 3 sum_k A[i][k], worked out
 * from A's definition (not read from its memory). Every element of C is compared with it.
 * Arithmetic is modulo 2^32 throughout (unsigned), so it is exact for any N and BAND.
 *
 *   matmult: ok: 600x600, band 2: C matches P(i) + Q(i) j everywhere; trace 0x........, sum 0x........
 *   matmult: FAIL: C[i][j] = ..., expected ...                                    (exit 1)
 *
 * Trace and sum depend only on N and BAND. A bad argument prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEFAULT_N 600u
#define MAX_N 2048u
#define DEFAULT_BAND 2u

static void usage(void) {
  dprintf(2, "usage: matmult [N [BAND]]   (N: 1 to %u, default %u; BAND: 0 to N - 1, default %u)\n", MAX_N, DEFAULT_N, DEFAULT_BAND);
  exit(2);
}

static unsigned n, band;

/* A's element at (i, k), from its definition. */
static unsigned a_at(unsigned i, unsigned k) {
  unsigned d = i > k ? i - k : k - i;
  return d <= band ? band + 1 - d : 0;
}

int main(int argc, char **argv) {
  if (argc > 3) usage();
  n = argc >= 2 ? decimal_arg(argv[1], 1, MAX_N, usage) : DEFAULT_N;
  band = argc == 3 ? decimal_arg(argv[2], 0, n - 1, usage) : DEFAULT_BAND < n ? DEFAULT_BAND : n - 1;
  unsigned nn = n * n;
  unsigned *a = sbrk((int)(3 * nn * 4));
  if (a == (void *)-1) {
    printf("matmult: FAIL: sbrk of %u KiB refused\n", 3 * nn * 4 / 1024);
    return 1;
  }
  unsigned *b = a + nn, *c = b + nn;   /* c: fresh pages, zero */

  for (unsigned i = 0; i < n; i++)
    for (unsigned k = 0; k < n; k++) a[i * n + k] = a_at(i, k);
  for (unsigned k = 0; k < n; k++) {
    unsigned v = 2 * k + 1;
    for (unsigned j = 0; j < n; j++, v += 3) b[k * n + j] = v;
  }

  for (unsigned i = 0; i < n; i++) {
    unsigned *crow = c + i * n;
    const unsigned *arow = a + i * n;
    for (unsigned k = 0; k < n; k++) {
      unsigned x = arow[k];
      if (x == 0) continue;
      const unsigned *brow = b + k * n;
      for (unsigned j = 0; j < n; j++) crow[j] += x * brow[j];
    }
  }

  unsigned trace = 0, sum = 0;
  for (unsigned i = 0; i < n; i++) {
    unsigned p = 0, q = 0;
    unsigned k0 = i > band ? i - band : 0, k1 = i + band < n ? i + band : n - 1;
    for (unsigned k = k0; k <= k1; k++) {
      p += a_at(i, k) * (2 * k + 1);
      q += 3 * a_at(i, k);
    }
    unsigned expect = p;
    for (unsigned j = 0; j < n; j++, expect += q) {
      unsigned got = c[i * n + j];
      if (got != expect) {
        printf("matmult: FAIL: C[%u][%u] = %u, expected %u\n", i, j, got, expect);
        return 1;
      }
      sum += got;
      if (i == j) trace += got;
    }
  }
  printf("matmult: ok: %ux%u, band %u: C matches P(i) + Q(i) j everywhere; trace 0x%08x, sum 0x%08x\n", n, n, band, trace, sum);
  return 0;
}
