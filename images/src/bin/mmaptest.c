/* mmaptest NAME|all: mmap, munmap, mprotect and msync, in the spirit of Pintos's mmap tests, on the
 * program disk's README (under a page, read-only) and mmap-data (8192+100 bytes, byte i =
 * (i*7+3)&0xff, opened O_RDWR for the MAP_SHARED writes). Every mapping is checked against what
 * read() returns for the same file. The tests that write the file through a MAP_SHARED mapping put
 * its old bytes back the same way before they end, so each test finds mmap-data as it was.
 *
 *   read          README MAP_PRIVATE PROT_READ: its bytes are read()'s, the rest of the page zeros
 *   write         mmap-data MAP_SHARED RW: a marker in page 0, msync (read() sees it), a marker in
 *                 page 2 (the last, partial page, within the file), munmap: read() sees both
 *   close         README mapped, its fd closed at once: the mapping still reads the file
 *   unmap         after munmap of a mapping at 0x50000000, a child that reads it is killed (wait
 *                 reports status -1; the kernel prints its one-line fault report)
 *   twice         README mapped twice, MAP_PRIVATE RW, at two addresses: both read the file; a write
 *                 through one is not seen through the other, nor in the file
 *   exit          a child maps mmap-data MAP_SHARED, writes a marker, exits without munmap: the
 *                 parent's read() sees the marker; sync() then succeeds
 *   shuffle       README MAP_PRIVATE RW shuffled in place by a fixed LCG and unshuffled: the file's
 *                 bytes again; the file is unchanged
 *   clean         mmap-data MAP_SHARED PROT_READ, only read, munmap: the file is unchanged
 *   private       mmap-data MAP_PRIVATE RW written: the mapping shows the writes, read() after
 *                 munmap the old bytes
 *   anon          MAP_PRIVATE|MAP_ANONYMOUS, 5 pages: page aligned, zero-filled, writable
 *   shared-anon   MAP_SHARED|MAP_ANONYMOUS page across fork: a child's write is seen by the parent,
 *                 the parent's by a second child
 *   inherit       a MAP_PRIVATE file mapping across fork: the child sees the file and the parent's
 *                 write before the fork; the child's writes are not seen by the parent
 *   mprotect      2 anonymous RW pages at 0x50000000; page 0 made PROT_READ: a child writing it is
 *                 killed (status -1; the kernel prints its report), reads still work, page 1 is
 *                 still writable; PROT_READ|PROT_WRITE again: the write works
 *   badfd         fd 99, fd 1 (the console), fd -1 without MAP_ANONYMOUS, a closed fd: -EBADF
 *   null          MAP_FIXED at address 0: -EINVAL
 *   zero          length 0 (a file, anonymous memory): -EINVAL
 *   misalign      MAP_FIXED at 0x50000123: -EINVAL; an offset of 100 bytes: -EINVAL (libc)
 *   over-code     MAP_FIXED at the program's text, 0x08048000: -EINVAL
 *   over-data     MAP_FIXED over the page of an initialised global, of a bss one: -EINVAL
 *   over-stack    MAP_FIXED over the page of a local variable: -EINVAL
 *   overlap       2 pages at 0x40000000; one at 0x40001000 or 2 at 0x3ffff000: -EINVAL; one at
 *                 0x40002000 (adjacent): fine
 *   rdonly-shared README (opened O_RDONLY) MAP_SHARED with PROT_WRITE: -EACCES; PROT_READ: fine
 *   all           every one, in that order
 *   mark TEXT [MS] writes TEXT at the start of mmap-data through a MAP_SHARED mapping and leaves
 *                 it there (not a test, and not in all): the write reaches the disk's blocks, and
 *                 the disk image too only with `ts386 --disk FILE --write`. With MS it sleeps that
 *                 many milliseconds before munmap: the page stays dirty for `sync` or the periodic
 *                 sync to write back.
 *
 * One line per subtest: "mmaptest NAME: ok" or "mmaptest NAME: FAILED (what)". Exit status 0 when
 * every subtest run passed, 1 when one failed, 2 for a bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mman.h"
#include "check.h"

#define DATA_LEN (8192 + 100)            /* mmap-data's size: 2 whole pages and 100 bytes */
#define FREE_VA 0x50000000u              /* an address no region of the program uses */
#define OVERLAP_VA 0x40000000u

