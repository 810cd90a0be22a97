/* memhog KB MS [TAG]: holds KB KiB of heap for MS milliseconds and checks it kept its bytes. It
 * grows its heap by KB KiB (sbrk), fills every word with a pattern made from TAG (default: its pid)
 * and the word's address, sleeps MS milliseconds, then reads every word back:
 *
 *   memhog TAG: 64 KiB at 0x6000
 *   memhog TAG: ok                                  (or: memhog TAG: 3 words wrong (first at 0x...))
 *
 * The address printed is the heap's, an offset in the segment under --mm segments. While it sleeps
 * the kernel may compact memory, move the process's partition or swap the whole process out and
 * back: the words must come through all of it. fragment starts many of these. Exits 0 when every
 * word holds its pattern, 1 when not (or sbrk refused), 2 for a bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_KB 65536
#define MAX_MS 600000

static void usage(void) {
  dprintf(2, "usage: memhog KB MS [TAG]   (KB 1 to %u KiB, MS 0 to %u milliseconds; TAG default: the pid)\n", MAX_KB,
          MAX_MS);
  exit(2);
}

/* The word that belongs at `addr`: TAG's hash and the address, mixed (never the same for two
 * neighbours, rarely zero). */
static unsigned pattern(unsigned key, unsigned addr) {
  unsigned x = (addr ^ key) * 0x9e3779b1u;
  return x ^ (x >> 15) ^ key;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) usage();
  unsigned kb = decimal_arg(argv[1], 1, MAX_KB, usage), ms = decimal_arg(argv[2], 0, MAX_MS, usage);
  char pid[16];
  snprintf(pid, sizeof pid, "%d", getpid());
  const char *tag = argc == 4 ? argv[3] : pid;
  unsigned key = 2166136261u; /* FNV-1a of the tag */
  for (const char *s = tag; *s; s++) key = (key ^ (unsigned char)*s) * 16777619u;

  unsigned words = kb * 1024 / 4;
  unsigned *heap = sbrk((int)(kb * 1024));
  if (heap == (void *)-1) {
    printf("memhog %s: sbrk of %u KiB refused\n", tag, kb);
    return 1;
  }
  for (unsigned i = 0; i < words; i++) heap[i] = pattern(key, (unsigned)&heap[i]);
  printf("memhog %s: %u KiB at 0x%x\n", tag, kb, (unsigned)heap);
  if (ms) sleep(ms);

  unsigned wrong = 0, first = 0;
  for (unsigned i = 0; i < words; i++)
    if (heap[i] != pattern(key, (unsigned)&heap[i]) && wrong++ == 0) first = (unsigned)&heap[i];
  if (wrong) {
    printf("memhog %s: %u words wrong (first at 0x%x)\n", tag, wrong, first);
    return 1;
  }
  printf("memhog %s: ok\n", tag);
  return 0;
}
