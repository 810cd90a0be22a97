/* page-shuffle [KiB [ROUNDS]]: an array bigger than RAM (default 3072 KiB) shuffled by a seeded
 * generator, round after round (default 2 rounds a shuffle), in the spirit of Pintos's
 * vm/page-shuffle: accesses all over the array, so pages go out to swap and come back in no order.
 *
 * Every 32-bit word starts out holding its own index. A round takes the pages one by one (Sattolo's
 * shuffle: page i with a random page j < i) and exchanges the two pages' words, word w of one with
 * word (w + m) mod 1024 of the other (m random, 0 to 1023), each rotated left by 0, 8, 16 or 24
 * bits (random too): so bytes move between pages, within a page and within a word. An exchange is
 * undone by the same exchange with the rotation the other way, so the program can also unshuffle.
 *
 *   1. fill; how many bytes of each value that makes (a checksum that does not depend on the
 *      order) is worked out from the size;
 *   2. shuffle; count the bytes of each value (the same counts), the words that moved (more than
 *      half must have), and take an order-dependent digest of the whole array;
 *   3. unshuffle (the rounds backwards, each exchange undone, last first): every word must hold its
 *      index again, checked word by word;
 *   4. shuffle again from the same seed: the same digest as in step 2.
 *
 * Rounds and passes go up and down the array by turns where they can: under FIFO replacement a
 * pass that starts where the last one ended finds those pages still resident.
 *
 *   page-shuffle: ok: 3072 KiB, 2 rounds: counts kept, 786432 words moved, digest 0x........ twice, unshuffled in order
 *   page-shuffle: FAIL: ...                                                         (exit 1)
 *
 * The digest depends only on the size and the rounds (the seed is fixed): the same on any correct
 * kernel. A bad argument prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_KIB 3072u
#define MAX_KIB (64u * 1024u)   /* page numbers must fit the plan's 20 bits */
#define DEFAULT_ROUNDS 2u
#define MAX_ROUNDS 100u
#define SEED 0x0badcafeu
#define WORDS 1024u             /* a page's words */

static void usage(void) {
  dprintf(2, "usage: page-shuffle [KiB [ROUNDS]]   (KiB: a multiple of 8, 8 to %u, default %u; ROUNDS: 1 to %u, default %u)\n",
          MAX_KIB, DEFAULT_KIB, MAX_ROUNDS, DEFAULT_ROUNDS);
  exit(2);
}

static unsigned *a;      /* the array: npages pages */
static unsigned npages, rounds;
static unsigned *plan;   /* a round's exchanges: plan[i] = j | m << 20 | k << 30 (rotation 8k), for i = 1 .. npages - 1 */

