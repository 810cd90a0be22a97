/* fragment [ROUNDS] [SEED]: a workload that fragments memory. It starts ROUNDS (default 24)
 * children, each fork() + exec of `memhog KB MS cN`, with sizes and lifetimes from a linear
 * congruential generator seeded by SEED (default 1): the same arguments give the same children in
 * the same order. Most children are small (16 to 64 KiB), one in three large (96 to 192 KiB); each
 * lives 20 to 200 ms. At most 6 are alive at once, and now and then it waits for one to end before
 * starting the next even below that: the children end in another order than they started, so holes
 * open between the survivors, and a large child may fit no hole (compaction, or swapping a
 * process out). Each child prints its memhog lines; at the end fragment waits for all and prints
 *
 *   fragment: 24 children, 0 failed
 *
 * A child that exits non-zero or is killed (memhog found wrong bytes, or the kernel could not give
 * it memory), or a fork that fails, counts as failed. Exits 0 when none failed, 1 when some did, 2
 * for a bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_ALIVE 6
#define MAX_ROUNDS 10000

static void usage(void) {
  dprintf(2, "usage: fragment [ROUNDS] [SEED]   (ROUNDS 1 to %u, default 24; SEED default 1)\n", MAX_ROUNDS);
  exit(2);
}

static unsigned lcg;

/* The next number in [0, n): the LCG's high bits (its low bits repeat with short periods). */
static unsigned next(unsigned n) {
  lcg = lcg * 1103515245u + 12345u;
  return (lcg >> 16) % n;
}

static unsigned alive, failed;

/* Waits for one child; false when there is none. */
static int reap(void) {
  int status = -1, pid = wait(&status);
  if (pid < 0) return 0;
  alive--;
  if (status != 0) failed++;
  return 1;
}

int main(int argc, char **argv) {
  if (argc > 3) usage();
  unsigned rounds = argc > 1 ? decimal_arg(argv[1], 1, MAX_ROUNDS, usage) : 24;
  lcg = argc > 2 ? decimal_arg(argv[2], 0, 1000000000, usage) : 1;

  for (unsigned i = 0; i < rounds; i++) {
    unsigned kb = next(3) == 0 ? 192 + 64 * next(8) : 16 + 16 * next(6);
    unsigned ms = 20 + 20 * next(15);
    if (alive == MAX_ALIVE || (alive > 2 && next(4) == 0)) reap();
    char kbs[12], mss[12], tag[12];
    snprintf(kbs, sizeof kbs, "%u", kb);
    snprintf(mss, sizeof mss, "%u", ms);
    snprintf(tag, sizeof tag, "c%u", i);
    int pid = fork();
    if (pid < 0) {
      printf("fragment: fork for %s failed (error %d)\n", tag, -pid);
      failed++;
      continue;
    }
    if (pid == 0) {
      char *args[] = {"memhog", kbs, mss, tag, NULL};
      int err = exec("memhog", args);
      dprintf(2, "fragment: exec memhog failed (error %d)\n", -err);
      exit(127);
    }
    alive++;
  }
  while (reap()) {}
  printf("fragment: %u children, %u failed\n", rounds, failed);
  return failed != 0;
}
