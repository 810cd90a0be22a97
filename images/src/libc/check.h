/* What the self-checking programs with subtests share (cowtest, mmaptest, shmtest): the reason the
 * last subtest failed, and reading a whole file. In a file of its own (check.c), linked only into
 * the programs that call it. */
#ifndef CHECK_H
#define CHECK_H

/* Why the subtest that just ran failed (empty when it passed): main prints it in FAILED (...). */
extern char why[200];

/* Sets `why` from a printf format and returns 1 (a subtest's failure: `return failed(...)`). */
int failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A subtest: its name on the command line, and its body (0: passed; else failed() said why). */
struct subtest {
  const char *name;
  int (*run)(void);
};

/* One line for a subtest's result `r`: "PROG NAME: ok" or "PROG NAME: FAILED (why)". Returns 0 or 1. */
int report(const char *prog, const char *name, int r);

/* Runs the subtest of `tests` named `which`, or every one in order for "all", each with `why`
 * cleared first and its line printed (report). Returns how many failed, or -1 when none has that
 * name (the caller prints its usage). */
int run_subtests(const char *prog, const struct subtest *tests, unsigned n, const char *which);

/* Reads file `name` of the program disk to its end into buf, at most `max` bytes: its length, or a
 * negative error. */
int read_file(const char *name, unsigned char *buf, unsigned max);

#endif
