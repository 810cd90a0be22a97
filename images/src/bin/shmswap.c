/* shmswap PAGES: shared anonymous memory under memory pressure. The parent maps PAGES pages
 * MAP_SHARED|MAP_ANONYMOUS and forks; the child writes every page (a word per page from its
 * address and a seed) and exits; the parent checks every page shows the child's writes, writes
 * its own, and forks a second child that checks them. With more pages than RAM the segment's
 * pages go to swap and come back through the segment, for whichever process touches them.
 * Exits 0 when every page held what its writer wrote. */
#include <mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned value(unsigned *page, unsigned seed) { return ((unsigned)page ^ seed) * 2654435761u; }

static void fill(unsigned char *p, unsigned n, unsigned seed) {
  for (unsigned i = 0; i < n; i++) {
    unsigned *w = (unsigned *)(p + i * PAGE_SIZE);
    w[0] = value(w, seed);
    w[PAGE_SIZE / 4 - 1] = ~value(w, seed);
  }
}

/* The number of pages that do not hold the words `seed` gave them. */
static unsigned bad(unsigned char *p, unsigned n, unsigned seed) {
  unsigned b = 0;
  for (unsigned i = 0; i < n; i++) {
    unsigned *w = (unsigned *)(p + i * PAGE_SIZE);
    if (w[0] != value(w, seed) || w[PAGE_SIZE / 4 - 1] != ~value(w, seed)) b++;
  }
  return b;
}

static int child_status(void) {
  int status = -1;
  return wait(&status) < 0 ? -1 : status;
}

int main(int argc, char **argv) {
  if (argc != 2 || atoi(argv[1]) <= 0) {
    dprintf(2, "usage: shmswap PAGES\n");
    return 2;
  }
  unsigned n = (unsigned)atoi(argv[1]);
  unsigned char *p = mmap(NULL, n * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (MMAP_FAILED(p)) {
    printf("shmswap: mmap of %u pages failed (error %d)\n", n, MMAP_ERR(p));
    return 1;
  }
  if (fork() == 0) {
    fill(p, n, 0x1111);
    exit(0);
  }
  if (child_status() != 0) {
    printf("shmswap: the first child failed\n");
    return 1;
  }
  unsigned b = bad(p, n, 0x1111);
  if (b != 0) {
    printf("shmswap: %u of %u pages do not show the first child's writes\n", b, n);
    return 1;
  }
  fill(p, n, 0x2222);
  if (fork() == 0) exit(bad(p, n, 0x2222) == 0 ? 0 : 1);
  if (child_status() != 0) {
    printf("shmswap: the second child did not see the parent's writes\n");
    return 1;
  }
  if (munmap(p, n * PAGE_SIZE) != 0) {
    printf("shmswap: munmap failed\n");
    return 1;
  }
  printf("shmswap: ok: %u shared pages, written by a child, then by the parent, each seen by the other\n", n);
  return 0;
}
