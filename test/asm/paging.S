# Page faults are precise (i386 PRM 5.2 "Page Translation", 9.8.14 "Page Fault"): the error
# code and CR2 name the access, the pushed EIP is the faulting instruction's, and nothing the
# instruction would have written (memory, ESP) has changed, even when the access straddles into
# the absent page; REP string instructions stop with their registers at the failing iteration and
# finish when restarted. Also: A and D bits, and the 386 letting CPL 0 write read-only pages.
#
# The first 4 MiB are identity-mapped by a page table the program builds at 0x21000, except page
# 0x30000 (absent) and page 0x31000 (read-only).

  .include "lib.inc"

.set PD, 0x20000
.set PT, 0x21000
.set ABSENT, 0x30000
.set READONLY, 0x31000
.set SPARE, 0x32000

# Sets the PTE of the page at `addr` to `pte` and flushes the TLB (the 386 has no INVLPG).
.macro SET_PTE addr, pte
  movl $(\pte), PT + ((\addr) >> 12) * 4
  movl %cr3, %eax
  movl %eax, %cr3
.endm

.if HOST == 0                   # needs CPL 0
TEST enable_paging
  movl $0, %ecx
1:
  movl %ecx, %eax
  shll $12, %eax
  orl $3, %eax                  # present, writable, supervisor
  movl %eax, PT(,%ecx,4)
  incl %ecx
  cmpl $1024, %ecx
  jne 1b
  movl $PT | 3, PD
  movl $0, %ecx
2:
  movl $0, PD + 4(,%ecx,4)      # the rest of the directory: absent
  incl %ecx
  cmpl $1023, %ecx
  jne 2b
  movl $0, PT + (ABSENT >> 12) * 4
  movl $READONLY | 1, PT + (READONLY >> 12) * 4
  movl $PD, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $0x80000000, %eax
  movl %eax, %cr0
  jmp 3f                        # (the 386 wants a jump after setting PG)
3:
  movl $0x12345678, SPARE       # still running: the identity map works
  CHECK_EQ SPARE, 0x12345678

TEST fault_error_code_and_cr2
  movl $ABSENT + 0x123, %ebx
  movl $0x5555, %ecx
  EXPECT_EXC 14, 1f
.Lpf1:
  movl (%ebx), %ecx             # read, not present, supervisor: error code 0
  FAILNOW
1:
  CHECK_EQ exc_w0, 0
  CHECK_EQ exc_w1, .Lpf1
  movl %cr2, %eax
  CHECK_EQ %eax, ABSENT + 0x123
  CHECK_EQ %ecx, 0x5555
  EXPECT_EXC 14, 2f
.Lpf2:
  movb $1, ABSENT + 0xfff       # write: error code 2
  FAILNOW
2:
  CHECK_EQ exc_w0, 2
  CHECK_EQ exc_w1, .Lpf2
  movl %cr2, %eax
  CHECK_EQ %eax, ABSENT + 0xfff

TEST straddling_write_is_all_or_nothing
  movl $0xaaaaaaaa, ABSENT - 4
  EXPECT_EXC 14, 1f
.Lpf3:
  movl $0x11223344, ABSENT - 2  # two bytes on a present page, two on the absent one
  FAILNOW
1:
  CHECK_EQ exc_w1, .Lpf3
  movl %cr2, %eax
  CHECK_EQ %eax, ABSENT         # CR2: the first byte that cannot be reached
  CHECK_EQ ABSENT-4, 0xaaaaaaaa  # nothing was written
  EXPECT_EXC 14, 2f
.Lpf4:
  addl %eax, ABSENT - 1         # read-modify-write across the boundary: the read faults
  FAILNOW
2:
  CHECK_EQ exc_w1, .Lpf4
  CHECK_EQ exc_w0, 0

TEST push_fault_leaves_esp
  # ESP 20 bytes into the page above the absent one: PUSHAD's 32 bytes reach down into the
  # absent page, while the exception frame (16 bytes with the error code) still fits. PUSHAD
  # would put its ESP image at READONLY + 0, below the frame: it must still hold the marker.
  movl %esp, saved_esp
  movl $READONLY + 20, %esp
  movl $0x77777777, READONLY
  movl $0x12345678, %ebx
  EXPECT_EXC 14, 1f
.Lpf5:
  pushal
  FAILNOW
1:
  movl %esp, %ecx
  movl saved_esp, %esp
  CHECK_EQ exc_w1, .Lpf5
  CHECK_EQ exc_w0, 2
  CHECK_EQ %ecx, READONLY+20    # ESP as it was
  CHECK_EQ READONLY, 0x77777777

TEST rep_movs_restarts
  movl $0x64636261, src
  movl $0x68676665, src+4
  movl $src, %esi
  movl $ABSENT - 4, %edi
  movl $8, %ecx
  EXPECT_EXC 14, 1f
.Lrep:
  rep movsb                     # four bytes land, the fifth faults
  FAILNOW
1:
  CHECK_EQ exc_w1, .Lrep
  CHECK_EQ exc_w0, 2
  CHECK_EQ %ecx, 4              # the registers say how far it got
  CHECK_EQ %edi, ABSENT
  CHECK_EQ %esi, src+4
  CHECK_EQ ABSENT-4, 0x64636261
  SET_PTE ABSENT, ABSENT|3    # map the page and restart the instruction
  jmp .Lrep2
.Lrep2:
  rep movsb
  CHECK_EQ %ecx, 0
  CHECK_EQ ABSENT, 0x68676665
  SET_PTE ABSENT, 0

TEST code_fetch_fault
  EXPECT_EXC 14, 1f
  call ABSENT                   # the fetch at the target faults: EIP = the target
  FAILNOW
1:
  CHECK_EQ exc_w1, ABSENT
  CHECK_EQ exc_w0, 0
  movl %cr2, %eax
  CHECK_EQ %eax, ABSENT
  movl $0x90909090, ABSENT - 4  # NOPs that run into the absent page
  movb $0x90, ABSENT - 1
  EXPECT_EXC 14, 2f
  call ABSENT - 4
  FAILNOW
2:
  CHECK_EQ exc_w1, ABSENT       # the NOPs ran; the instruction at the page start faulted

TEST accessed_and_dirty_bits
  SET_PTE SPARE, SPARE|3
  movl SPARE, %eax              # a read sets A only
  movl PT + (SPARE >> 12) * 4, %ebx
  andl $0x60, %ebx
  CHECK_EQ %ebx, 0x20
  movl %eax, SPARE              # a write sets D
  movl PT + (SPARE >> 12) * 4, %ebx
  andl $0x60, %ebx
  CHECK_EQ %ebx, 0x60
  movl PD, %ebx                 # and the directory entry's A
  andl $0x20, %ebx
  CHECK_EQ %ebx, 0x20

TEST supervisor_writes_read_only_page_on_386
  movl $0xfeedface, READONLY + 8  # the 386 has no CR0.WP: CPL 0 ignores R/W
  CHECK_EQ READONLY+8, 0xfeedface

TEST disable_paging
  movl %cr0, %eax
  andl $0x7fffffff, %eax
  movl %eax, %cr0
  jmp 1f
1:
  movl $0x1234, ABSENT          # without paging the page is plain memory again
  CHECK_EQ ABSENT, 0x1234
.endif

DONE

  .data
  .balign 4
saved_esp: .long 0
src: .long 0, 0
