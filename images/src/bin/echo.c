/* echo ARG...: prints its arguments separated by spaces, in one write when they fit. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char line[1024];

int main(int argc, char **argv) {
  size_t n = 0;
  for (int i = 1; i < argc; i++) {
    size_t len = strlen(argv[i]);
    if (n + len + 2 > sizeof line) {        /* too long for the buffer: write what we have */
      write(1, line, n);
      n = 0;
    }
    if (len + 2 > sizeof line) {
      write(1, argv[i], len);
    } else {
      memcpy(line + n, argv[i], len);
      n += len;
    }
    if (i + 1 < argc) line[n++] = ' ';
  }
  line[n++] = '\n';
  write(1, line, n);
  return 0;
}
