/* page-linear [KiB]: one array bigger than RAM (default 6144 KiB; `--mem 4M` leaves about 2.6 MiB
 * to programs), written from its first word to its last, then read back in the same order and
 * checked, in the spirit of Pintos's vm/page-linear. Word i holds seed + i * 0x9e3779b9 (a Weyl
 * sequence: no two words of the array are equal), so a page that comes back from swap holding
 * another page's words, zeros, or a stale copy is caught at its first word.
 *
 *   page-linear: ok: 6144 KiB written and read back in order (1536 pages, F page faults)
 *   page-linear: FAIL: byte offset 0x... (page P) holds 0x..., expected 0x...      (exit 1)
 *
 * The array comes from sbrk, fresh zero-fill pages, so under a small RAM the writing pass pushes
 * the first pages out to swap and the reading pass brings them back. A bad argument prints one
 * usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_KIB 6144u
#define MAX_KIB (1024u * 1024u)   /* 1 GiB: more than the user address space leaves to sbrk */
#define STEP 0x9e3779b9u          /* 2^32 / phi, odd: i * STEP is a bijection on 32-bit words */
#define SEED 0x5a5a0001u

static void usage(void) {
  dprintf(2, "usage: page-linear [KiB]   (KiB: a multiple of 4, 4 to %u; default %u)\n", MAX_KIB, DEFAULT_KIB);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc > 2) usage();
  unsigned kib = argc == 2 ? decimal_arg(argv[1], 4, MAX_KIB, usage) : DEFAULT_KIB;
  if (kib % 4) usage();
  unsigned words = kib * 256;
  unsigned *a = sbrk((int)(kib * 1024));
  if (a == (void *)-1) {
    printf("page-linear: FAIL: sbrk of %u KiB refused\n", kib);
    return 1;
  }

  unsigned v = SEED;
  for (unsigned i = 0; i < words; i++, v += STEP) a[i] = v;

  v = SEED;
  for (unsigned i = 0; i < words; i++, v += STEP) {
    if (a[i] != v) {
      printf("page-linear: FAIL: byte offset 0x%x (page %u) holds 0x%08x, expected 0x%08x\n", i * 4, i / 1024, a[i], v);
      return 1;
    }
  }
  printf("page-linear: ok: %u KiB written and read back in order (%u pages, %u page faults)\n", kib, kib / 4, page_faults());
  return 0;
}
