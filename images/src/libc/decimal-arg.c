/* decimal_arg(): a command-line number or the program's usage line (stdlib.h). In a file of its
 * own, linked only into the programs that call it. */
#include <stdlib.h>

unsigned decimal_arg(const char *s, unsigned lo, unsigned hi, void (*usage)(void)) {
  unsigned v;
  if (parse_decimal(s, lo, hi, &v) < 0) {
    usage();
    exit(2); /* a usage() prints and exits 2 itself */
  }
  return v;
}
