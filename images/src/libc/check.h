/* What the self-checking programs with subtests share (cowtest, mmaptest, shmtest): the reason the
 * last subtest failed, and reading a whole file. In a file of its own (check.c), linked only into
 * the programs that call it. */
#ifndef CHECK_H
#define CHECK_H

/* Why the subtest that just ran failed (empty when it passed): main prints it in FAILED (...). */
extern char why[200];

/* Sets `why` from a printf format and returns 1 (a subtest's failure: `return failed(...)`). */
int failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads file `name` of the program disk to its end into buf, at most `max` bytes: its length, or a
 * negative error. */
int read_file(const char *name, unsigned char *buf, unsigned max);

#endif
