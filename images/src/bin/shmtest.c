/* shmtest [fork|named|rmid|all] and shmtest writer|reader KEY: System V shared memory (shmget,
 * shmat, shmdt, shmctl IPC_RMID).
 *
 *   fork    shmget(IPC_PRIVATE, 3 pages, IPC_CREAT), shmat: zero-filled; fork; the child writes a
 *           pattern into all three pages and exits; the parent sees it; shmdt; shmctl IPC_RMID.
 *   named   two unrelated processes on one key: a child execs `shmtest writer 4242` and this
 *           process is its reader (below); then it waits for the writer, which must exit 0.
 *   rmid    key 4243: IPC_CREAT|IPC_EXCL makes it, a second IPC_CREAT|IPC_EXCL gets -EEXIST, a
 *           plain shmget finds the same id; after IPC_RMID the key is gone (shmget without
 *           IPC_CREAT: -ENOENT) but the attachment works until shmdt; a second shmdt of the
 *           address: -EINVAL; shmat and shmctl of a bad id: -EINVAL.
 *   all     fork, named, rmid (the default).
 *
 *   keep KEY PAGES   creates KEY's segment of PAGES pages, writes a word in each, detaches and
 *                    exits: the segment stays (System V), attached by no one.
 *   check KEY PAGES  attaches it again, checks every page's word, detaches and removes it. Between
 *                    the two, memory pressure may send the idle segment's pages to swap.
 *
 *   writer KEY  creates the segment of KEY (IPC_CREAT, 2 pages), writes a message and a pattern,
 *               sets the ready word, then polls (sleeping 10 ms between looks, 5 s at most) for the
 *               reader's flag word; detaches, removes the segment and prints "shmtest writer: ok".
 *   reader KEY  finds KEY's segment with shmget(KEY, 2 pages, 0) (retrying while it is -ENOENT:
 *               the writer may not have run yet), attaches it, waits for the ready word, checks the
 *               message and the pattern, sets the flag word, detaches; prints "shmtest reader: ok".
 *
 * One line per subtest or role: "shmtest NAME: ok" or "shmtest NAME: FAILED (what)". Exit status 0
 * when all that ran passed, 1 when one failed, 2 for a bad argument. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mman.h"
#include "check.h"

#define WORDS (PAGE_SIZE / 4)
#define NAMED_KEY 4242
#define RMID_KEY 4243
#define NAMED_PAGES 2
#define POLL_MS 10
#define POLLS 500          /* 5 s */

/* Attaches segment `id` anywhere: its address, or 0 with why set. */
static unsigned *attach(int id) {
  void *p = shmat(id, 0, 0);
  if (MMAP_FAILED(p)) {
    failed("shmat of id %d failed (error %d)", id, MMAP_ERR(p));
    return 0;
  }
  if ((unsigned)p & (PAGE_SIZE - 1)) {
    shmdt(p);
    failed("shmat returned %p, not page aligned", p);
    return 0;
  }
  return p;
}

static int detach(const void *p) {
  int r = shmdt(p);
  return r ? failed("shmdt(%p) failed (error %d)", p, -r) : 0;
}

static int remove_id(int id) {
  int r = shmctl(id, IPC_RMID, 0);
  return r ? failed("shmctl(%d, IPC_RMID) failed (error %d)", id, -r) : 0;
}

/* ---- fork ---- */

#define FORK_PAGES 3
#define FORK_SEED 0x5f0c0000u

static int t_fork(void) {
  int id = shmget(IPC_PRIVATE, FORK_PAGES * PAGE_SIZE, IPC_CREAT);
  if (id < 0) return failed("shmget(IPC_PRIVATE, %u pages, IPC_CREAT) failed (error %d)", FORK_PAGES, -id);
  volatile unsigned *p = attach(id);
  if (!p) {
    remove_id(id);
    return 1;
  }
  int r = 0;
  for (unsigned i = 0; r == 0 && i < FORK_PAGES * WORDS; i++)
    if (p[i]) r = failed("word %u of the new segment is 0x%08x, not 0", i, p[i]);
  int pid = r ? 0 : fork();
  if (r == 0 && pid < 0) r = failed("fork failed (error %d)", -pid);
  if (r == 0 && pid == 0) {
    for (unsigned i = 0; i < FORK_PAGES * WORDS; i++) p[i] = FORK_SEED + i;
    exit(0);
  }
  if (r == 0) {
    int status = 12345, got = wait(&status);
    if (got != pid || status != 0) r = failed("wait gave pid %d status %d, not the child's %d and 0", got, status, pid);
  }
  for (unsigned i = 0; r == 0 && i < FORK_PAGES * WORDS; i++)
    if (p[i] != FORK_SEED + i) r = failed("the parent reads 0x%08x at word %u, not the child's 0x%08x", p[i], i, FORK_SEED + i);
  int d = detach((const void *)p);
  if (r == 0) r = d;
  d = remove_id(id);
  return r ? r : d;
}

