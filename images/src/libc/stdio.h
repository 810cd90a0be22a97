#ifndef STDIO_H
#define STDIO_H

#include <stdarg.h>
#include <stddef.h>

/* printf.c. Conversions: %d %i %u %x %X %p %s %c %%, with the flags '-' (left-justify) and '0'
 * (zero pad), a field width (a number or *), a precision for %s and the integers, and the l
 * modifier (long is 32 bits here). printf formats into a buffer on its stack and writes it with
 * as few write() calls as it can, so one printf is usually one write to the console. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

int puts(const char *s);   /* s and a newline, in one write */
int putchar(int c);        /* one write of one byte */

#endif
