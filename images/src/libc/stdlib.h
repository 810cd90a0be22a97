#ifndef STDLIB_H
#define STDLIB_H

#include <stddef.h>

__attribute__((noreturn)) void exit(int status);

int atoi(const char *s);
unsigned long strtoul(const char *s, char **end, int base);
/* A whole decimal argument in [lo, hi] into *out: 0, or -1 (empty, not all digits, out of range). */
int parse_decimal(const char *s, unsigned lo, unsigned hi, unsigned *out);
/* decimal-arg.c: a whole decimal argument in [lo, hi]; otherwise usage() is called (it prints the
 * program's usage line and exits 2). */
unsigned decimal_arg(const char *s, unsigned lo, unsigned hi, void (*usage)(void));

/* malloc.c: a first-fit, address-ordered free list over sbrk; freed blocks merge with their
 * free neighbours. Payloads are 8-byte aligned. */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);

/* What the allocator holds, for programs that check it (mstress). Bytes include block headers. */
struct mallinfo {
  unsigned arena;        /* bytes taken from sbrk */
  unsigned used_blocks;
  unsigned used_bytes;
  unsigned free_blocks;
  unsigned free_bytes;
  unsigned largest_free;
};
struct mallinfo mallinfo(void);

/* A deterministic xorshift32 generator: the same seed gives the same numbers on every run. */
#define RAND_MAX 0x7fffffff
void srand(unsigned seed);
int rand(void);

#endif
