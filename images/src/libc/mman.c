/* The memory-mapping and shared-memory system calls (mman.h). An object of its own in libc.a:
 * programs that do not call them do not link it (nor grow by it). */
#include "mman.h"
#include "sys.h"
#include "unistd.h"

/* mmap has six arguments, the sixth in EBP, which gcc may be using as the frame pointer and will
 * not hand to an asm statement. So this one is a plain function in assembly, whatever the
 * optimisation level: __sys6(n, a, b, c, d, e, f) with the seven values on the stack (cdecl),
 * saving the four callee-saved registers it loads. */
int __sys6(int n, int a, int b, int c, int d, int e, int f);
__asm__(
    "        .pushsection .text\n"
    "        .globl  __sys6\n"
    "        .type   __sys6, @function\n"
    "__sys6:\n"
    "        pushl   %ebp\n"
    "        pushl   %edi\n"
    "        pushl   %esi\n"
    "        pushl   %ebx\n"
    "        movl    20(%esp), %eax\n"   /* n: past the 4 saved registers and the return address */
    "        movl    24(%esp), %ebx\n"
    "        movl    28(%esp), %ecx\n"
    "        movl    32(%esp), %edx\n"
    "        movl    36(%esp), %esi\n"
    "        movl    40(%esp), %edi\n"
    "        movl    44(%esp), %ebp\n"
    "        int     $0x80\n"
    "        popl    %ebx\n"
    "        popl    %esi\n"
    "        popl    %edi\n"
    "        popl    %ebp\n"
    "        ret\n"
    "        .size   __sys6, . - __sys6\n"
    "        .popsection\n");

void *mmap(void *addr, size_t len, int prot, int flags, int fd, unsigned off) {
  if (off & (PAGE_SIZE - 1)) return (void *)-EINVAL;   /* the kernel takes whole pages (mmap2) */
  return (void *)__sys6(SYS_mmap, (int)addr, (int)len, prot, flags, fd, (int)(off / PAGE_SIZE));
}

int munmap(void *addr, size_t len) { return sys2(SYS_munmap, (int)addr, (int)len); }
int mprotect(void *addr, size_t len, int prot) { return sys3(SYS_mprotect, (int)addr, (int)len, prot); }
int msync(void *addr, size_t len, int flags) { return sys3(SYS_msync, (int)addr, (int)len, flags); }
int sync(void) { return sys0(SYS_sync); }
int shmget(int key, size_t size, int flags) { return sys3(SYS_shmget, key, (int)size, flags); }
void *shmat(int id, const void *addr, int flags) { return (void *)sys3(SYS_shmat, id, (int)addr, flags); }
int shmdt(const void *addr) { return sys1(SYS_shmdt, (int)addr); }
int shmctl(int id, int cmd, void *buf) { return sys3(SYS_shmctl, id, cmd, (int)buf); }
