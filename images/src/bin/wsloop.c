/* wsloop PAGES PASSES [SHIFT]: a working set of PAGES fresh pages (sbrk'd), gone over PASSES
 * times; every SHIFT passes (default: never) the locality moves on to the next PAGES fresh pages,
 * so the footprint grows by PAGES at each shift: PAGES x ceil(PASSES / SHIFT) pages in all, which
 * may be at most 4096 (16 MiB). Made for `ts386 thrash`: k copies at once fit in RAM, or their
 * working sets do not and they wait for swap in turn.
 *
 * On each pass, on each page of the locality, it works on 32 words of the page (one every 128
 * bytes): reads the word, checks it holds what the previous pass wrote there (0 on the first: a
 * fresh page), mixes a new value from the page, the pass and the word (a few hundred operations a
 * page in all), writes it and adds it to a checksum. At the end it reads every page it ever used
 * once more, left localities too, and checks each word holds what its last pass wrote. So a page
 * that comes back from swap stale, zeroed or another page's is caught.
 *
 *   wsloop: ok 100 pages, 20 passes, 1 locality (100 pages in all), checksum 0x..., F page faults
 *   wsloop: FAIL: pass 3, page 17 of locality 0, word 80 (0x...) holds 0x..., expected 0x...   (exit 1)
 *
 * The checksum depends only on the arguments; the fault count on the kernel and the RAM. A bad
 * argument prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FOOTPRINT 4096u      /* pages: 16 MiB, the default swap's size */
#define MAX_PASSES 1000000u
#define WORDS 32u                /* words worked on per page */
#define STRIDE (PAGE_SIZE / 4u / WORDS)

static void usage(void) {
  dprintf(2, "usage: wsloop PAGES PASSES [SHIFT]   (PAGES 1 to %u, PASSES 1 to %u, SHIFT 1 or more; PAGES x ceil(PASSES/SHIFT) at most %u)\n",
          MAX_FOOTPRINT, MAX_PASSES, MAX_FOOTPRINT);
  exit(2);
}

/* What pass `pass` (from 1) writes to word `w` of page `g` (numbered over the whole footprint): a
 * multiply-xorshift mix, the computation done on each word. */
static unsigned value(unsigned g, unsigned pass, unsigned w) {
  unsigned x = g * 0x9e3779b9u ^ pass * 0x85ebca6bu ^ (w + 1u) * 0xc2b2ae35u;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  return x;
}

/* `when` is "pass N" or "the final check". */
static void fail(const char *when, unsigned g, unsigned pages, unsigned w, const unsigned *at, unsigned expected) {
  printf("wsloop: FAIL: %s, page %u of locality %u, word %u (%p) holds 0x%08x, expected 0x%08x\n",
         when, g % pages, g / pages, w * STRIDE, (const void *)at, *at, expected);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) usage();
  unsigned pages = decimal_arg(argv[1], 1, MAX_FOOTPRINT, usage);
  unsigned passes = decimal_arg(argv[2], 1, MAX_PASSES, usage);
  unsigned shift = argc == 4 ? decimal_arg(argv[3], 1, MAX_PASSES, usage) : passes;
  unsigned localities = (passes + shift - 1) / shift;
  if (localities > MAX_FOOTPRINT / pages) usage();
  unsigned total = pages * localities;

  /* Page aligned, so that each page of the working set is one page of memory. */
  char *brk0 = sbrk(0);
  unsigned pad = (PAGE_SIZE - (unsigned)brk0 % PAGE_SIZE) % PAGE_SIZE;
  char *base = sbrk((int)(pad + total * PAGE_SIZE));
  if (base == (void *)-1) {
    printf("wsloop: FAIL: sbrk of %u pages refused\n", total);
    return 1;
  }
  unsigned *mem = (unsigned *)(base + pad);

  unsigned sum = 0;
  for (unsigned pass = 1; pass <= passes; pass++) {
    unsigned loc = (pass - 1) / shift;
    /* The first pass in a locality finds its pages fresh: zero. */
    unsigned prev = pass - 1 > loc * shift ? pass - 1 : 0;
    for (unsigned g = loc * pages; g < (loc + 1) * pages; g++) {
      unsigned *page = mem + g * (PAGE_SIZE / 4u);
      for (unsigned w = 0; w < WORDS; w++) {
        unsigned *at = page + w * STRIDE;
        unsigned expected = prev ? value(g, prev, w) : 0;
        if (*at != expected) {
          char when[24];
          snprintf(when, sizeof when, "pass %u", pass);
          fail(when, g, pages, w, at, expected);
        }
        unsigned v = value(g, pass, w);
        *at = v;
        sum = (sum << 5 | sum >> 27) ^ v;
      }
    }
  }

  /* Every page once more: each word holds its locality's last pass's value. */
  for (unsigned g = 0; g < total; g++) {
    unsigned loc = g / pages;
    unsigned last = loc + 1 == localities ? passes : (loc + 1) * shift;
    unsigned *page = mem + g * (PAGE_SIZE / 4u);
    for (unsigned w = 0; w < WORDS; w++) {
      if (page[w * STRIDE] != value(g, last, w)) fail("the final check", g, pages, w, page + w * STRIDE, value(g, last, w));
    }
  }

  /* One printf, one write: the lines of copies running at once do not mix. */
  char where[64];
  if (localities == 1) snprintf(where, sizeof where, "1 locality (%u pages in all)", total);
  else snprintf(where, sizeof where, "shifting every %u: %u localities (%u pages in all)", shift, localities, total);
  printf("wsloop: ok %u pages, %u passes, %s, checksum 0x%08x, %u page faults\n", pages, passes, where, sum, page_faults());
  return 0;
}
