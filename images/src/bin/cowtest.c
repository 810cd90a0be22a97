/* cowtest [simple|three|copyout|all]: fork's memory semantics, in the spirit of xv6's cowtest. What
 * a child writes after fork its parent never sees, and the other way round, whether fork copies
 * every page at once or shares them copy-on-write (the first write copies a page, or takes it over
 * when it is the last mapping). Every page gets a pattern of its own (each checked word holds its
 * address xor a seed), so a page that was not copied, was copied from the wrong page or came back
 * from swap stale is caught by its first checked word.
 *
 *   simple   2/3 of the free frames' bytes sbrk'd and filled; fork; the child checks every page,
 *            writes its own pattern to every fourth page (1/6 of memory: what a copy-on-write
 *            kernel has left to copy them into), checks its pages and the parent's, and exits 0;
 *            the parent waits and checks its pattern is intact. Then the parent rewrites every page
 *            (with copy-on-write, the last mapping of each page takes it over) and does it again.
 *            An eager fork needs 2/3 of memory more and fails: "cowtest simple: FAILED (fork
 *            failed (error 12) ...)". That is the expected result without copy-on-write.
 *   three    1/6 of the free memory filled; three children each write their own third of the
 *            pages and check their writes and the other two thirds, several rounds, yielding
 *            between pages so the three interleave; meanwhile the parent rewrites all its pages;
 *            no one may see another's writes.
 *   copyout  the kernel writes into a page shared after fork: read() of the program disk's README
 *            into a buffer that spans two pages, in the child (the parent then checks its pages
 *            hold its pattern), then in the parent (the child checks its pages the whole time).
 *            The bytes read must equal the file's (read before the fork into a buffer of its own)
 *            and the rest of the two pages must still hold the pattern.
 *   all      the three in that order (the default).
 *
 * One line per subtest: "cowtest NAME: ok" or "cowtest NAME: FAILED (what)". Exit status 0 when
 * every subtest run passed, 1 when one failed, 2 for a bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#define WORDS (PAGE_SIZE / 4)
#define STRIDE 128   /* words checked in each page: 0, 128, ..., 896, and the last one */

static unsigned free_frames(void) {
  struct meminfo m;
  memset(&m, 0, sizeof m);
  return meminfo(&m) < 0 ? 0 : m.frames_free;
}

/* `pages` fresh pages past the break, page aligned; NULL when sbrk refuses. */
static unsigned *fresh(unsigned pages) {
  unsigned cur = (unsigned)sbrk(0);
  unsigned pad = (PAGE_SIZE - (cur & (PAGE_SIZE - 1))) & (PAGE_SIZE - 1);
  char *p = sbrk((int)pad);
  if (p != (void *)-1) p = sbrk((int)(pages * PAGE_SIZE));
  return p == (void *)-1 ? NULL : (unsigned *)p;
}

/* Gives a region back (the break goes down to where it started). */
static void release(unsigned *region, unsigned pages) {
  if (region) sbrk(-(int)(pages * PAGE_SIZE));
}

static void fill_page(unsigned *page, unsigned seed) {
  for (unsigned w = 0; w < WORDS; w += STRIDE) page[w] = (unsigned)&page[w] ^ seed;
  page[WORDS - 1] = (unsigned)&page[WORDS - 1] ^ seed;
}

/* 0 when the page holds `seed`'s pattern; else 1, with `who`, the page and the word in why. */
static int check_page(unsigned *page, unsigned seed, const char *who, unsigned index) {
  for (unsigned w = 0; w < WORDS; w += STRIDE) {
    if (page[w] != ((unsigned)&page[w] ^ seed))
      return failed("%s: page %u word %u holds 0x%08x, expected 0x%08x", who, index, w, page[w], (unsigned)&page[w] ^ seed);
  }
  unsigned last = page[WORDS - 1], want = (unsigned)&page[WORDS - 1] ^ seed;
  if (last != want) return failed("%s: page %u last word holds 0x%08x, expected 0x%08x", who, index, last, want);
  return 0;
}

static void fill(unsigned *region, unsigned pages, unsigned seed) {
  for (unsigned i = 0; i < pages; i++) fill_page(region + i * WORDS, seed);
}

static int check(unsigned *region, unsigned pages, unsigned seed, const char *who) {
  for (unsigned i = 0; i < pages; i++)
    if (check_page(region + i * WORDS, seed, who, i)) return 1;
  return 0;
}