static unsigned char readme[PAGE_SIZE];   /* README by read() */
static int readme_len;
static unsigned char data[3 * PAGE_SIZE]; /* mmap-data by read() */
static unsigned char after[3 * PAGE_SIZE];

static int load_readme(void) {
  readme_len = read_file("README", readme, sizeof readme);
  if (readme_len <= 0) return failed("cannot read README (%d)", readme_len);
  if ((unsigned)readme_len >= PAGE_SIZE) return failed("README is %d bytes, not under a page", readme_len);
  return 0;
}

static int load_data(unsigned char *buf) {
  int n = read_file("mmap-data", buf, 3 * PAGE_SIZE);
  if (n != DATA_LEN) return failed("read() of mmap-data gave %d bytes, not %d", n, DATA_LEN);
  return 0;
}

/* 0 when mapped[0, n) equals want[0, n); else 1 with the first difference in why. */
static int same(const unsigned char *mapped, const unsigned char *want, unsigned n, const char *what) {
  for (unsigned i = 0; i < n; i++)
    if (mapped[i] != want[i]) return failed("%s: byte %u is 0x%02x, not 0x%02x", what, i, mapped[i], want[i]);
  return 0;
}

/* Opens `name` with `oflags` and maps `len` bytes of it; the address, or 0 with why set. */
static unsigned char *map_file(const char *name, int oflags, unsigned len, int prot, int flags, int *fdp) {
  int fd = open(name, oflags);
  if (fd < 0) {
    failed("open(%s) failed (error %d)", name, -fd);
    return 0;
  }
  void *p = mmap(0, len, prot, flags, fd, 0);
  if (MMAP_FAILED(p)) {
    failed("mmap of %s failed (error %d)", name, MMAP_ERR(p));
    close(fd);
    return 0;
  }
  if ((unsigned)p & (PAGE_SIZE - 1)) {
    failed("mmap of %s returned %p, not page aligned", name, p);
    close(fd);
    return 0;
  }
  if (fdp) *fdp = fd;
  else close(fd);
  return (unsigned char *)p;
}

static int unmap(void *p, unsigned len) {
  int r = munmap(p, len);
  return r ? failed("munmap(%p, %u) failed (error %d)", p, len, -r) : 0;
}

/* Waits for `pid`; 0 when its status is `want`, else 1 with why set. */
static int reap(int pid, int want, const char *who) {
  int status = 12345;
  int got = wait(&status);
  if (got != pid) return failed("wait returned %d, not the %s's pid %d", got, who, pid);
  if (status != want) return failed("the %s's status is %d, not %d%s", who, status, want, want == -1 ? " (killed)" : "");
  return 0;
}

/* Puts `len` bytes of `old` back at offset `at` of mmap-data through a MAP_SHARED mapping. */
static int restore(unsigned at, const unsigned char *old, unsigned len) {
  int fd;
  unsigned char *p = map_file("mmap-data", O_RDWR, DATA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, &fd);
  if (!p) return 1;
  memcpy(p + at, old, len);
  close(fd);
  return unmap(p, DATA_LEN);
}

/* The marker tests write and look for. */
static void mark(unsigned char *p, const char *tag) {
  memcpy(p, tag, strlen(tag));
}

/* ---- reading and writing files ---- */

static int t_read(void) {
  if (load_readme()) return 1;
  unsigned char *p = map_file("README", O_RDONLY, (unsigned)readme_len, PROT_READ, MAP_PRIVATE, 0);
  if (!p) return 1;
  int r = same(p, readme, (unsigned)readme_len, "the mapping");
  for (unsigned i = (unsigned)readme_len; r == 0 && i < PAGE_SIZE; i++)
    if (p[i]) r = failed("byte %u, past the end of the file, is 0x%02x, not 0", i, p[i]);
  int u = unmap(p, (unsigned)readme_len);
  return r ? r : u;
}

#define W0 100u            /* write's marker in page 0 */
#define W2 (8192u + 40)     /* and in page 2, the partial last page (the file ends at 8292) */
static const char M0[] = "write: page 0", M2[] = "write: page 2";
#define MLEN 13
static unsigned char want[3 * PAGE_SIZE];

