/* mstress [OPS [SEED]]: a malloc stress test. OPS (default 2000) random operations on 64 slots,
 * chosen by a seeded generator, so every run does the same thing: malloc or calloc into an empty
 * slot; free, realloc or check a full one. Every block is filled with a pattern of its own and
 * checked before it is freed or after it is moved, and all live blocks are checked every 256
 * operations, so an allocator that hands out overlapping blocks or loses data on realloc is
 * caught. At the end everything is freed and the free list must have coalesced back into one
 * block. Prints a checksum of what it did (independent of addresses) and "mstress ok" (exit 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOTS 64

struct slot {
  unsigned char *p;
  unsigned size;
  unsigned seed;
};

static struct slot slots[SLOTS];
static unsigned checksum = 2166136261u;   /* FNV-1a offset basis */
static unsigned in_use, peak;

static void mix(unsigned v) {
  for (int i = 0; i < 4; i++, v >>= 8) checksum = (checksum ^ (v & 0xff)) * 16777619u;   /* FNV-1a */
}

static unsigned char pattern(unsigned seed, unsigned i) { return (unsigned char)(seed ^ (i * 167u) ^ (i >> 8)); }

static void fail(int s, const char *what, unsigned i) {
  printf("mstress: FAIL: slot %d (%u bytes at %p): %s at byte %u\n", s, slots[s].size, (void *)slots[s].p, what, i);
  exit(1);
}

static void fill(int s, unsigned from) {
  for (unsigned i = from; i < slots[s].size; i++) slots[s].p[i] = pattern(slots[s].seed, i);
}

static void check(int s, unsigned upto) {
  unsigned sum = 0;
  for (unsigned i = 0; i < upto; i++) {
    if (slots[s].p[i] != pattern(slots[s].seed, i)) fail(s, "corrupted", i);
    sum += slots[s].p[i];
  }
  mix(sum);
}

/* Mostly small blocks, some up to a kilobyte, a few up to 16 KiB, and now and then 0 bytes. */
static unsigned random_size(void) {
  unsigned r = (unsigned)rand();
  switch (r % 16) {
    case 0: return 0;
    case 1: return 1024 + (r >> 4) % (15 * 1024);
    case 2: case 3: case 4: return 65 + (r >> 4) % 960;
    default: return 1 + (r >> 4) % 64;
  }
}

static void take(int s, unsigned char *p, unsigned size) {
  if ((unsigned)p & 7) fail(s, "misaligned pointer", 0);
  slots[s].p = p;
  slots[s].size = size;
  in_use += size;
  if (in_use > peak) peak = in_use;
  mix(size);
}

int main(int argc, char **argv) {
  unsigned ops = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
  unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
  unsigned mallocs = 0, callocs = 0, frees = 0, reallocs = 0;
  srand(seed);
  for (unsigned op = 0; op < ops; op++) {
    int s = rand() % SLOTS;
    unsigned action = (unsigned)rand() % 8;
    struct slot *sl = &slots[s];
    if (!sl->p) {
      unsigned size = random_size();
      unsigned char *p;
      if (action < 2) {
        p = calloc(size, 1);
        callocs++;
      } else {
        p = malloc(size);
        mallocs++;
      }
      if (!p) {
        printf("mstress: FAIL: %s(%u) returned NULL at op %u\n", action < 2 ? "calloc" : "malloc", size, op);
        return 1;
      }
      take(s, p, size);
      if (action < 2)
        for (unsigned i = 0; i < size; i++)
          if (p[i]) fail(s, "calloc gave non-zero memory", i);
      sl->seed = (unsigned)rand();
      fill(s, 0);
    } else if (action < 4) {
      check(s, sl->size);
      free(sl->p);
      in_use -= sl->size;
      sl->p = NULL;
      frees++;
    } else if (action < 6) {
      unsigned size = random_size();
      if (size == 0) size = 1;   /* realloc(p, 0) frees; that is the free case's job */
      unsigned char *p = realloc(sl->p, size);
      if (!p) {
        printf("mstress: FAIL: realloc(%u) returned NULL at op %u\n", size, op);
        return 1;
      }
      unsigned old = sl->size;
      in_use -= old;
      take(s, p, size);
      check(s, old < size ? old : size);   /* realloc keeps the common prefix */
      fill(s, old < size ? old : size);
      reallocs++;
    } else {
      check(s, sl->size);
    }
    if (op % 256 == 255)
      for (int t = 0; t < SLOTS; t++)
        if (slots[t].p) check(t, slots[t].size);
  }
  for (int s = 0; s < SLOTS; s++) {
    if (!slots[s].p) continue;
    check(s, slots[s].size);
    free(slots[s].p);
    slots[s].p = NULL;
    frees++;
  }
  struct mallinfo m = mallinfo();
  printf("mstress: %u ops (%u malloc, %u calloc, %u realloc, %u free), peak %u bytes in use, checksum 0x%08x\n",
         ops, mallocs, callocs, reallocs, frees, peak, checksum);
  printf("mstress: heap of %u bytes, %u blocks in use, %u free in %u blocks\n", m.arena, m.used_blocks, m.free_bytes,
         m.free_blocks);
  if (m.used_blocks != 0 || m.free_blocks > 1 || m.free_bytes != m.arena) {
    printf("mstress: FAIL: freeing everything did not coalesce the heap into one free block\n");
    return 1;
  }
  printf("mstress ok\n");
  return 0;
}
