/* limits [OFFSET]: its own segment limits, and what happens at and past them. LSL of the selectors
 * in CS and DS gives each segment's limit (its last valid offset):
 *
 *   limits: cs limit 0x0003ffff, ds limit 0x0003ffff
 *
 * Under --mm segments that is the size of the process's partition, less one. With no argument it
 * then reads the byte at offset ds_limit (the last one inside: `limits: read at limit ok`) and the
 * byte at ds_limit+1, one past: it prints `limits: read past limit` first, and the kernel must kill
 * it there (a general-protection fault), so `limits: still alive` never prints. With OFFSET
 * (decimal or 0x hex) it reads the byte at that offset of DS only, and prints it.
 *
 * Under paging (flat segments: base 0, limit 4 GiB) DS's limit is 0xffffffff: it says
 * `limits: flat segments (paging mode)` and exits 0 without reading anything. Exits 0, 1 when it
 * lives past the limit (or LSL fails), 2 for a bad argument. */
#include <stdio.h>
#include <stdlib.h>

static void usage(void) {
  dprintf(2, "usage: limits [OFFSET]   (OFFSET decimal or 0x hex)\n");
  exit(2);
}

/* LSL: the limit of the segment `sel` names, in bytes less one; 0 when LSL refuses (ZF clear). */
static int limit_of(unsigned sel, unsigned *limit) {
  unsigned lim = 0;
  unsigned char ok;
  __asm__ volatile("lsl %2, %0\n\tsetz %1" : "+r"(lim), "=q"(ok) : "r"(sel) : "cc");
  *limit = lim;
  return ok;
}

/* The byte at `offset` of DS: the address in EAX, EBX, ECX or EDX ("q"), never EBP or ESP, whose
 * default segment is SS (the same limit under --mm segments, but DS is the one we mean). */
static unsigned char read_ds(unsigned offset) {
  unsigned char b;
  __asm__ volatile("movb (%1), %0" : "=q"(b) : "q"(offset) : "memory");
  return b;
}

int main(int argc, char **argv) {
  if (argc > 2) usage();
  unsigned offset = 0;
  if (argc == 2) {
    const char *s = argv[1];
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      char *end;
      offset = (unsigned)strtoul(s + 2, &end, 16);
      if (end == s + 2 || *end) usage();
    } else {
      offset = decimal_arg(s, 0, 4000000000u, usage);
    }
  }

  unsigned cs, ds, cs_limit, ds_limit;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  __asm__ volatile("mov %%ds, %0" : "=r"(ds));
  cs &= 0xffff; /* a 32-bit MOV from a segment register leaves the high half undefined on the 386 */
  ds &= 0xffff;
  if (!limit_of(cs, &cs_limit) || !limit_of(ds, &ds_limit)) {
    printf("limits: LSL refused selector cs 0x%x or ds 0x%x\n", cs, ds);
    return 1;
  }
  printf("limits: cs limit 0x%08x, ds limit 0x%08x\n", cs_limit, ds_limit);
  if (ds_limit == 0xffffffffu) {
    printf("limits: flat segments (paging mode)\n");
    return 0;
  }

  if (argc == 2) {
    if (offset > ds_limit) printf("limits: read past limit\n");
    unsigned char b = read_ds(offset);
    printf("limits: byte at 0x%x is 0x%02x\n", offset, b);
    if (offset > ds_limit) {
      printf("limits: still alive\n");
      return 1;
    }
    return 0;
  }
  read_ds(ds_limit);
  printf("limits: read at limit ok\n");
  printf("limits: read past limit\n");
  read_ds(ds_limit + 1);
  printf("limits: still alive\n");
  return 1;
}
