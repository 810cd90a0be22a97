/* Memory mappings and shared memory (syscalls.c): mmap of program-disk files and anonymous memory,
 * and System V shared-memory segments. The constants are Linux's, as kernel/abi.ts PROT, MAP, MS,
 * O and IPC have them.
 *
 * Like every wrapper here, these return what the kernel left in EAX. mmap and shmat return an
 * address, or a negative errno disguised as one: test with MMAP_FAILED(p), read the error with
 * MMAP_ERR(p) (an address is below 0xC0000000, so only the last 4095 values are errors). */
#ifndef MMAN_H
#define MMAN_H

#include <stddef.h>
#include "syscall.h"

/* mmap's and mprotect's prot */
#define PROT_NONE  0
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4

/* mmap's flags: exactly one of MAP_SHARED and MAP_PRIVATE, with MAP_FIXED and MAP_ANONYMOUS */
#define MAP_SHARED    0x01  /* writes reach the file (on msync, munmap, exit) and every other mapping */
#define MAP_PRIVATE   0x02  /* copy-on-write: writes stay in this process */
#define MAP_FIXED     0x10  /* at addr exactly (page aligned, overlapping nothing), not near it */
#define MAP_ANONYMOUS 0x20  /* zero-filled memory, no file (fd -1) */

/* msync's flags */
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

/* open's flags */
#define O_RDONLY 0
#define O_RDWR   2

/* shmget's key and flags, shmctl's command */
#define IPC_PRIVATE 0       /* a new segment no other key names */
#define IPC_CREAT   01000   /* create the segment when the key has none */
#define IPC_EXCL    02000   /* with IPC_CREAT: fail (-EEXIST) when the key has one */
#define IPC_RMID    0       /* remove: the key goes now, the segment when its last attachment does */

#define MMAP_FAILED(p) ((unsigned)(p) >= (unsigned)-4095)
#define MMAP_ERR(p) (-(int)(p))

/* off must be a multiple of 4096 (the kernel takes it in pages): otherwise (void *)-EINVAL, with
 * no system call. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, unsigned off);
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
int msync(void *addr, size_t len, int flags);
int sync(void);

int shmget(int key, size_t size, int flags);          /* the segment's id */
void *shmat(int id, const void *addr, int flags);     /* its address (addr 0: the kernel picks) */
int shmdt(const void *addr);
int shmctl(int id, int cmd, void *buf);               /* IPC_RMID only; buf 0 */

#endif