/* In a child: prints why it failed and exits 1. */
static void child_fail(const char *test) {
  printf("cowtest %s: child %d: %s\n", test, getpid(), why);
  exit(1);
}

/* Waits for `pid`; 0 when it exited 0, else 1 with why set. */
static int reap(int pid, const char *who) {
  int status = -1;
  int got = wait(&status);
  if (got != pid) return failed("wait returned %d, not the %s's pid %d", got, who, pid);
  if (status != 0) return failed("the %s exited with status %d", who, status);
  return 0;
}

/* ---- simple: fork with two thirds of memory in use, twice ---- */

#define SIMPLE_PARENT 0x5a17e000u
#define SIMPLE_CHILD 0x0c41d000u

static int simple_round(unsigned *region, unsigned pages, unsigned seed, unsigned round, unsigned free) {
  fill(region, pages, seed);
  int pid = fork();
  if (pid < 0) {
    /* The kernel of today (eager fork) leaves the half-made child of a failed fork for wait(), with
     * status -1; reap whatever there is (wait says ECHILD at once when there is nothing), so that
     * the next subtests' waits see only their own children. */
    int status;
    while (wait(&status) >= 0) {}
    return failed("fork failed (error %d) in round %u, %u pages filled (2/3 of %u free frames): expected of an eager "
                  "fork, which must copy them all",
                  -pid, round, pages, free);
  }
  if (pid == 0) {
    if (check(region, pages, seed, "child before writing")) child_fail("simple");
    for (unsigned i = 0; i < pages; i += 4) fill_page(region + i * WORDS, SIMPLE_CHILD + round);
    for (unsigned i = 0; i < pages; i++)
      if (check_page(region + i * WORDS, i % 4 == 0 ? SIMPLE_CHILD + round : seed, "child after writing", i))
        child_fail("simple");
    exit(0);
  }
  if (reap(pid, "child")) return 1;
  return check(region, pages, seed, "parent after the child exited");
}

static int simple(void) {
  unsigned free = free_frames();
  unsigned pages = free / 3 * 2;
  if (pages == 0) return failed("meminfo says %u frames are free", free);
  unsigned *region = fresh(pages);
  if (!region) return failed("sbrk of %u pages (2/3 of %u free frames) refused", pages, free);
  int r = simple_round(region, pages, SIMPLE_PARENT, 1, free);
  /* The parent writes every page again: with copy-on-write, after the child has gone each page's
   * last mapping takes it over, no copy. Then a second fork shares them all once more. */
  if (r == 0) r = simple_round(region, pages, SIMPLE_PARENT ^ 0x00ff0000u, 2, free);
  release(region, pages);
  return r;
}

/* ---- three: three writers at once ---- */

#define THREE_PARENT 0x3e3e0000u
#define THREE_PARENT2 0x3f3f0000u
#define THREE_CHILD 0x7c000000u
#define THREE_ROUNDS 3

static void three_child(unsigned *region, unsigned pages, unsigned k) {
  unsigned mine = THREE_CHILD + (k << 12);
  for (unsigned round = 0; round < THREE_ROUNDS; round++) {
    for (unsigned i = k; i < pages; i += 3) {
      fill_page(region + i * WORDS, mine + round);
      if (i % 48 == k) yield();
    }
    yield();
    for (unsigned i = 0; i < pages; i++) {
      int own = i % 3 == k;
      if (check_page(region + i * WORDS, own ? mine + round : THREE_PARENT, own ? "child's own page" : "another's page", i))
        child_fail("three");
      if (i % 48 == 0) yield();
    }
  }
  exit(0);
}

static int three(void) {
  unsigned free = free_frames();
  unsigned pages = free / 6;   /* an eager fork of three children needs 4/6 in all */
  if (pages < 3) return failed("meminfo says %u frames are free", free);
  unsigned *region = fresh(pages);
  if (!region) return failed("sbrk of %u pages refused", pages);
  fill(region, pages, THREE_PARENT);
  int r = 0;
  unsigned started = 0;
  for (unsigned k = 0; k < 3; k++) {
    int pid = fork();
    if (pid < 0) {
      r = failed("fork of child %u failed (error %d) with %u pages filled", k, -pid, pages);
      break;
    }
    if (pid == 0) three_child(region, pages, k);
    started++;
  }
  /* The parent writes too, while they run: they must keep seeing THREE_PARENT. */
  for (unsigned i = 0; i < 8; i++) yield();
  for (unsigned i = 0; i < pages; i++) {
    fill_page(region + i * WORDS, THREE_PARENT2);
    if (i % 48 == 0) yield();
  }
  for (unsigned k = 0; k < started; k++) {
    int status = -1, got = wait(&status);
    if (r == 0 && got < 0) r = failed("wait failed (error %d) with %u of 3 children reaped", -got, k);
    else if (r == 0 && status != 0) r = failed("child %d exited with status %d", got, status);
  }
  if (r == 0) r = check(region, pages, THREE_PARENT2, "parent at the end");
  release(region, pages);
  return r;
}