/* ---- named: writer and reader ---- */

/* The segment: a ready word (the writer's), a flag word (the reader's), the message, and in the
 * second page a pattern. */
#define READY 0x52454459u  /* "READY" */
#define SEEN 0x5345454eu   /* "SEEN" */
#define MSG_AT 16
static const char message[] = "hello through shared memory";
#define PATTERN(i) (0xabc00000u + (i) * 3u)

static int writer(int key) {
  int id = shmget(key, NAMED_PAGES * PAGE_SIZE, IPC_CREAT);
  if (id < 0) return failed("shmget(%d, IPC_CREAT) failed (error %d)", key, -id);
  volatile unsigned *p = attach(id);
  if (!p) {
    remove_id(id);
    return 1;
  }
  memcpy((char *)p + MSG_AT, message, sizeof message);
  for (unsigned i = 0; i < WORDS; i++) p[WORDS + i] = PATTERN(i);
  p[0] = READY; /* last: the reader checks the rest once it sees this */
  int r = 0;
  unsigned polls = 0;
  while (p[1] != SEEN && polls++ < POLLS) sleep(POLL_MS);
  if (p[1] != SEEN) r = failed("no reader set the flag word within %u ms", POLLS * POLL_MS);
  int d = detach((const void *)p);
  if (r == 0) r = d;
  d = remove_id(id);
  return r ? r : d;
}

static int reader(int key) {
  int id = -ENOENT;
  for (unsigned polls = 0; id == -ENOENT && polls < POLLS; polls++) {
    id = shmget(key, NAMED_PAGES * PAGE_SIZE, 0);
    if (id == -ENOENT) sleep(POLL_MS);
  }
  if (id < 0) return failed("shmget(%d, 0) failed (error %d)", key, -id);
  volatile unsigned *p = attach(id);
  if (!p) return 1;
  unsigned polls = 0;
  while (p[0] != READY && polls++ < POLLS) sleep(POLL_MS);
  int r = 0;
  if (p[0] != READY) r = failed("the ready word is 0x%08x after %u ms", p[0], POLLS * POLL_MS);
  if (r == 0 && memcmp((const char *)p + MSG_AT, message, sizeof message) != 0)
    r = failed("the message reads \"%.40s\"", (const char *)p + MSG_AT);
  for (unsigned i = 0; r == 0 && i < WORDS; i++)
    if (p[WORDS + i] != PATTERN(i)) r = failed("word %u of the second page is 0x%08x, not 0x%08x", i, p[WORDS + i], PATTERN(i));
  if (r == 0) p[1] = SEEN;
  int d = detach((const void *)p);
  return r ? r : d;
}

static int t_named(void) {
  char keytext[16];
  snprintf(keytext, sizeof keytext, "%d", NAMED_KEY);
  char *args[] = {"shmtest", "writer", keytext, 0};
  int pid = fork();
  if (pid < 0) return failed("fork failed (error %d)", -pid);
  if (pid == 0) {
    int e = exec("shmtest", args);
    printf("shmtest writer: FAILED (exec failed (error %d))\n", -e);
    exit(1);
  }
  int r = reader(NAMED_KEY);
  int status = 12345, got = wait(&status);
  if (r == 0 && (got != pid || status != 0)) r = failed("wait gave pid %d status %d, not the writer's %d and 0", got, status, pid);
  return r;
}

/* ---- rmid and the errors ---- */

