/* bigwrite [BYTES]: writes BYTES bytes (default 65536; K and M suffixes) to the console in one
 * write(): lines of 63 letters and a newline. A console stress test: the kernel hands the bytes to
 * the UART as room appears, and the write returns only when all have gone. Exits 0 when write()
 * returned BYTES. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  unsigned n = 65536;
  if (argc > 1) {
    char *end;
    n = (unsigned)strtoul(argv[1], &end, 0);
    if (*end == 'K' || *end == 'k') n <<= 10;
    else if (*end == 'M' || *end == 'm') n <<= 20;
  }
  char *buf = sbrk((int)n);
  if (buf == (char *)-1) {
    dprintf(2, "bigwrite: no memory for %u bytes\n", n);
    return 1;
  }
  for (unsigned i = 0; i < n; i++) buf[i] = i % 64 == 63 ? '\n' : (char)('a' + (i / 64) % 26);
  int r = write(1, buf, n);
  if (r != (int)n) {
    dprintf(2, "bigwrite: write returned %d of %u bytes\n", r, n);
    return 1;
  }
  return 0;
}