static unsigned xorshift(unsigned x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

static unsigned rotl(unsigned x, unsigned s) { return (x << s) | (x >> ((32 - s) & 31)); }

/* Round `round`'s exchanges, from the seed alone: the same plan every time it is asked for. */
static void make_plan(unsigned round) {
  unsigned x = SEED ^ ((round + 1) * 0x9e3779b9u);
  if (x == 0) x = 1;
  for (unsigned i = npages - 1; i >= 1; i--) {
    x = xorshift(x);
    unsigned j = x % i;
    x = xorshift(x);
    plan[i] = j | (x & 0x3ff) << 20 | (x >> 30) << 30;
  }
}

/* Exchanges n words from p with n words from q, each rotated left by s bits on its way. */
static void swap_run(unsigned *p, unsigned *q, unsigned n, unsigned s) {
  for (unsigned *end = p + n; p < end; p++, q++) {
    unsigned t = *p;
    *p = rotl(*q, s);
    *q = rotl(t, s);
  }
}

/* Exchanges word w of page p with word (w + m) mod 1024 of page q, both rotated left by s bits:
 * two runs of words in order. */
static void exchange(unsigned *p, unsigned *q, unsigned m, unsigned s) {
  swap_run(p, q + m, WORDS - m, s);
  swap_run(p + WORDS - m, q, m, s);
}

/* Round r, or (undo) its undoing: its exchanges in order, or backwards each rotated the other
 * way. Even rounds go down the pages, odd rounds up; an undoing goes the other way. */
static void do_round(unsigned r, int undo) {
  make_plan(r);
  int down = (r % 2 == 0) != undo;
  for (unsigned k = 1; k < npages; k++) {
    unsigned i = down ? npages - k : k, e = plan[i];
    unsigned s = (e >> 30) * 8;
    exchange(a + i * WORDS, a + (e & 0xfffff) * WORDS, (e >> 20) & 0x3ff, undo ? (32 - s) & 31 : s);
  }
}

static void shuffle(void) {
  for (unsigned r = 0; r < rounds; r++) do_round(r, 0);
}

static void unshuffle(void) {
  for (unsigned r = rounds; r-- > 0;) do_round(r, 1);
}

/* The byte counts of words 0 to W - 1 each holding its index (W a multiple of 256), worked out
 * rather than counted: at bit `shift`, the indexes go through the byte values in runs of 2^shift. */
static void index_counts(unsigned W, unsigned count[256]) {
  for (unsigned v = 0; v < 256; v++) count[v] = W / 256;
  for (unsigned shift = 8; shift < 32; shift += 8) {
    unsigned run = 1u << shift;
    for (unsigned b = 0; b <= (W - 1) >> shift; b++) {
      unsigned first = b << shift;
      count[b & 0xff] += W - first < run ? W - first : run;
    }
  }
}

/* One pass over the shuffled array, up or down, for an order-dependent digest (returned) and, when
 * `full`, the count of each byte value into count and the words not holding their index into
 * *moved. Inlined with constant `down` and `full`, so that each kind is a loop of its own with
 * nothing to decide. */
static inline __attribute__((always_inline)) unsigned survey_way(unsigned count[256], unsigned *moved, int down, int full) {
  unsigned words = npages * WORDS, h = 0x811c9dc5u, n = 0;
  if (full) memset(count, 0, 256 * sizeof *count);
  for (unsigned k = 0; k < words; k++) {
    unsigned i = down ? words - 1 - k : k, x = a[i];
    if (full) {
      count[x & 0xff]++;
      count[(x >> 8) & 0xff]++;
      count[(x >> 16) & 0xff]++;
      count[x >> 24]++;
      n += x != i;
    }
    h = (rotl(h, 5) ^ x) + 0x9e3779b9u;
  }
  if (full) *moved = n;
  return h;
}

/* A survey after a shuffle goes the other way from its last round: with the counts (full), or
 * only the digest. */
static unsigned survey(unsigned count[256], unsigned *moved) {
  return (rounds - 1) % 2 == 0 ? survey_way(count, moved, 0, 1) : survey_way(count, moved, 1, 1);
}

static unsigned digest(void) {
  return (rounds - 1) % 2 == 0 ? survey_way(0, 0, 0, 0) : survey_way(0, 0, 1, 0);
}

static unsigned *grab(unsigned bytes, const char *what) {
  unsigned *p = sbrk((int)bytes);
  if (p == (void *)-1) {
    printf("page-shuffle: FAIL: sbrk of %u KiB for %s refused\n", bytes / 1024, what);
    exit(1);
  }
  return p;
}

/* Whether a survey's counts are the expected ones (saying which is not, when not). */
static int same_counts(const unsigned got[256], const unsigned expect[256], const char *when) {
  for (unsigned v = 0; v < 256; v++) {
    if (got[v] != expect[v]) {
      printf("page-shuffle: FAIL: %s, %u bytes hold 0x%02x, not %u\n", when, got[v], v, expect[v]);
      return 0;
    }
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 3) usage();
  unsigned kib = argc >= 2 ? decimal_arg(argv[1], 8, MAX_KIB, usage) : DEFAULT_KIB;
  rounds = argc == 3 ? decimal_arg(argv[2], 1, MAX_ROUNDS, usage) : DEFAULT_ROUNDS;
  if (kib % 8) usage();   /* two pages at least, whole pages */
  npages = kib / 4;
  unsigned words = npages * WORDS;
  plan = grab(npages * 4, "the plan");
  a = grab(kib * 1024, "the array");

  unsigned expect[256], count[256], moved;
  index_counts(words, expect);
  for (unsigned i = 0; i < words; i++) a[i] = i;

  shuffle();
  unsigned d1 = survey(count, &moved);
  if (!same_counts(count, expect, "shuffled")) return 1;
  if (moved <= words / 2) {
    printf("page-shuffle: FAIL: the shuffle moved only %u of %u words\n", moved, words);
    return 1;
  }

  unshuffle();
  for (unsigned k = 0; k < words; k++) {
    unsigned i = words - 1 - k;   /* down: the last undoing went up */
    if (a[i] != i) {
      printf("page-shuffle: FAIL: unshuffled, byte offset 0x%x (page %u) holds 0x%08x, expected 0x%08x\n", i * 4, i / WORDS, a[i], i);
      return 1;
    }
  }

  shuffle();
  unsigned d2 = digest();
  if (d2 != d1) {
    printf("page-shuffle: FAIL: shuffled twice from the same seed, digests 0x%08x and 0x%08x\n", d1, d2);
    return 1;
  }
  printf("page-shuffle: ok: %u KiB, %u round%s: counts kept, %u words moved, digest 0x%08x twice, unshuffled in order\n", kib,
         rounds, rounds == 1 ? "" : "s", moved, d1);
  return 0;
}
