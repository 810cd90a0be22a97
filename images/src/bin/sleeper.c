/* sleeper [MS]: sleeps MS milliseconds (default 100) and prints the uptime before and after.
 * Exits 0 when the uptime moved by at least MS, less one 10 ms tick of clock granularity. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned ms = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
  unsigned before = uptime();
  int r = sleep(ms);
  unsigned after = uptime();
  printf("sleeper: slept %u ms: uptime %u -> %u (%u ms)\n", ms, before, after, after - before);
  if (r < 0) {
    dprintf(2, "sleeper: sleep failed (error %d)\n", -r);
    return 1;
  }
  return after - before + 10 >= ms ? 0 : 1;
}
