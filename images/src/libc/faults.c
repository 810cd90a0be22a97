/* page_faults(): a process's page faults so far, from meminfo. In a file of its own so that only
 * the programs that call it link it (each libc .c file is its own member of libc.a). */
#include "string.h"
#include "unistd.h"

unsigned page_faults(void) {
  struct meminfo m;
  memset(&m, 0, sizeof m);
  return meminfo(&m) < 0 ? 0 : m.faults;
}
