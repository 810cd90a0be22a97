/* hello: the first program. Prints a greeting and its pid. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("hello, world (pid %d)\n", getpid());
  return 0;
}
