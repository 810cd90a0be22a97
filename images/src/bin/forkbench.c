/* forkbench N [exit|exec] [PAGES]: N forks, one after another, for measuring fork's cost. Before
 * the loop it sbrks PAGES pages (default 64) and writes a word of each, so a fork has that much
 * more to copy (or to share). Each child exits 0 at once (exit, the default) or execs
 * `exitcode 0` (exec); the parent waits for each before the next fork.
 *
 *   forkbench: 20 forks (exit), 64 pages
 *
 * Exit status 0 when every fork succeeded and every child exited 0; 1 when not; 2 for a bad
 * argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORDS (PAGE_SIZE / 4)

static void usage(void) {
  dprintf(2, "usage: forkbench N [exit|exec] [PAGES]   (N 1 to 100000, PAGES 0 to 65536; default exit, 64)\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 4) usage();
  unsigned n, pages = 64;
  if (parse_decimal(argv[1], 1, 100000, &n) < 0) usage();
  const char *mode = argc > 2 ? argv[2] : "exit";
  int exec_mode = strcmp(mode, "exec") == 0;
  if (!exec_mode && strcmp(mode, "exit") != 0) usage();
  if (argc > 3 && parse_decimal(argv[3], 0, 65536, &pages) < 0) usage();

  unsigned *region = sbrk((int)(pages * PAGE_SIZE));
  if (region == (void *)-1) {
    printf("forkbench: sbrk of %u pages refused\n", pages);
    return 1;
  }
  for (unsigned i = 0; i < pages; i++) region[i * WORDS] = i + 1;

  for (unsigned i = 0; i < n; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("forkbench: fork %u of %u failed (error %d)\n", i + 1, n, -pid);
      return 1;
    }
    if (pid == 0) {
      if (exec_mode) {
        char *args[] = {"exitcode", "0", NULL};
        int err = exec("exitcode", args);
        dprintf(2, "forkbench: exec exitcode failed (error %d)\n", -err);
        exit(127);
      }
      exit(0);
    }
    int status = -1, got = wait(&status);
    if (got != pid || status != 0) {
      printf("forkbench: fork %u of %u: wait gave pid %d status %d, expected pid %d status 0\n", i + 1, n, got, status,
             pid);
      return 1;
    }
  }
  for (unsigned i = 0; i < pages; i++)
    if (region[i * WORDS] != i + 1) {
      printf("forkbench: page %u holds %u after the forks, expected %u\n", i, region[i * WORDS], i + 1);
      return 1;
    }
  printf("forkbench: %u forks (%s), %u pages\n", n, mode, pages);
  return 0;
}