static int t_write(void) {
  if (load_data(data)) return 1;
  int fd;
  unsigned char *p = map_file("mmap-data", O_RDWR, DATA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, &fd);
  if (!p) return 1;
  int r = same(p, data, DATA_LEN, "the mapping before writing");
  if (r == 0) {
    memcpy(p + W0, M0, MLEN);
    int s = msync(p, PAGE_SIZE, MS_SYNC);
    if (s) r = failed("msync failed (error %d)", -s);
  }
  if (r == 0) r = load_data(after) || same(after + W0, (const unsigned char *)M0, MLEN, "read() after msync");
  if (r == 0) memcpy(p + W2, M2, MLEN);
  close(fd);
  int u = unmap(p, DATA_LEN);
  if (r == 0 && u == 0 && load_data(after) == 0) {
    memcpy(want, data, DATA_LEN);
    memcpy(want + W0, M0, MLEN);
    memcpy(want + W2, M2, MLEN);
    r = same(after, want, DATA_LEN, "read() after munmap");
  } else if (r == 0) {
    r = 1;
  }
  /* The old bytes back, for the next test. */
  if (restore(W0, data + W0, MLEN) || restore(W2, data + W2, MLEN)) r = 1;
  return r;
}

static int t_close(void) {
  if (load_readme()) return 1;
  int fd;
  unsigned char *p = map_file("README", O_RDONLY, (unsigned)readme_len, PROT_READ, MAP_PRIVATE, &fd);
  if (!p) return 1;
  int c = close(fd);
  int r = c ? failed("close failed (error %d)", -c) : same(p, readme, (unsigned)readme_len, "the mapping after close");
  int u = unmap(p, (unsigned)readme_len);
  return r ? r : u;
}

