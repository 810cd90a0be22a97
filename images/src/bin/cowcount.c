/* cowcount N K [MS]: copy-on-write's counts, exactly. The parent writes N heap pages and forks. The
 * child writes K of them and prints its write faults on copy-on-write pages and the copies they
 * made: K and K under a copy-on-write fork (its parent still maps every page), 0 and 0 under an
 * eager one. After the child has exited the parent writes all N and prints its own: N and 0 (each
 * page is its alone again, and is taken over without a copy), or 0 and 0. Each count is the
 * difference of two meminfo() calls around the writes, after a first call has made the stack
 * page the process's own. With MS the child sleeps that many milliseconds after its writes, for a
 * look at both address spaces (`vm`). Exits 0 when every page holds what its writer wrote. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int check(unsigned char *p, unsigned n, unsigned k, unsigned char child, unsigned char parent) {
  for (unsigned i = 0; i < n; i++)
    if (p[i * PAGE_SIZE] != (i < k ? child : parent) || p[i * PAGE_SIZE + PAGE_SIZE - 1] != (i < k ? child : parent)) return 0;
  return 1;
}

int main(int argc, char **argv) {
  if ((argc != 3 && argc != 4) || atoi(argv[1]) <= 0 || atoi(argv[2]) < 0 || atoi(argv[2]) > atoi(argv[1])) {
    dprintf(2, "usage: cowcount N K [MS] (0 <= K <= N)\n");
    return 2;
  }
  unsigned n = (unsigned)atoi(argv[1]), k = (unsigned)atoi(argv[2]);
  unsigned char *p = sbrk((int)(n * PAGE_SIZE));
  if (p == (void *)-1) {
    dprintf(2, "cowcount: sbrk of %u pages failed\n", n);
    return 1;
  }
  for (unsigned i = 0; i < n; i++) p[i * PAGE_SIZE] = p[i * PAGE_SIZE + PAGE_SIZE - 1] = 'p';
  struct meminfo a, b;
  int pid = fork();
  if (pid < 0) {
    dprintf(2, "cowcount: fork failed (error %d)\n", -pid);
    return 1;
  }
  if (pid == 0) {
    meminfo(&a); /* the stack page is the child's own from here */
    meminfo(&a);
    for (unsigned i = 0; i < k; i++) p[i * PAGE_SIZE] = p[i * PAGE_SIZE + PAGE_SIZE - 1] = 'c';
    meminfo(&b);
    if (argc == 4) sleep((unsigned)atoi(argv[3]));
    printf("child: %u pages written, cow faults %u, copies %u\n", k, b.cow_faults - a.cow_faults, b.cow_copies - a.cow_copies);
    exit(check(p, n, k, 'c', 'p') ? 0 : 1);
  }
  int status = -1;
  if (wait(&status) != pid || status != 0) {
    printf("cowcount: the child saw wrong bytes or failed (status %d)\n", status);
    return 1;
  }
  if (!check(p, n, 0, 'p', 'p')) {
    printf("cowcount: the parent sees its child's writes\n");
    return 1;
  }
  meminfo(&a);
  meminfo(&a);
  for (unsigned i = 0; i < n; i++) p[i * PAGE_SIZE] = p[i * PAGE_SIZE + PAGE_SIZE - 1] = 'q';
  meminfo(&b);
  printf("parent: %u pages written, cow faults %u, copies %u\n", n, b.cow_faults - a.cow_faults, b.cow_copies - a.cow_copies);
  return check(p, n, 0, 'q', 'q') ? 0 : 1;
}
