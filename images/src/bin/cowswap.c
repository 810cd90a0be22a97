/* cowswap PAGES CHILDREN: fork under memory pressure. The parent fills PAGES fresh pages (sbrk'd,
 * page aligned) with its pattern and forks CHILDREN children. Each child checks the parent's
 * pattern on every page, then for ROUNDS rounds writes a pattern of its own (its index and the
 * round in the seed) to the even pages, yields, and checks every page: its even pages hold its
 * last writes, the odd ones still the parent's pattern. The parent, meanwhile, yields, then waits
 * for every child and checks its pattern on every page once more.
 *
 * With swap space (meminfo's swap_total), the parent first sends about two thirds of its pages out
 * to swap, by touching more scratch pages than there are free frames and giving them back, so that
 * fork meets both resident pages and pages in swap; the children wait 10 ms before they begin, so
 * that the parent has forked them all.
 *
 * Each checked word holds its address xor a seed (16 words a page, the last word among them), so a
 * page that comes back from swap holding another page's or another process's words, zeros, or a
 * stale copy is caught. Booted with little RAM and a swap disk, PAGES * (1 + CHILDREN / 2) pages
 * (the parent's, and the even pages each child writes) more than RAM holds pushes shared or
 * copy-on-write pages, and eager copies, out to swap and back; the result must be the same.
 *
 *   cowswap: ok: 400 pages, 3 children, 3 rounds each
 *   cowswap: FAIL: child 2: round 1: page 17 word 64 holds 0x..., expected 0x...     (exit 1)
 *
 * Exit status 0 when every child exited 0 and the parent's pages are intact, 1 when not, 2 for a
 * bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS (PAGE_SIZE / 4)
#define STRIDE 64   /* words checked in each page: 0, 64, ..., 960, and the last */
#define ROUNDS 3
#define MAX_PAGES 16384u
#define MAX_CHILDREN 64u
#define PARENT_SEED 0xa5a50000u
#define CHILD_SEED 0x3c000000u

static void usage(void) {
  dprintf(2, "usage: cowswap PAGES CHILDREN   (PAGES 1 to %u, CHILDREN 1 to %u)\n", MAX_PAGES, MAX_CHILDREN);
  exit(2);
}

static void fill_page(unsigned *page, unsigned seed) {
  for (unsigned w = 0; w < WORDS; w += STRIDE) page[w] = (unsigned)&page[w] ^ seed;
  page[WORDS - 1] = (unsigned)&page[WORDS - 1] ^ seed;
}

/* -1 when the page holds seed's pattern, else the index of the first word that does not. */
static int bad_word(unsigned *page, unsigned seed) {
  for (unsigned w = 0; w < WORDS; w += STRIDE)
    if (page[w] != ((unsigned)&page[w] ^ seed)) return (int)w;
  return page[WORDS - 1] != ((unsigned)&page[WORDS - 1] ^ seed) ? (int)WORDS - 1 : -1;
}

/* 0 when every page i holds seed_of(i)'s pattern; else prints what is wrong (who: "parent",
 * "child 2: round 1") and returns 1. The child's seed goes to even pages when `child_seed` != 0. */
static int check(unsigned *region, unsigned pages, unsigned child_seed, const char *who) {
  for (unsigned i = 0; i < pages; i++) {
    unsigned *page = region + i * WORDS;
    unsigned seed = child_seed != 0 && i % 2 == 0 ? child_seed : PARENT_SEED;
    int w = bad_word(page, seed);
    if (w >= 0) {
      printf("cowswap: FAIL: %s: page %u (%s) word %d at %p holds 0x%08x, expected 0x%08x\n", who, i,
             seed == PARENT_SEED ? "the parent's" : "the child's own", w, (void *)&page[w], page[w],
             (unsigned)&page[w] ^ seed);
      return 1;
    }
    if (i % 32 == 31) yield();
  }
  return 0;
}

static void child(unsigned *region, unsigned pages, unsigned k) {
  char who[40];
  sleep(10);   /* the parent forks the others first */
  snprintf(who, sizeof who, "child %u: before writing", k);
  if (check(region, pages, 0, who)) exit(1);
  for (unsigned round = 0; round < ROUNDS; round++) {
    unsigned seed = CHILD_SEED + (k << 16) + (round << 8);
    for (unsigned i = 0; i < pages; i += 2) fill_page(region + i * WORDS, seed);
    yield();
    snprintf(who, sizeof who, "child %u: round %u", k, round);
    if (check(region, pages, seed, who)) exit(1);
    yield();
  }
  exit(0);
}

/* With swap, sends about two thirds of the filled pages out before the forks: touches as many
 * scratch pages as there are free frames and that many more, then gives them back. The filled
 * pages, the oldest, are the ones evicted on the way (the first ones filled, under FIFO). A fork
 * then finds a third of the pages resident, which it copies or shares, and two thirds in swap, whose
 * slots it shares; each process's first look at such a page brings it back. An eager fork copies
 * only the resident third, so the children's copies fit in the frames that are free. */
static void push_to_swap(unsigned pages) {
  struct meminfo m;
  memset(&m, 0, sizeof m);
  if (meminfo(&m) < 0 || m.swap_total == 0) return;
  unsigned evict = pages - pages / 3;
  unsigned scratch = m.frames_free + evict, room = m.swap_total - m.swap_used;
  if (scratch + pages > room) scratch = room > 2 * pages ? room - 2 * pages : 0;
  unsigned *s = sbrk((int)(scratch * PAGE_SIZE));
  if (scratch == 0 || s == (void *)-1) return;
  for (unsigned i = 0; i < scratch; i++) s[i * WORDS] = i;
  sbrk(-(int)(scratch * PAGE_SIZE));
}

int main(int argc, char **argv) {
  if (argc != 3) usage();
  unsigned pages = decimal_arg(argv[1], 1, MAX_PAGES, usage), children = decimal_arg(argv[2], 1, MAX_CHILDREN, usage);

  unsigned cur = (unsigned)sbrk(0);
  unsigned pad = (PAGE_SIZE - (cur & (PAGE_SIZE - 1))) & (PAGE_SIZE - 1);
  unsigned *region = sbrk((int)pad);
  if (region != (void *)-1) region = sbrk((int)(pages * PAGE_SIZE));
  if (region == (void *)-1) {
    printf("cowswap: FAIL: sbrk of %u pages refused\n", pages);
    return 1;
  }
  for (unsigned i = 0; i < pages; i++) fill_page(region + i * WORDS, PARENT_SEED);
  push_to_swap(pages);

  unsigned started = 0;
  int ok = 1;
  for (unsigned k = 0; k < children; k++) {
    int pid = fork();
    if (pid < 0) {
      printf("cowswap: FAIL: fork of child %u failed (error %d)\n", k, -pid);
      ok = 0;
      break;
    }
    if (pid == 0) child(region, pages, k);
    started++;
  }
  for (unsigned i = 0; i < 4; i++) yield();
  if (check(region, pages, 0, "parent while the children run")) ok = 0;
  for (unsigned k = 0; k < started; k++) {
    int status = -1, pid = wait(&status);
    if (pid < 0) {
      printf("cowswap: FAIL: wait failed (error %d) with %u of %u children reaped\n", -pid, k, started);
      ok = 0;
      break;
    }
    if (status != 0) {
      printf("cowswap: FAIL: child pid %d exited with status %d\n", pid, status);
      ok = 0;
    }
  }
  if (check(region, pages, 0, "parent after the children")) ok = 0;
  if (!ok) return 1;
  printf("cowswap: ok: %u pages, %u children, %u rounds each\n", pages, children, ROUNDS);
  return 0;
}
