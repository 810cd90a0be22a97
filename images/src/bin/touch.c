/* touch: touches pages of a fresh region (sbrk'd past the current break, page aligned, never
 * used before) and prints how many page faults that took, from meminfo's `faults` before and
 * after. Every touch is one 32-bit write to the first word of a page, with no read, so a
 * demand-paging kernel takes at most one fault per touch of a page that is not resident.
 *
 *   touch N               N pages, once each, in order:     touched N pages, F faults
 *   touch -s N P          P sequential passes over N pages
 *   touch -r "1 2 3 1"    pages in the order of a reference string (page numbers from 0)
 *   touch -x N SEED [K]   K (default 4N) references to random pages of N, from a seeded generator
 *
 * After counting, it checks every page: the first word holds the value of the last write to it
 * (so a page that was swapped out came back intact) and the last word is still zero (fresh pages
 * read zero). These reads may fault too; they are not counted. Exits 0 when all pages check.
 *
 * A reference string (-r) is checked as it runs instead, with no pass after it: each reference
 * first reads the page's first and last words (the last value written there, and zero), then
 * writes; the read and the write are one reference to one page, so it still takes at most one
 * fault. So the process touches its pages exactly in the string's order and nothing else, and the
 * kernel's count of its faults on pages it did not lock is the textbook count too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS (PAGE_SIZE / 4)
#define MAX_REFS 256

static unsigned refs[MAX_REFS];

/* For -r: what reference j's page holds before it: the value of the last reference to the same
 * page (its index + 1), or 0 when there was none. */
static unsigned before_ref(unsigned j) {
  for (unsigned k = j; k-- > 0;)
    if (refs[k] == refs[j]) return k + 1;
  return 0;
}

/* The linker's marks: the first byte of the program and the end of its bss. */
extern char __executable_start[], end[];

/* touch's own pages stay resident (mlock): its text, data and bss, and its stack from a page below
 * where it is now to the top. So under a resident limit (the shell's run -m FRAMES) the frames go
 * to the pages it touches, and a reference string's fault count is the textbook's. */
static void lock_self(void) {
  unsigned sp = (unsigned)__builtin_frame_address(0) & ~(PAGE_SIZE - 1);
  mlock(__executable_start, (size_t)(end - __executable_start));
  mlock((void *)(sp - PAGE_SIZE), 0xC0000000u - (sp - PAGE_SIZE));
}

static unsigned faults(void) {
  struct meminfo m;
  memset(&m, 0, sizeof m);
  int r = meminfo(&m);
  if (r < 0) {
    dprintf(2, "touch: meminfo failed (error %d)\n", -r);
    exit(1);
  }
  return m.faults;
}

/* `pages` pages that no one has touched: start at the next page boundary past the break. */
static unsigned *fresh(unsigned pages) {
  unsigned cur = (unsigned)sbrk(0);
  unsigned pad = (PAGE_SIZE - (cur & (PAGE_SIZE - 1))) & (PAGE_SIZE - 1);
  char *p = sbrk((int)pad);
  if (p != (void *)-1) p = sbrk((int)(pages * PAGE_SIZE));
  if (p == (void *)-1) {
    dprintf(2, "touch: sbrk of %u pages refused\n", pages);
    exit(1);
  }
  return (unsigned *)p;
}

static unsigned number(const char *s, const char *what) {
  char *end;
  unsigned long v = strtoul(s, &end, 0);
  if (end == s || *end) {
    dprintf(2, "touch: %s: not a number: %s\n", what, s);
    exit(2);
  }
  return (unsigned)v;
}

/* Page numbers separated by spaces or commas, from any number of arguments. */
static unsigned parse_refs(int argc, char **argv) {
  unsigned n = 0;
  for (int i = 0; i < argc; i++) {
    for (char *s = argv[i]; *s;) {
      if (*s == ' ' || *s == ',') {
        s++;
        continue;
      }
      char *end;
      unsigned long v = strtoul(s, &end, 10);
      if (end == s || v >= 4096 || n == MAX_REFS) {
        dprintf(2, "touch: bad reference string (page numbers 0..4095, at most %u): %s\n", MAX_REFS, argv[i]);
        exit(2);
      }
      refs[n++] = (unsigned)v;
      s = end;
    }
  }
  return n;
}