static int t_unmap(void) {
  if (load_readme()) return 1;
  int fd = open("README", O_RDONLY);
  if (fd < 0) return failed("open(README) failed (error %d)", -fd);
  void *p = mmap((void *)FREE_VA, (unsigned)readme_len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  close(fd);
  if (MMAP_FAILED(p)) return failed("mmap at 0x%08x failed (error %d)", FREE_VA, MMAP_ERR(p));
  if ((unsigned)p != FREE_VA) return failed("MAP_FIXED mmap at 0x%08x returned %p", FREE_VA, p);
  if (same(p, readme, (unsigned)readme_len, "the mapping") || unmap(p, (unsigned)readme_len)) return 1;
  int pid = fork();
  if (pid < 0) return failed("fork failed (error %d)", -pid);
  if (pid == 0) {
    volatile unsigned char *q = p;
    unsigned char c = q[0]; /* the kernel kills us here */
    exit(c == 0xee ? 3 : 0);
  }
  return reap(pid, -1, "child that read the unmapped page");
}

static int t_twice(void) {
  if (load_readme()) return 1;
  unsigned len = (unsigned)readme_len;
  unsigned char *a = map_file("README", O_RDONLY, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  if (!a) return 1;
  unsigned char *b = map_file("README", O_RDONLY, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  if (!b) {
    munmap(a, len);
    return 1;
  }
  int r = a == b ? failed("both mappings are at %p", a) : 0;
  if (r == 0) r = same(a, readme, len, "the first mapping");
  if (r == 0) r = same(b, readme, len, "the second mapping");
  if (r == 0) {
    mark(a, "twice: first");
    r = same(b, readme, len, "the second mapping after a write to the first");
  }
  if (r == 0) r = same(a, (const unsigned char *)"twice: first", 12, "the first mapping after its write");
  if (r == 0) r = same(a + 12, readme + 12, len - 12, "the first mapping past its write");
  int u = unmap(a, len);
  u |= unmap(b, len);
  if (r || u) return 1;
  if (read_file("README", after, PAGE_SIZE) != readme_len) return failed("README's length changed");
  return same(after, readme, len, "read() of README after munmap");
}

#define EXIT_AT (4096u + 17)

static int t_exit(void) {
  if (load_data(data)) return 1;
  int pid = fork();
  if (pid < 0) return failed("fork failed (error %d)", -pid);
  if (pid == 0) {
    unsigned char *p = map_file("mmap-data", O_RDWR, DATA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    if (!p) exit(1);
    mark(p + EXIT_AT, "exit: marker");
    exit(0); /* no munmap: exit unmaps it */
  }
  int r = reap(pid, 0, "child");
  if (r == 0) r = load_data(after) || same(after + EXIT_AT, (const unsigned char *)"exit: marker", 12, "read() after the child exited");
  int s = sync();
  if (r == 0 && s < 0) r = failed("sync failed (error %d)", -s);
  /* The old bytes back, for the next test, whatever happened. */
  if (restore(EXIT_AT, data + EXIT_AT, 12)) r = 1;
  return r;
}

/* A fixed linear congruential generator (Numerical Recipes' constants). */
static unsigned lcg(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

#define SWAPS 1000

static int t_shuffle(void) {
  if (load_readme()) return 1;
  unsigned len = (unsigned)readme_len;
  unsigned char *p = map_file("README", O_RDONLY, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  if (!p) return 1;
  static unsigned short from[SWAPS], to[SWAPS];
  unsigned state = 12345, sum0 = 0, sum1 = 0;
  for (unsigned i = 0; i < len; i++) sum0 += p[i];
  for (unsigned k = 0; k < SWAPS; k++) {
    unsigned i = lcg(&state) % len, j = lcg(&state) % len;
    unsigned char t = p[i];
    p[i] = p[j];
    p[j] = t;
    from[k] = (unsigned short)i;
    to[k] = (unsigned short)j;
  }
  for (unsigned i = 0; i < len; i++) sum1 += p[i];
  int r = sum0 != sum1 ? failed("the byte sum went from %u to %u in the shuffle", sum0, sum1) : 0;
  if (r == 0 && memcmp(p, readme, len) == 0) r = failed("the shuffle changed nothing");
  for (unsigned k = SWAPS; k-- > 0;) {
    unsigned char t = p[from[k]];
    p[from[k]] = p[to[k]];
    p[to[k]] = t;
  }
  if (r == 0) r = same(p, readme, len, "the mapping after unshuffling");
  int u = unmap(p, len);
  if (r || u) return 1;
  if (read_file("README", after, PAGE_SIZE) != readme_len) return failed("README's length changed");
  return same(after, readme, len, "read() of README after munmap");
}

static int t_clean(void) {
  if (load_data(data)) return 1;
  unsigned char *p = map_file("mmap-data", O_RDONLY, DATA_LEN, PROT_READ, MAP_SHARED, 0);
  if (!p) return 1;
  int r = same(p, data, DATA_LEN, "the mapping");
  for (unsigned i = DATA_LEN; r == 0 && i < 3 * PAGE_SIZE; i++)
    if (p[i]) r = failed("byte %u, past the end of the file, is 0x%02x, not 0", i, p[i]);
  int u = unmap(p, DATA_LEN);
  if (r || u) return 1;
  if (load_data(after)) return 1;
  return same(after, data, DATA_LEN, "read() after munmap");
}

static int t_private(void) {
  if (load_data(data)) return 1;
  unsigned char *p = map_file("mmap-data", O_RDWR, DATA_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  if (!p) return 1;
  mark(p + W0, "private: 0");
  mark(p + W2, "private: 2");
  int r = same(p + W0, (const unsigned char *)"private: 0", 10, "the mapping after the write to page 0");
  if (r == 0) r = same(p + W2, (const unsigned char *)"private: 2", 10, "the mapping after the write to page 2");
  if (r == 0 && load_data(after) == 0) r = same(after, data, DATA_LEN, "read() while mapped");
  else if (r == 0) r = 1;
  int u = unmap(p, DATA_LEN);
  if (r || u) return 1;
  if (load_data(after)) return 1;
  return same(after, data, DATA_LEN, "read() after munmap");
}

/* ---- anonymous and shared memory ---- */

#define ANON_PAGES 5

static int t_anon(void) {
  unsigned len = ANON_PAGES * PAGE_SIZE;
  void *v = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (MMAP_FAILED(v)) return failed("mmap failed (error %d)", MMAP_ERR(v));
  unsigned *p = v;
  int r = (unsigned)v & (PAGE_SIZE - 1) ? failed("mmap returned %p, not page aligned", v) : 0;
  for (unsigned i = 0; r == 0 && i < len / 4; i++)
    if (p[i]) r = failed("word %u is 0x%08x, not 0", i, p[i]);
  for (unsigned i = 0; r == 0 && i < len / 4; i++) p[i] = i * 2654435761u;
  for (unsigned i = 0; r == 0 && i < len / 4; i++)
    if (p[i] != i * 2654435761u) r = failed("word %u is 0x%08x after the write", i, p[i]);
  int u = unmap(v, len);
  return r ? r : u;
}

static int t_shared_anon(void) {
  void *v = mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (MMAP_FAILED(v)) return failed("mmap failed (error %d)", MMAP_ERR(v));
  volatile unsigned *p = v;
  int r = p[0] || p[PAGE_SIZE / 4 - 1] ? failed("the fresh page is not zero") : 0;
  int pid = r ? 0 : fork();
  if (r == 0 && pid < 0) r = failed("fork failed (error %d)", -pid);
  if (r == 0 && pid == 0) {
    p[0] = 0xc0ffee01u;
    p[PAGE_SIZE / 4 - 1] = 0xc0ffee02u;
    exit(0);
  }
  if (r == 0) r = reap(pid, 0, "first child");
  if (r == 0 && (p[0] != 0xc0ffee01u || p[PAGE_SIZE / 4 - 1] != 0xc0ffee02u))
    r = failed("the parent sees 0x%08x and 0x%08x, not the child's writes", p[0], p[PAGE_SIZE / 4 - 1]);
  if (r == 0) {
    p[1] = 0xfeed0001u;
    pid = fork();
    if (pid < 0) r = failed("the second fork failed (error %d)", -pid);
    else if (pid == 0) {
      exit(p[1] == 0xfeed0001u ? 0 : 1);
    } else if (reap(pid, 0, "second child (the parent's write unseen?)")) r = 1;
  }
  int u = unmap(v, PAGE_SIZE);
  return r ? r : u;
}

static int t_inherit(void) {
  if (load_readme()) return 1;
  unsigned len = (unsigned)readme_len;
  unsigned char *p = map_file("README", O_RDONLY, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
  if (!p) return 1;
  mark(p, "parent");
  int pid = fork();
  if (pid < 0) {
    munmap(p, len);
    return failed("fork failed (error %d)", -pid);
  }
  if (pid == 0) {
    if (memcmp(p, "parent", 6) != 0 || memcmp(p + 6, readme + 6, len - 6) != 0) exit(1);
    memset(p, 'c', len);
    exit(p[0] == 'c' && p[len - 1] == 'c' ? 0 : 2);
  }
  int r = reap(pid, 0, "child (1: it saw other bytes than the parent's, 2: its write did not stick)");
  if (r == 0) r = same(p, (const unsigned char *)"parent", 6, "the parent's mapping after the child");
  if (r == 0) r = same(p + 6, readme + 6, len - 6, "the parent's mapping after the child");
  int u = unmap(p, len);
  return r ? r : u;
}

static int t_mprotect(void) {
  void *v = mmap((void *)FREE_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (MMAP_FAILED(v)) return failed("mmap at 0x%08x failed (error %d)", FREE_VA, MMAP_ERR(v));
  if ((unsigned)v != FREE_VA) return failed("MAP_FIXED mmap at 0x%08x returned %p", FREE_VA, v);
  volatile unsigned *p = v, *q = p + PAGE_SIZE / 4;
  p[0] = 0x11111111u;
  q[0] = 0x22222222u;
  int r = 0, s = mprotect(v, PAGE_SIZE, PROT_READ);
  if (s) r = failed("mprotect PROT_READ failed (error %d)", -s);
  if (r == 0) {
    int pid = fork();
    if (pid < 0) r = failed("fork failed (error %d)", -pid);
    else if (pid == 0) {
      p[0] = 0x33333333u; /* the kernel kills us here */
      exit(0);
    } else {
      r = reap(pid, -1, "child that wrote the read-only page");
    }
  }
  if (r == 0 && p[0] != 0x11111111u) r = failed("the read-only page reads 0x%08x", p[0]);
  if (r == 0) {
    q[0] = 0x44444444u;
    if (q[0] != 0x44444444u) r = failed("the page left writable reads 0x%08x after a write", q[0]);
  }
  if (r == 0 && (s = mprotect(v, PAGE_SIZE, PROT_READ | PROT_WRITE)) != 0) r = failed("mprotect RW failed (error %d)", -s);
  if (r == 0) {
    p[0] = 0x55555555u;
    if (p[0] != 0x55555555u) r = failed("the page made writable again reads 0x%08x after a write", p[0]);
  }
  int u = unmap(v, 2 * PAGE_SIZE);
  return r ? r : u;
}

/* ---- bad input: each call must fail with exactly `want` ---- */

/* 0 when p is the error -want; else 1 (and a mapping that was made is unmapped). */
static int expect_err(void *p, int want, unsigned len, const char *what) {
  if (MMAP_FAILED(p) && MMAP_ERR(p) == want) return 0;
  if (MMAP_FAILED(p)) return failed("%s: error %d, not %d", what, MMAP_ERR(p), want);
  munmap(p, len);
  return failed("%s: mapped at %p, not error %d", what, p, want);
}

static int t_badfd(void) {
  if (expect_err(mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 99, 0), EBADF, PAGE_SIZE, "fd 99")) return 1;
  if (expect_err(mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 1, 0), EBADF, PAGE_SIZE, "fd 1 (the console)")) return 1;
  if (expect_err(mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, -1, 0), EBADF, PAGE_SIZE, "fd -1 without MAP_ANONYMOUS")) return 1;
  int fd = open("README", O_RDONLY);
  if (fd < 0) return failed("open(README) failed (error %d)", -fd);
  close(fd);
  return expect_err(mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0), EBADF, PAGE_SIZE, "a closed fd");
}

/* Maps README at `addr` with MAP_FIXED (one page, read-only): expects -EINVAL. */
static int fixed_einval(unsigned addr, const char *what) {
  int fd = open("README", O_RDONLY);
  if (fd < 0) return failed("open(README) failed (error %d)", -fd);
  void *p = mmap((void *)addr, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  close(fd);
  return expect_err(p, EINVAL, PAGE_SIZE, what);
}

static int t_null(void) { return fixed_einval(0, "MAP_FIXED at 0"); }

static int t_zero(void) {
  int fd = open("README", O_RDONLY);
  if (fd < 0) return failed("open(README) failed (error %d)", -fd);
  void *p = mmap(0, 0, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (expect_err(p, EINVAL, 0, "a file, length 0")) return 1;
  return expect_err(mmap(0, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL, 0, "anonymous, length 0");
}

static int t_misalign(void) {
  if (fixed_einval(FREE_VA + 0x123, "MAP_FIXED at 0x50000123")) return 1;
  int fd = open("mmap-data", O_RDONLY);
  if (fd < 0) return failed("open(mmap-data) failed (error %d)", -fd);
  void *p = mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 100);
  close(fd);
  return expect_err(p, EINVAL, PAGE_SIZE, "offset 100");
}

static int t_over_code(void) {
  if (fixed_einval(0x08048000u, "MAP_FIXED at the text, 0x08048000")) return 1;
  /* The text is still there: this very function still runs, and the ELF header that the text
   * segment starts with (-z noseparate-code) is intact. */
  unsigned char first = *(volatile unsigned char *)0x08048000u;
  return first == 0x7f ? 0 : failed("the first byte of the text is 0x%02x after the attempt, not 0x7f", first);
}

static int initialised = 0x1234567;  /* .data */
static int uninitialised;            /* .bss */

static int t_over_data(void) {
  uninitialised = 0x7654321;
  if (fixed_einval((unsigned)&initialised & ~(PAGE_SIZE - 1), "MAP_FIXED over the page of a .data variable")) return 1;
  if (fixed_einval((unsigned)&uninitialised & ~(PAGE_SIZE - 1), "MAP_FIXED over the page of a .bss variable")) return 1;
  if (initialised != 0x1234567 || uninitialised != 0x7654321) return failed("the variables changed");
  return 0;
}

static int t_over_stack(void) {
  volatile int local = 0x5eed;
  if (fixed_einval((unsigned)&local & ~(PAGE_SIZE - 1), "MAP_FIXED over the page of a local variable")) return 1;
  return local == 0x5eed ? 0 : failed("the local variable changed");
}

static void *anon_fixed(unsigned addr, unsigned pages) {
  return mmap((void *)addr, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static int t_overlap(void) {
  void *a = anon_fixed(OVERLAP_VA, 2);
  if (MMAP_FAILED(a)) return failed("2 pages at 0x%08x: error %d", OVERLAP_VA, MMAP_ERR(a));
  if ((unsigned)a != OVERLAP_VA) return failed("MAP_FIXED mmap at 0x%08x returned %p", OVERLAP_VA, a);
  volatile unsigned *p = a;
  p[0] = 0xabcd0000u;
  p[PAGE_SIZE / 4] = 0xabcd0001u;
  int r = expect_err(anon_fixed(OVERLAP_VA + PAGE_SIZE, 1), EINVAL, PAGE_SIZE, "1 page at 0x40001000");
  if (r == 0) r = expect_err(anon_fixed(OVERLAP_VA - PAGE_SIZE, 2), EINVAL, 2 * PAGE_SIZE, "2 pages at 0x3ffff000");
  if (r == 0) {
    void *b = anon_fixed(OVERLAP_VA + 2 * PAGE_SIZE, 1);
    if (MMAP_FAILED(b)) r = failed("1 page at 0x40002000 (adjacent): error %d", MMAP_ERR(b));
    else if ((unsigned)b != OVERLAP_VA + 2 * PAGE_SIZE) r = failed("MAP_FIXED mmap at 0x40002000 returned %p", b);
    else r = unmap(b, PAGE_SIZE);
  }
  if (r == 0 && (p[0] != 0xabcd0000u || p[PAGE_SIZE / 4] != 0xabcd0001u)) r = failed("the first mapping's words changed");
  int u = unmap(a, 2 * PAGE_SIZE);
  return r ? r : u;
}

static int t_rdonly_shared(void) {
  int fd = open("README", O_RDONLY);
  if (fd < 0) return failed("open(README) failed (error %d)", -fd);
  void *p = mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int r = expect_err(p, EACCES, PAGE_SIZE, "MAP_SHARED PROT_WRITE of a file opened O_RDONLY");
  if (r == 0) {
    p = mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (MMAP_FAILED(p)) r = failed("MAP_SHARED PROT_READ of a file opened O_RDONLY: error %d", MMAP_ERR(p));
    else r = unmap(p, PAGE_SIZE);
  }
  close(fd);
  return r;
}

/* ---- main ---- */

static const struct subtest tests[] = {
    {"read", t_read},          {"write", t_write},
    {"close", t_close},        {"unmap", t_unmap},
    {"twice", t_twice},        {"exit", t_exit},
    {"shuffle", t_shuffle},    {"clean", t_clean},
    {"private", t_private},    {"anon", t_anon},
    {"shared-anon", t_shared_anon}, {"inherit", t_inherit},
    {"mprotect", t_mprotect},  {"badfd", t_badfd},
    {"null", t_null},          {"zero", t_zero},
    {"misalign", t_misalign},  {"over-code", t_over_code},
    {"over-data", t_over_data}, {"over-stack", t_over_stack},
    {"overlap", t_overlap},    {"rdonly-shared", t_rdonly_shared},
};

/* mmaptest mark TEXT: TEXT at the start of mmap-data, through MAP_SHARED, kept. */
static int mark_file(const char *text, unsigned ms) {
  int fd = open("mmap-data", O_RDWR);
  if (fd < 0) { dprintf(2, "mmaptest mark: open failed (error %d)\n", -fd); return 1; }
  unsigned char *p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (MMAP_FAILED(p)) { dprintf(2, "mmaptest mark: mmap failed (error %d)\n", MMAP_ERR(p)); return 1; }
  memcpy(p, text, strlen(text));
  if (ms > 0) sleep(ms);
  if (munmap(p, PAGE_SIZE) != 0) { dprintf(2, "mmaptest mark: munmap failed\n"); return 1; }
  printf("mmaptest mark: %u bytes written to mmap-data\n", (unsigned)strlen(text));
  return 0;
}

int main(int argc, char **argv) {
  if ((argc == 3 || argc == 4) && strcmp(argv[1], "mark") == 0) return mark_file(argv[2], argc == 4 ? (unsigned)atoi(argv[3]) : 0);
  const char *which = argc == 2 ? argv[1] : "";
  int bad = run_subtests("mmaptest", tests, sizeof tests / sizeof tests[0], which);
  if (bad < 0) {
    dprintf(2, "usage: mmaptest NAME|all (read write close unmap twice exit shuffle clean private anon shared-anon "
               "inherit mprotect badfd null zero misalign over-code over-data over-stack overlap rdonly-shared)\n");
    return 2;
  }
  return bad ? 1 : 0;
}
