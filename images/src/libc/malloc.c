/* malloc over sbrk: K&R's allocator made first-fit over an address-ordered free list.
 *
 * Every block starts with an 8-byte header: its size in bytes (header included, a multiple of 8)
 * and, while the block is free, the next free block; while it is in use, the word USED instead,
 * which lets free() refuse a pointer it did not hand out or one freed twice. Keeping the list in
 * address order makes coalescing a look at the two list neighbours: a freed block merges with the
 * free block that ends where it starts and with the one that starts where it ends.
 *
 *   free_list -> [size|next] .... [size|next] .... [size|NULL]      (ascending addresses)
 */
#include "stdlib.h"
#include "stdio.h"
#include "string.h"
#include "unistd.h"

struct block {
  size_t size;           /* bytes, this header included */
  struct block *next;    /* next free block by address, or USED */
};

#define HDR sizeof(struct block)
#define MIN_BLOCK 16u                    /* a header and 8 bytes: what a split must leave */
#define GROW_MIN (16u * PAGE_SIZE)       /* sbrk in steps of at least this, to call it rarely */
#define USED ((struct block *)0xA110C8EDu)

static struct block *free_list;
static char *heap_lo, *heap_hi;          /* span of the memory sbrk gave us */
static unsigned arena, used_blocks;

__attribute__((noreturn)) static void corrupt(const char *what, void *p) {
  dprintf(2, "malloc: %s %p\n", what, p);
  exit(134);
}

static struct block *after(struct block *b) { return (struct block *)((char *)b + b->size); }

/* Puts a free block into the list in address order, merging it with its neighbours. */
static void insert_free(struct block *b) {
  struct block *prev = NULL, *next = free_list;
  while (next && next < b) prev = next, next = next->next;
  if (next && after(b) == next) {
    b->size += next->size;
    b->next = next->next;
  } else {
    b->next = next;
  }
  if (prev && after(prev) == b) {
    prev->size += b->size;
    prev->next = b->next;
  } else if (prev) {
    prev->next = b;
  } else {
    free_list = b;
  }
}

static int grow(size_t need) {
  char *cur = sbrk(0);
  if (cur == (void *)-1) return 0;
  if ((unsigned)cur & 7) {                  /* payloads are 8-byte aligned, so blocks must be */
    if (sbrk(8 - ((unsigned)cur & 7)) == (void *)-1) return 0;
  }
  size_t chunk = need < GROW_MIN ? GROW_MIN : (need + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  char *p = sbrk((int)chunk);
  if (p == (void *)-1) return 0;
  if (!heap_lo || p < heap_lo) heap_lo = p;
  if (p + chunk > heap_hi) heap_hi = p + chunk;
  arena += chunk;
  struct block *b = (struct block *)p;
  b->size = chunk;
  insert_free(b);                           /* merges with the last free block if sbrk was contiguous */
  return 1;
}

/* Block size for a request of n bytes; 0 when n is too large to represent. */
static size_t block_size(size_t n) {
  if (n > 0x7fff0000u) return 0;
  size_t need = ((n + 7) & ~(size_t)7) + HDR;
  return need < MIN_BLOCK ? MIN_BLOCK : need;
}

/* Cuts b down to `need` bytes and frees the tail, when the tail can be a block of its own. */
static void trim(struct block *b, size_t need) {
  if (b->size - need < MIN_BLOCK) return;
  struct block *tail = (struct block *)((char *)b + need);
  tail->size = b->size - need;
  b->size = need;
  insert_free(tail);
}

void *malloc(size_t n) {
  size_t need = block_size(n);
  if (!need) return NULL;
  for (int tries = 0; tries < 2; tries++) {
    struct block *prev = NULL;
    for (struct block *b = free_list; b; prev = b, b = b->next) {
      if (b->size < need) continue;
      if (b->size - need >= MIN_BLOCK) {    /* split: the front is ours, the rest stays free */
        struct block *rest = (struct block *)((char *)b + need);
        rest->size = b->size - need;
        rest->next = b->next;
        b->size = need;
        if (prev) prev->next = rest; else free_list = rest;
      } else {
        if (prev) prev->next = b->next; else free_list = b->next;
      }
      b->next = USED;
      used_blocks++;
      return b + 1;
    }
    if (!grow(need)) return NULL;
  }
  return NULL;
}

static struct block *header_of(void *p, const char *who) {
  struct block *b = (struct block *)p - 1;
  if (((unsigned)p & 7) || (char *)b < heap_lo || (char *)p >= heap_hi || b->next != USED)
    corrupt(who, p);
  return b;
}

void free(void *p) {
  if (!p) return;
  struct block *b = header_of(p, "free() of a pointer malloc did not hand out, or a double free:");
  used_blocks--;
  insert_free(b);
}

void *calloc(size_t count, size_t size) {
  if (size && count > 0xffffffffu / size) return NULL;
  void *p = malloc(count * size);
  if (p) memset(p, 0, count * size);   /* recycled blocks hold old data; only fresh pages read 0 */
  return p;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  if (n == 0) {
    free(p);
    return NULL;
  }
  struct block *b = header_of(p, "realloc() of a pointer malloc did not hand out:");
  size_t need = block_size(n);
  if (!need) return NULL;
  if (b->size < need) {                     /* grow in place into a free block right after it */
    struct block *prev = NULL, *next = free_list;
    while (next && next < b) prev = next, next = next->next;
    if (next && after(b) == next && b->size + next->size >= need) {
      if (prev) prev->next = next->next; else free_list = next->next;
      b->size += next->size;
    }
  }
  if (b->size >= need) {
    trim(b, need);
    return p;
  }
  void *q = malloc(n);
  if (!q) return NULL;
  memcpy(q, p, b->size - HDR);
  free(p);
  return q;
}

struct mallinfo mallinfo(void) {
  struct mallinfo m = {arena, used_blocks, arena, 0, 0, 0};
  for (struct block *b = free_list; b; b = b->next) {
    m.free_blocks++;
    m.free_bytes += b->size;
    if (b->size > m.largest_free) m.largest_free = b->size;
  }
  m.used_bytes = arena - m.free_bytes;
  return m;
}