static void usage(void) {
  dprintf(2, "usage: touch N | touch -s N PASSES | touch -r \"1 2 3 1\" | touch -x N SEED [COUNT]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  char mode = argv[1][0] == '-' ? argv[1][1] : 'n';
  unsigned pages = 0, passes = 1, seed = 0, count = 0, nrefs = 0;
  switch (mode) {
    case 'n': pages = number(argv[1], "pages"); break;
    case 's':
      if (argc != 4) usage();
      pages = number(argv[2], "pages");
      passes = number(argv[3], "passes");
      break;
    case 'r':
      if (argc < 3) usage();
      nrefs = parse_refs(argc - 2, argv + 2);
      for (unsigned j = 0; j < nrefs; j++)
        if (refs[j] + 1 > pages) pages = refs[j] + 1;
      break;
    case 'x':
      if (argc != 4 && argc != 5) usage();
      pages = number(argv[2], "pages");
      seed = number(argv[3], "seed");
      count = argc == 5 ? number(argv[4], "count") : 4 * pages;
      break;
    default: usage();
  }
  if (pages == 0 || pages > 0x40000) {
    dprintf(2, "touch: between 1 and 262144 pages, please\n");
    return 2;
  }

  lock_self();
  unsigned *region = fresh(pages);
  unsigned before = faults();
  switch (mode) {   /* the measured loops: nothing but the writes */
    case 'n':
      for (unsigned i = 0; i < pages; i++) region[i * WORDS] = i + 1;
      break;
    case 's':
      for (unsigned p = 0; p < passes; p++)
        for (unsigned i = 0; i < pages; i++) region[i * WORDS] = p + 1;
      break;
    case 'r':
      for (unsigned j = 0; j < nrefs; j++) {
        unsigned *page = region + refs[j] * WORDS, want = before_ref(j);
        if (page[0] != want || page[WORDS - 1] != 0) {
          printf("touch: FAIL: page %u at %p holds %u ... %u, expected %u ... 0\n", refs[j], (void *)page, page[0],
                 page[WORDS - 1], want);
          return 1;
        }
        page[0] = j + 1;
      }
      break;
    case 'x':
      srand(seed);
      for (unsigned j = 0; j < count; j++) region[((unsigned)rand() % pages) * WORDS] = j + 1;
      break;
  }
  unsigned delta = faults() - before;

  switch (mode) {
    case 'n': printf("touched %u pages, %u faults\n", pages, delta); break;
    case 's': printf("touched %u pages in %u sequential passes, %u faults\n", pages, passes, delta); break;
    case 'r': printf("touched %u references over %u pages, %u faults\n", nrefs, pages, delta); return 0; /* checked as it ran */
    case 'x': printf("touched %u random references over %u pages (seed %u), %u faults\n", count, pages, seed, delta); break;
  }

  /* What each page's first word must hold: replay the writes into an array. */
  unsigned *expect = calloc(pages, sizeof *expect);
  if (!expect) {
    dprintf(2, "touch: no memory for the check\n");
    return 1;
  }
  switch (mode) {
    case 'n':
      for (unsigned i = 0; i < pages; i++) expect[i] = i + 1;
      break;
    case 's':
      for (unsigned i = 0; i < pages; i++) expect[i] = passes;
      break;
    case 'x':
      srand(seed);
      for (unsigned j = 0; j < count; j++) expect[(unsigned)rand() % pages] = j + 1;
      break;
  }
  for (unsigned i = 0; i < pages; i++) {
    unsigned first = region[i * WORDS], last = region[i * WORDS + WORDS - 1];
    if (first != expect[i] || last != 0) {
      printf("touch: FAIL: page %u at %p holds %u ... %u, expected %u ... 0\n", i, (void *)(region + i * WORDS),
             first, last, expect[i]);
      return 1;
    }
  }
  return 0;
}
