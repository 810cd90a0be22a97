/* page-merge [N [KiB]]: sorting an array of pseudo-random bytes bigger than RAM in N chunks, one
 * child a chunk, then merging the chunks, in the spirit of Pintos's vm/page-merge-par (default 4
 * children, 3072 KiB; the parent's merge needs twice that).
 *
 * The array is the stream of a fixed-seed xorshift32 generator, a word at a time (little-endian
 * bytes), so any process can make any part of it. Pintos's children sort their chunk in a file the
 * parent reads back; this kernel has no pipes, no shared memory and no writable files, and an exit
 * status is the only thing a child hands its parent. So:
 *
 *   1. The parent forks the N children first, while it is small (a fork copies the parent's
 *      resident pages, and under memory pressure there are no frames for a big parent's copy).
 *      Child c makes chunk c in memory of its own (from the generator's state where the chunk
 *      starts, which the parent found by running the generator through the array once), counts
 *      its bytes, sorts it (a counting sort, as Pintos's child-sort does), and checks the result:
 *      in order, and the same 256 counts. It exits 0 when both hold, 1 when not. The children
 *      run at the same time, their chunks together the whole array.
 *   2. The parent waits for them all (each must exit 0), then makes the whole array itself, a
 *      chunk at a time, counting each chunk's bytes, and sorts each chunk in place as the
 *      children did; it merges the N sorted chunks into a second array (a k-way merge that always
 *      takes the smallest head and copies its whole run of equal bytes) and checks the result:
 *      every byte no smaller than the one before, and the same count of each byte value as the
 *      unsorted array.
 *
 *   page-merge: ok: 3072 KiB in 4 chunks sorted by 4 children, merged in order, counts 0x........
 *   page-merge: FAIL: ...                                                          (exit 1)
 *
 * The counts digest (FNV-1a over the 256 counts) depends only on the size: the same on any
 * correct kernel. A bad argument prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_N 4u
#define MAX_N 16u
#define DEFAULT_KIB 3072u
#define MAX_KIB (64u * 1024u)
#define SEED 0x2545f491u

static void usage(void) {
  dprintf(2, "usage: page-merge [N [KiB]]   (N: 1 to %u children, default %u; KiB: a multiple of 4, 4 to %u, default %u)\n",
          MAX_N, DEFAULT_N, MAX_KIB, DEFAULT_KIB);
  exit(2);
}

static unsigned gen = SEED;   /* the generator's state: the next word is xorshift(gen) */
static unsigned start[MAX_N];  /* its state where each chunk starts */

