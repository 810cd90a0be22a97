/* cat FILE...: copies files of the program disk to the console (open, read, close).
 * cat with no FILE copies console input, line by line, until Ctrl-D on an empty line. */
#include <stdio.h>
#include <unistd.h>

static char buf[512];

static int cat(const char *path) {
  int fd = path ? open(path, 0) : 0;
  if (fd < 0) {
    dprintf(2, "cat: %s: cannot open (error %d)\n", path, -fd);
    return 1;
  }
  int n;
  while ((n = read(fd, buf, sizeof buf)) > 0) write(1, buf, n);
  if (path) close(fd);
  if (n < 0) {
    dprintf(2, "cat: %s: read error %d\n", path ? path : "(console)", -n);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return cat(0);
  int status = 0;
  for (int i = 1; i < argc; i++) status |= cat(argv[i]);
  return status;
}
