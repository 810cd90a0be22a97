/* huge: OS/161's testbin/huge in spirit: a static array of 8 MiB in bss (2048 pages, none of them
 * in the file: the kernel zero-fills each on its first touch), used sparsely: every other page,
 * 1024 pages, 4 MiB, more than a 4 MiB machine has for programs.
 *
 *   1. going up, the first and last words of every other page get values of their own;
 *   2. going up again, each is checked;
 *   3. going down, a third word in the middle of each of those pages, and the first two checked;
 *   4. going up, all three checked, and a word of each page in between must still read 0 (pages
 *      only read: the kernel can drop them instead of writing them to swap).
 *
 *   huge: ok: 1024 of 2048 pages written, checked 3 times; the 1024 between read 0 (F page faults)
 *   huge: FAIL: page P word W holds 0x..., expected 0x...                            (exit 1)
 *
 * It takes no arguments: any prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGES 2048u
#define WORDS 1024u
#define STRIDE 2u

static unsigned sparse[PAGES][WORDS];

/* What word w of page p holds once it has been written (nonzero for every p and w used). */
static unsigned value(unsigned p, unsigned w) { return (p << 12 | w) ^ 0x48554745u; }

static int check(unsigned p, unsigned w, unsigned expect) {
  if (sparse[p][w] == expect) return 1;
  printf("huge: FAIL: page %u word %u (at %p) holds 0x%08x, expected 0x%08x\n", p, w, (void *)&sparse[p][w], sparse[p][w], expect);
  return 0;
}

int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) {
    dprintf(2, "usage: huge   (no arguments)\n");
    return 2;
  }
  const unsigned first = 0, last = WORDS - 1, mid = WORDS / 2;
  for (unsigned p = 0; p < PAGES; p += STRIDE) {
    sparse[p][first] = value(p, first);
    sparse[p][last] = value(p, last);
  }
  for (unsigned p = 0; p < PAGES; p += STRIDE)
    if (!check(p, first, value(p, first)) || !check(p, last, value(p, last))) return 1;
  for (unsigned p = PAGES; p > 0;) {
    p -= STRIDE;
    sparse[p][mid] = value(p, mid);
    if (!check(p, first, value(p, first)) || !check(p, last, value(p, last))) return 1;
  }
  for (unsigned p = 0; p < PAGES; p++) {
    if (p % STRIDE == 0) {
      if (!check(p, first, value(p, first)) || !check(p, mid, value(p, mid)) || !check(p, last, value(p, last))) return 1;
    } else if (!check(p, p % WORDS, 0)) {
      return 1;
    }
  }
  printf("huge: ok: %u of %u pages written, checked 3 times; the %u between read 0 (%u page faults)\n", PAGES / STRIDE, PAGES,
         PAGES - PAGES / STRIDE, page_faults());
  return 0;
}
