/* printf and friends over one formatter that emits into a bounded buffer. When the buffer fills,
 * `flush` (printf: a write() to the fd; snprintf: nothing, the rest is counted and dropped) runs. */
#include "stdio.h"
#include "string.h"
#include "unistd.h"

struct out {
  char *buf;
  size_t cap;    /* bytes buf holds */
  size_t len;    /* bytes in buf now */
  int total;     /* bytes the format produced, whether kept or not */
  int fd;        /* where flush writes; -1: nowhere (snprintf) */
};

static void flush(struct out *o) {
  if (o->fd >= 0 && o->len > 0) write(o->fd, o->buf, o->len);
  if (o->fd >= 0) o->len = 0;
}

static void emit(struct out *o, char c) {
  o->total++;
  if (o->len == o->cap) flush(o);
  if (o->len < o->cap) o->buf[o->len++] = c;
}

static void pad(struct out *o, char c, int n) {
  while (n-- > 0) emit(o, c);
}

/* Emits prefix ("-", "0x"), then zeros up to the precision, then the digits, inside `width`. */
static void number(struct out *o, unsigned long v, unsigned base, int upper, const char *prefix,
                   int width, int prec, int left, int zero) {
  char digits[12];
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  while (v > 0) {
    digits[n++] = set[v % base];
    v /= base;
  }
  if (prec < 0) prec = 1;   /* without a precision, 0 still prints as "0" */
  int zeros = prec > n ? prec - n : 0;
  int plen = (int)strlen(prefix);
  int fill = width - plen - zeros - n;
  if (zero && !left && fill > 0) {
    zeros += fill;
    fill = 0;
  }
  if (!left) pad(o, ' ', fill);
  while (*prefix) emit(o, *prefix++);
  pad(o, '0', zeros);
  while (n > 0) emit(o, digits[--n]);
  if (left) pad(o, ' ', fill);
}

static void format(struct out *o, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      emit(o, *fmt);
      continue;
    }
    int left = 0, zero = 0, width = 0, prec = -1;
    for (;; fmt++) {
      if (fmt[1] == '-') left = 1;
      else if (fmt[1] == '0') zero = 1;
      else break;
    }
    fmt++;
    if (*fmt == '*') {
      width = va_arg(ap, int);
      if (width < 0) left = 1, width = -width;
      fmt++;
    } else {
      while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    }
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') {
        prec = va_arg(ap, int);
        fmt++;
      } else {
        while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
      }
    }
    while (*fmt == 'l') fmt++;   /* long is int-sized on i386 */
    if (prec >= 0) zero = 0;       /* as C: a precision turns off the 0 flag for integers */
    switch (*fmt) {
      case 'd':
      case 'i': {
        long v = va_arg(ap, long);
        unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
        number(o, u, 10, 0, v < 0 ? "-" : "", width, prec, left, zero);
        break;
      }
      case 'u': number(o, va_arg(ap, unsigned long), 10, 0, "", width, prec, left, zero); break;
      case 'x': number(o, va_arg(ap, unsigned long), 16, 0, "", width, prec, left, zero); break;
      case 'X': number(o, va_arg(ap, unsigned long), 16, 1, "", width, prec, left, zero); break;
      case 'p': /* addresses in full: 0x0804a000 */
        number(o, (unsigned long)va_arg(ap, void *), 16, 0, "0x", width, 8, left, 0);
        break;
      case 'c': {
        if (!left) pad(o, ' ', width - 1);
        emit(o, (char)va_arg(ap, int));
        if (left) pad(o, ' ', width - 1);
        break;
      }
      case 's': {
        const char *s = va_arg(ap, const char *);
        if (!s) s = "(null)";
        int n = 0;
        while (s[n] && (prec < 0 || n < prec)) n++;
        if (!left) pad(o, ' ', width - n);
        for (int i = 0; i < n; i++) emit(o, s[i]);
        if (left) pad(o, ' ', width - n);
        break;
      }
      case '%': emit(o, '%'); break;
      case 0: return;   /* a lone % at the end */
      default:          /* unknown: print it as written, so the mistake shows */
        emit(o, '%');
        emit(o, *fmt);
    }
  }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = {buf, size > 0 ? size - 1 : 0, 0, 0, -1};
  format(&o, fmt, ap);
  if (size > 0) buf[o.len] = 0;
  return o.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int vdprintf(int fd, const char *fmt, va_list ap) {
  char buf[256];
  struct out o = {buf, sizeof buf, 0, 0, fd};
  format(&o, fmt, ap);
  flush(&o);
  return o.total;
}

int dprintf(int fd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) { return printf("%s\n", s); }

int putchar(int c) {
  unsigned char b = (unsigned char)c;
  return write(1, &b, 1) == 1 ? b : -1;
}
