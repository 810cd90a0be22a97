/* Number parsing and a deterministic random-number generator. */
#include "stdlib.h"

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

/* Base 0 reads a 0x prefix as hex and a leading 0 as octal. No overflow detection. */
unsigned long strtoul(const char *s, char **end, int base) {
  const char *p = s;
  int neg = 0;
  while (*p == ' ' || *p == '\t' || *p == '\n') p++;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = *p == '0' ? 8 : 10;
  }
  const char *digits = p;
  unsigned long v = 0;
  for (int d; (d = digit_value(*p)) < base; p++) v = v * (unsigned long)base + (unsigned long)d;
  if (end) *end = (char *)(p == digits ? s : p);
  return neg ? -v : v;
}

int atoi(const char *s) { return (int)strtoul(s, NULL, 10); }

int parse_decimal(const char *s, unsigned lo, unsigned hi, unsigned *out) {
  unsigned v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > hi / 10) return -1;
    v = v * 10 + (unsigned)(*s - '0');
  }
  if (v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static unsigned rand_state = 2463534242u;

void srand(unsigned seed) { rand_state = seed ? seed : 2463534242u; /* xorshift's one dead state is 0 */ }

/* Marsaglia's xorshift32 (2003), the top 31 bits. */
int rand(void) {
  unsigned x = rand_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rand_state = x;
  return (int)(x >> 1);
}
