/* forkdemo: fork; the child execs `echo child says hi`; the parent waits for it and prints the
 * child's pid and exit status. Exits 0 when wait returned that child with status 0. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  int pid = fork();
  if (pid < 0) {
    dprintf(2, "forkdemo: fork failed (error %d)\n", -pid);
    return 1;
  }
  if (pid == 0) {
    char *argv[] = {"echo", "child", "says", "hi", NULL};
    int err = exec("echo", argv);
    dprintf(2, "forkdemo: exec echo failed (error %d)\n", -err);
    exit(127);
  }
  int status = -12345;
  int child = wait(&status);
  printf("forkdemo: child %d exited with status %d\n", child, status);
  return child == pid && status == 0 ? 0 : 1;
}