static int t_rmid(void) {
  int id = shmget(RMID_KEY, PAGE_SIZE, IPC_CREAT | IPC_EXCL);
  if (id < 0) return failed("shmget(%d, IPC_CREAT|IPC_EXCL) of a new key failed (error %d)", RMID_KEY, -id);
  int r = 0, e = shmget(RMID_KEY, PAGE_SIZE, IPC_CREAT | IPC_EXCL);
  if (e != -EEXIST) r = failed("IPC_CREAT|IPC_EXCL of an existing key gave %d, not %d", e, -EEXIST);
  if (r == 0 && (e = shmget(RMID_KEY, PAGE_SIZE, 0)) != id) r = failed("shmget(%d, 0) gave %d, not the id %d", RMID_KEY, e, id);
  volatile unsigned *p = r ? 0 : attach(id);
  if (r == 0 && !p) r = 1;
  if (r) {
    remove_id(id);
    return 1;
  }
  p[0] = 0x12345678u;
  p[WORDS - 1] = 0x9abcdef0u;
  r = remove_id(id);
  if (r == 0 && (e = shmget(RMID_KEY, PAGE_SIZE, 0)) != -ENOENT)
    r = failed("shmget(%d, 0) after IPC_RMID gave %d, not %d", RMID_KEY, e, -ENOENT);
  if (r == 0 && (p[0] != 0x12345678u || p[WORDS - 1] != 0x9abcdef0u))
    r = failed("after IPC_RMID the attachment reads 0x%08x and 0x%08x", p[0], p[WORDS - 1]);
  if (r == 0) {
    p[1] = 0x0badf00du;
    if (p[1] != 0x0badf00du) r = failed("a write after IPC_RMID reads back 0x%08x", p[1]);
  }
  int d = detach((const void *)p);
  if (r == 0) r = d;
  if (r == 0 && (e = shmdt((const void *)p)) != -EINVAL) r = failed("a second shmdt of %p gave %d, not %d", (void *)p, e, -EINVAL);
  if (r) return 1;
  const int bad[] = {-1, 99999};
  for (unsigned i = 0; i < 2; i++) {
    void *q = shmat(bad[i], 0, 0);
    if (!MMAP_FAILED(q)) {
      shmdt(q);
      return failed("shmat of the bad id %d attached it at %p", bad[i], q);
    }
    if (MMAP_ERR(q) != EINVAL) return failed("shmat of the bad id %d gave error %d, not %d", bad[i], MMAP_ERR(q), EINVAL);
    if ((e = shmctl(bad[i], IPC_RMID, 0)) != -EINVAL) return failed("shmctl(%d, IPC_RMID) gave %d, not %d", bad[i], e, -EINVAL);
  }
  return 0;
}

/* ---- main ---- */

static const struct subtest tests[] = {{"fork", t_fork}, {"named", t_named}, {"rmid", t_rmid}};

static int usage(void) {
  dprintf(2, "usage: shmtest [fork|named|rmid|all], shmtest writer|reader KEY, shmtest keep|check KEY PAGES\n");
  return 2;
}

/* keep/check: one word in each of PAGES pages of KEY's segment, from the page's index and the key. */
static unsigned keep_word(unsigned key, unsigned i) { return (key * 2654435761u) ^ (i * 40503u) ^ 0x5a5a5a5au; }

static int keep_or_check(int check, unsigned key, unsigned pages) {
  int id = shmget((int)key, pages * PAGE_SIZE, check ? 0 : IPC_CREAT | IPC_EXCL);
  if (id < 0) return failed("shmget(%u, %u pages): error %d", key, pages, -id);
  unsigned *p = shmat(id, NULL, 0);
  if (MMAP_FAILED(p)) return failed("shmat: error %d", MMAP_ERR(p));
  unsigned bad = 0;
  for (unsigned i = 0; i < pages; i++) {
    if (!check) p[i * WORDS] = keep_word(key, i);
    else if (p[i * WORDS] != keep_word(key, i)) bad++;
  }
  if (shmdt(p) != 0) return failed("shmdt failed");
  if (bad != 0) return failed("%u of %u pages lost their word", bad, pages);
  if (check && shmctl(id, IPC_RMID, NULL) != 0) return failed("shmctl IPC_RMID failed");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && (strcmp(argv[1], "keep") == 0 || strcmp(argv[1], "check") == 0)) {
    unsigned key, pages;
    if (parse_decimal(argv[2], 1, 0x7fffffff, &key) != 0 || parse_decimal(argv[3], 1, 4096, &pages) != 0) return usage();
    return report("shmtest", argv[1], keep_or_check(argv[1][0] == 'c', key, pages));
  }
  if (argc == 3) {
    unsigned key;
    if (parse_decimal(argv[2], 1, 0x7fffffff, &key) != 0) return usage();
    if (strcmp(argv[1], "writer") == 0) return report("shmtest", "writer", writer((int)key));
    if (strcmp(argv[1], "reader") == 0) return report("shmtest", "reader", reader((int)key));
    return usage();
  }
  if (argc > 2) return usage();
  int bad = run_subtests("shmtest", tests, sizeof tests / sizeof tests[0], argc == 2 ? argv[1] : "all");
  if (bad < 0) return usage();
  return bad ? 1 : 0;
}
