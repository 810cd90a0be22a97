/* failed(), the subtest runner and read_file() for the self-checking programs (check.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

char why[200];

int failed(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return 1;
}

int read_file(const char *name, unsigned char *buf, unsigned max) {
  int fd = open(name, 0);
  if (fd < 0) return fd;
  unsigned n = 0;
  while (n < max) {
    int r = read(fd, buf + n, max - n);
    if (r < 0) {
      close(fd);
      return r;
    }
    if (r == 0) break;
    n += (unsigned)r;
  }
  close(fd);
  return (int)n;
}

int report(const char *prog, const char *name, int r) {
  if (r == 0) printf("%s %s: ok\n", prog, name);
  else printf("%s %s: FAILED (%s)\n", prog, name, why);
  return r ? 1 : 0;
}

int run_subtests(const char *prog, const struct subtest *tests, unsigned n, const char *which) {
  int all = strcmp(which, "all") == 0, ran = 0, bad = 0;
  for (unsigned i = 0; i < n; i++) {
    if (!all && strcmp(which, tests[i].name) != 0) continue;
    why[0] = 0;
    ran++;
    bad += report(prog, tests[i].name, tests[i].run());
  }
  return ran == 0 ? -1 : bad;
}