/* ---- copyout: the kernel's read() into a page shared after fork ---- */

#define COPY_SEED 0xc0b70000u
#define COPY_WORDS (2 * WORDS)
static unsigned char file[2 * PAGE_SIZE];

static void fill_words(unsigned *region, unsigned seed) {
  for (unsigned w = 0; w < COPY_WORDS; w++) region[w] = (unsigned)&region[w] ^ seed;
}

/* The two pages: bytes [at, at + n) the file's (n = 0: no buffer), every word outside them the
 * pattern of `seed`. */
static int check_copy(unsigned *region, unsigned at, unsigned n, unsigned seed, const char *who) {
  unsigned char *bytes = (unsigned char *)region;
  for (unsigned i = 0; i < n; i++)
    if (bytes[at + i] != file[i])
      return failed("%s: byte %u of the buffer holds 0x%02x, the file's is 0x%02x", who, i, bytes[at + i], file[i]);
  for (unsigned w = 0; w < COPY_WORDS; w++) {
    unsigned off = w * 4, want = (unsigned)&region[w] ^ seed;
    if ((n == 0 || off + 4 <= at || off >= at + n) && region[w] != want)
      return failed("%s: word %u (outside the buffer) holds 0x%08x, expected 0x%08x", who, w, region[w], want);
  }
  return 0;
}

static int copyout(void) {
  int n = read_file("README", file, sizeof file);
  if (n <= 0) return failed("cannot read README (%d)", n);
  if ((unsigned)n > PAGE_SIZE) return failed("README is %d bytes, more than a page", n);
  unsigned *region = fresh(2);
  if (!region) return failed("sbrk of 2 pages refused");
  /* The buffer straddles the two pages, 4-byte aligned: read() writes into both. */
  unsigned at = (PAGE_SIZE - (unsigned)n / 2) & ~3u;
  unsigned char *buf = (unsigned char *)region + at;
  int r = 0;

  /* The child reads; the parent's pages must keep its pattern. */
  fill_words(region, COPY_SEED);
  int pid = fork();
  if (pid < 0) r = failed("fork failed (error %d)", -pid);
  else if (pid == 0) {
    int got = read_file("README", buf, (unsigned)n);
    if (got != n) {
      failed("the child's read of README gave %d bytes, not %d", got, n);
      child_fail("copyout");
    }
    if (check_copy(region, at, (unsigned)n, COPY_SEED, "child after its read")) child_fail("copyout");
    exit(0);
  } else {
    r = reap(pid, "child");
    if (r == 0) r = check_copy(region, 0, 0, COPY_SEED, "parent after the child's read");
  }

  /* The parent reads; the child checks its pages, before the read and after it. */
  if (r == 0) {
    unsigned seed = COPY_SEED ^ 0x00100000u;
    fill_words(region, seed);
    pid = fork();
    if (pid < 0) r = failed("the second fork failed (error %d)", -pid);
    else if (pid == 0) {
      for (unsigned i = 0; i < 4; i++) {
        if (check_copy(region, 0, 0, seed, "child while the parent reads")) child_fail("copyout");
        sleep(20);
      }
      exit(0);
    } else {
      int got = read_file("README", buf, (unsigned)n);
      if (got != n) r = failed("the parent's read of README gave %d bytes, not %d", got, n);
      else r = check_copy(region, at, (unsigned)n, seed, "parent after its read");
      int c = reap(pid, "child");
      if (r == 0) r = c;
    }
  }
  release(region, 2);
  return r;
}

/* ---- main ---- */

static const struct subtest tests[] = {{"simple", simple}, {"three", three}, {"copyout", copyout}};

int main(int argc, char **argv) {
  const char *which = argc > 2 ? "" : argc > 1 ? argv[1] : "all";
  int bad = run_subtests("cowtest", tests, sizeof tests / sizeof tests[0], which);
  if (bad < 0) {
    dprintf(2, "usage: cowtest [simple|three|copyout|all]\n");
    return 2;
  }
  return bad ? 1 : 0;
}
