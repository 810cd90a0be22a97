/* failed() and read_file() for the self-checking programs (check.h). */
#include <stdarg.h>
#include <stdio.h>
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
