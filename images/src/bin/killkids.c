/* killkids [N]: forks N children (default 100) one at a time; each reads address 0, the kernel
 * kills it with its one-line report, and the parent waits for it before it forks the next. A flood
 * of kill reports: the kernel must keep up without its console queue growing. Exits 0 when every
 * child was killed (wait() gave status -1). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 100;
  for (unsigned i = 0; i < n; i++) {
    int pid = fork();
    if (pid < 0) {
      dprintf(2, "killkids: fork %u failed (error %d)\n", i, -pid);
      return 1;
    }
    if (pid == 0) {
      volatile int *null = 0;
      exit(*null);
    }
    int status = 0;
    if (wait(&status) != pid || status != -1) {
      dprintf(2, "killkids: child %d ended with status %d, not killed\n", pid, status);
      return 1;
    }
  }
  printf("killkids: %u children killed\n", n);
  return 0;
}
