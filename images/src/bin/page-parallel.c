/* page-parallel [N [KiB]]: page-linear's work in N children at once (default 3 children of 1536
 * KiB each: 4.5 MiB together, more than a 4 MiB machine's RAM), in the spirit of Pintos's
 * vm/page-parallel. The parent forks the N children before any of them has touched its array (a
 * fork copies the parent's resident pages, so it forks while it is small), then waits for them all
 * and checks that each exited 0.
 *
 * Child c sbrks its own array, writes word i as (c + 1) * 0x01000193 + i * 0x9e3779b9 (a Weyl
 * sequence with a start of its own, so a page that came back holding another child's words is
 * caught too), and reads it back in order. The scheduler interleaves the children, so their pages
 * go out to swap and come back mixed with each other's.
 *
 *   page-parallel: ok: 3 children of 1536 KiB each, written and read back at the same time
 *   page-parallel: child 2: FAIL: byte offset 0x... (page P) holds 0x..., expected 0x...  (exit 1)
 *
 * A bad argument prints one usage line and exits 2. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEFAULT_N 3u
#define MAX_N 16u
#define DEFAULT_KIB 1536u
#define MAX_KIB (64u * 1024u)
#define STEP 0x9e3779b9u

static void usage(void) {
  dprintf(2, "usage: page-parallel [N [KiB]]   (N: 1 to %u children, default %u; KiB each: a multiple of 4, 4 to %u, default %u)\n",
          MAX_N, DEFAULT_N, MAX_KIB, DEFAULT_KIB);
  exit(2);
}

/* The child's work: its own array, written and read back in order. Returns its exit status. */
static int child(unsigned c, unsigned kib) {
  unsigned words = kib * 256, seed = (c + 1) * 0x01000193u;
  unsigned *a = sbrk((int)(kib * 1024));
  if (a == (void *)-1) {
    printf("page-parallel: child %u: FAIL: sbrk of %u KiB refused\n", c, kib);
    return 1;
  }
  unsigned v = seed;
  for (unsigned i = 0; i < words; i++, v += STEP) a[i] = v;
  v = seed;
  for (unsigned i = 0; i < words; i++, v += STEP) {
    if (a[i] != v) {
      printf("page-parallel: child %u: FAIL: byte offset 0x%x (page %u) holds 0x%08x, expected 0x%08x\n", c, i * 4, i / 1024,
             a[i], v);
      return 1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 3) usage();
  unsigned n = argc >= 2 ? decimal_arg(argv[1], 1, MAX_N, usage) : DEFAULT_N;
  unsigned kib = argc == 3 ? decimal_arg(argv[2], 4, MAX_KIB, usage) : DEFAULT_KIB;
  if (kib % 4) usage();

  int pids[MAX_N];
  for (unsigned c = 0; c < n; c++) {
    int pid = fork();
    if (pid < 0) {
      printf("page-parallel: FAIL: fork of child %u failed (error %d)\n", c, -pid);
      for (unsigned d = 0; d < c; d++) wait(NULL);
      return 1;
    }
    if (pid == 0) exit(child(c, kib));
    pids[c] = pid;
  }

  int failed = 0;
  for (unsigned done = 0; done < n; done++) {
    int status = -12345;
    int pid = wait(&status);
    unsigned c = 0;
    while (c < n && pids[c] != pid) c++;
    if (c == n) {
      printf("page-parallel: FAIL: wait returned %d, not one of the children\n", pid);
      return 1;
    }
    pids[c] = 0;   /* reaped: a second wait() for it would not match */
    if (status != 0) {
      printf("page-parallel: FAIL: child %u (pid %d) exited with status %d\n", c, pid, status);
      failed = 1;
    }
  }
  if (wait(NULL) != -ECHILD) {
    printf("page-parallel: FAIL: a child is left after %u waits\n", n);
    return 1;
  }
  if (failed) return 1;
  printf("page-parallel: ok: %u children of %u KiB each, written and read back at the same time\n", n, kib);
  return 0;
}
