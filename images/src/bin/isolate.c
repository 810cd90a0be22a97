/* isolate: shows that fork gives the child its own copy of memory. The child checks it sees the
 * parent's values, overwrites a global, a stack variable and a malloc'd page, and exits; the
 * parent then checks its own three are unchanged. Prints "isolated: ok" (exit 0) or
 * "isolated: FAIL" (exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile int global = 1;

int main(void) {
  volatile int local = 1;
  volatile int *page = malloc(PAGE_SIZE);
  if (!page) {
    dprintf(2, "isolate: malloc failed\n");
    return 1;
  }
  page[0] = 1;
  int pid = fork();
  if (pid < 0) {
    dprintf(2, "isolate: fork failed (error %d)\n", -pid);
    return 1;
  }
  if (pid == 0) {
    if (global != 1 || local != 1 || page[0] != 1) {
      printf("isolate: child sees global=%d stack=%d heap=%d, not the parent's 1 1 1\n", global, local, page[0]);
      exit(2);
    }
    global = 2;
    local = 2;
    page[0] = 2;
    printf("isolate: child %d wrote global=%d stack=%d heap=%d\n", getpid(), global, local, page[0]);
    exit(0);
  }
  int status = -12345;
  int child = wait(&status);
  int ok = child == pid && status == 0 && global == 1 && local == 1 && page[0] == 1;
  printf("isolate: parent sees global=%d stack=%d heap=%d; child %d exited with status %d\n",
         global, local, page[0], child, status);
  printf("isolated: %s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