static unsigned xorshift(unsigned x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

/* The next n words of the array into w, their bytes counted into count (added to). */
static void generate(unsigned *w, unsigned n, unsigned count[256]) {
  unsigned x = gen;
  for (unsigned i = 0; i < n; i++) {
    x = xorshift(x);
    w[i] = x;
    count[x & 0xff]++;
    count[(x >> 8) & 0xff]++;
    count[(x >> 16) & 0xff]++;
    count[x >> 24]++;
  }
  gen = x;
}

/* Counting sort in place of the bytes at p whose counts are `count`: each value's run, a word at a time
 * where it can. */
static void counting_sort(unsigned char *p, const unsigned count[256]) {
  for (unsigned v = 0; v < 256; v++) {
    unsigned char *stop = p + count[v];
    unsigned word = v * 0x01010101u;
    while (p < stop && ((unsigned)p & 3)) *p++ = (unsigned char)v;
    while (p + 4 <= stop) {
      *(unsigned *)p = word;
      p += 4;
    }
    while (p < stop) *p++ = (unsigned char)v;
  }
}

/* Whether n bytes (n a multiple of 4, p word-aligned) are in order and have exactly the counts
 * `count`; on a failure, the first byte out of order (or n when the order holds and the counts do
 * not) in *bad. A sorted array is long runs of one value: a word of four bytes equal to the last
 * byte before it is counted at once. */
static int check_sorted(const unsigned char *p, unsigned n, const unsigned count[256], unsigned *bad) {
  unsigned seen[256];
  memset(seen, 0, sizeof seen);
  unsigned prev = 0, same = 0;   /* the last byte, and four of it in a word */
  for (unsigned i = 0; i < n; i += 4) {
    if (*(const unsigned *)(p + i) == same) {
      seen[prev] += 4;
      continue;
    }
    for (unsigned k = i; k < i + 4; k++) {
      unsigned b = p[k];
      if (b < prev) {
        *bad = k;
        return 0;
      }
      prev = b;
      seen[b]++;
    }
    same = prev * 0x01010101u;
  }
  *bad = n;
  return memcmp(seen, count, sizeof seen) == 0;
}

static unsigned *grab(unsigned bytes, const char *what) {
  unsigned *p = sbrk((int)bytes);
  if (p == (void *)-1) {
    printf("page-merge: FAIL: sbrk of %u KiB for %s refused\n", bytes / 1024, what);
    exit(1);
  }
  return p;
}

/* Chunk c is words [lo(c), lo(c + 1)) of the array. */
static unsigned words, nchunks;
static unsigned lo(unsigned c) { return words / nchunks * c + (c < words % nchunks ? c : words % nchunks); }

/* A child: sorts chunk c in memory of its own and checks it. Returns its exit status. */
static int child(unsigned c) {
  unsigned from = lo(c), to = lo(c + 1), n = (to - from) * 4;
  unsigned count[256];
  memset(count, 0, sizeof count);
  unsigned char *p = (unsigned char *)grab(n, "a chunk");
  gen = start[c];
  generate((unsigned *)p, to - from, count);
  counting_sort(p, count);
  unsigned bad;
  if (!check_sorted(p, n, count, &bad)) {
    printf("page-merge: child %u: FAIL: its sorted chunk %s at byte %u\n", c, bad < n ? "is out of order" : "has other counts", bad);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 3) usage();
  nchunks = argc >= 2 ? decimal_arg(argv[1], 1, MAX_N, usage) : DEFAULT_N;
  unsigned kib = argc == 3 ? decimal_arg(argv[2], 4, MAX_KIB, usage) : DEFAULT_KIB;
  if (kib % 4) usage();
  words = kib * 256;
  unsigned size = kib * 1024;

  /* Where each chunk's words start in the generator's stream, for the children. */
  for (unsigned c = 0, x = SEED; c < nchunks; c++) {
    start[c] = x;
    for (unsigned i = lo(c); i < lo(c + 1); i++) x = xorshift(x);
  }
  int pids[MAX_N];
  for (unsigned c = 0; c < nchunks; c++) {
    int pid = fork();
    if (pid < 0) {
      printf("page-merge: FAIL: fork of child %u failed (error %d)\n", c, -pid);
      for (unsigned d = 0; d < c; d++) wait(NULL);
      return 1;
    }
    if (pid == 0) exit(child(c));
    pids[c] = pid;
  }
  int failed = 0;
  for (unsigned done = 0; done < nchunks; done++) {
    int status = -12345;
    int pid = wait(&status);
    unsigned c = 0;
    while (c < nchunks && pids[c] != pid) c++;
    if (c == nchunks) {
      printf("page-merge: FAIL: wait returned %d, not one of the children\n", pid);
      return 1;
    }
    pids[c] = 0;
    if (status != 0) {
      printf("page-merge: FAIL: child %u (pid %d) exited with status %d\n", c, pid, status);
      failed = 1;
    }
  }
  if (failed) return 1;

  /* The parent's turn: the whole array, a chunk at a time, each sorted in place; then the merge. */
  static unsigned count[MAX_N][256];
  unsigned total[256];
  memset(total, 0, sizeof total);
  unsigned char *a = (unsigned char *)grab(size, "the array");
  unsigned char *head[MAX_N], *end[MAX_N];
  for (unsigned c = 0; c < nchunks; c++) {
    head[c] = a + lo(c) * 4;
    end[c] = a + lo(c + 1) * 4;
    generate((unsigned *)head[c], lo(c + 1) - lo(c), count[c]);
    for (unsigned v = 0; v < 256; v++) total[v] += count[c][v];
    counting_sort(head[c], count[c]);
  }

  unsigned char *out = (unsigned char *)grab(size, "the merge"), *o = out;
  for (;;) {
    unsigned best = nchunks;
    for (unsigned c = 0; c < nchunks; c++)
      if (head[c] < end[c] && (best == nchunks || *head[c] < *head[best])) best = c;
    if (best == nchunks) break;
    /* Its whole run of equal bytes, four at a time while a word holds four of them. */
    unsigned char v = *head[best], *h = head[best], *e = end[best];
    unsigned four = v * 0x01010101u;
    while (h + 4 <= e && *(unsigned *)h == four) {
      *(unsigned *)o = four;
      h += 4;
      o += 4;
    }
    while (h < e && *h == v) *o++ = *h++;
    head[best] = h;
  }
  if (o != out + size) {
    printf("page-merge: FAIL: the merge wrote %u bytes, not %u\n", (unsigned)(o - out), size);
    return 1;
  }
  unsigned bad;
  if (!check_sorted(out, size, total, &bad)) {
    if (bad < size)
      printf("page-merge: FAIL: merged byte %u (0x%02x) is smaller than the one before (0x%02x)\n", bad, out[bad], out[bad - 1]);
    else
      printf("page-merge: FAIL: the merged array's byte counts differ from the unsorted array's\n");
    return 1;
  }
  unsigned digest = 2166136261u;   /* FNV-1a over the counts */
  for (unsigned v = 0; v < 256; v++)
    for (unsigned k = 0, x = total[v]; k < 4; k++, x >>= 8) digest = (digest ^ (x & 0xff)) * 16777619u;
  printf("page-merge: ok: %u KiB in %u chunks sorted by %u children, merged in order, counts 0x%08x\n", kib, nchunks, nchunks,
         digest);
  return 0;
}
