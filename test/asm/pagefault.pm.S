# Paging as the kernel sees it (i386 PRM 5.2 "Page Translation", 6.4 "Page-Level Protection",
# 9.8.14 "Page Fault"): the #PF error code (P, W/R, U/S) and CR2 for each combination of
# supervisor/user, read/write and not-present/protection, at the directory and at the table level;
# supervisor writes to read-only pages, which the 386 allows and the 486 refuses when CR0.WP is
# set; when the accessed and dirty bits are set; the TLB, which keeps a translation until CR3 is
# written, paging is turned off and on, or (486) INVLPG names its page; and instructions that
# restart after the #PF handler maps the page: REP MOVSD across a page boundary, PUSHA, and ENTER,
# which faults on a write at its final stack pointer before it writes anything.
#
# pagefault.486.pm.S is this file on the 486 model (CPU486 = 1): the tests for CR0.WP and INVLPG
# run there, and their 386 counterparts (WP does not exist, INVLPG is #UD) run here.
#
# Memory (identity-mapped, every page user and writable unless listed):
#   0x20000 page directory; 0x21000 table for 0-4 MiB; 0x22000 table for 4-8 MiB
#   0x30000 not present     0x31000 supervisor          0x32000 user, read-only
#   0x33000 supervisor, read-only   0x34000 A/D tests    0x35000, 0x36000 remapped by TLB tests
#   0x37000 code fetched once (A/D)  0x40000-0x43000 frames the TLB tests map
#   0x52000/0x53000, 0x54000/0x55000, 0x56000/0x57000: page pairs whose upper (or lower) page
#   starts absent, for the restart tests
#   0x58000 absent at first, 0x5a000 user read-only: below the stacks of the ENTER tests

  .include "pm.inc"

.set PD, 0x20000
.set PT, 0x21000                # PT + (linear >> 12) * 4 is the PTE of any page below 8 MiB
.set PT1, 0x22000
.set NP_PAGE, 0x30000
.set SUP_PAGE, 0x31000
.set RO_USER, 0x32000
.set RO_SUP, 0x33000
.set AD_PAGE, 0x34000
.set TLB_V, 0x35000
.set TLB_V2, 0x36000
.set EXEC_PAGE, 0x37000
.set F1, 0x40000
.set F2, 0x41000
.set F3, 0x42000
.set F4, 0x43000
.set DST_HI, 0x53000            # absent at first
.set SRC_HI, 0x55000            # absent at first
.set PUSHA_LO, 0x56000          # absent at first
.set ENTER_LO, 0x58000          # absent at first
.set ENTER_RO, 0x5a000          # user, read-only
.set HIGH, 0x400000             # the 4-8 MiB region, for directory-level tests

.set PTE_P, 1
.set PTE_W, 2
.set PTE_U, 4
.set PTE_A, 0x20
.set PTE_D, 0x40
.set PTE_URW, PTE_P | PTE_W | PTE_U
.set CR0_PG, 0x80000000
.set CR0_WP, 0x10000

# Where the PTEs the A/D test reads live.
.set PTE_AD_PAGE, PT + (AD_PAGE >> 12) * 4
.set PTE_HIGH5, PT + ((HIGH + 0x5000) >> 12) * 4
.set PTE_EXEC_PAGE, PT + (EXEC_PAGE >> 12) * 4
.set PTE_RO_SUP, PT + (RO_SUP >> 12) * 4

# Sets the PTE of `addr` (below 8 MiB) without flushing the TLB.
.macro SET_PTE addr, pte
  movl $(\pte), PT + ((\addr) >> 12) * 4
.endm

# Writes CR3 with the value it has: the 386's way to flush the TLB. Clobbers EAX.
.macro FLUSH_TLB
  movl %cr3, %eax
  movl %eax, %cr3
.endm

# `insn` in ring 0 page-faults with error code `code` and CR2 = `cr2`.
.macro PF code, cr2, insn:vararg
  FAULTS 14, \code, \insn
  movl %cr2, %eax
  CHECK_EQ %eax, \cr2
.endm

# The same in ring 3 (the fault brings it back to ring 0).
.macro USER_PF code, cr2, insn:vararg
  movl %esp, saved_esp
  RING3
  PF \code, \cr2, \insn
  CHECK_EQ exc_w2, SEL_CODE3
  movl saved_esp, %esp
.endm

# `insn` runs in ring 3 without faulting.
.macro USER_OK insn:vararg
  RING3
  \insn
  RING0
.endm

TEST enable_paging
  # Set up while paging is off: the tables, the code byte on EXEC_PAGE, and the data the REP
  # MOVSD test reads across the boundary into the absent SRC_HI.
  movl $0, %ecx
1:
  movl %ecx, %eax
  shll $12, %eax
  orl $PTE_URW, %eax
  movl %eax, PT(,%ecx,4)        # 2048 entries: PT and PT1 are contiguous
  incl %ecx
  cmpl $2048, %ecx
  jne 1b
  movl $0, %ecx
2:
  movl $0, PD(,%ecx,4)
  incl %ecx
  cmpl $1024, %ecx
  jne 2b
  movl $PT | PTE_URW, PD
  movl $PT1 | PTE_URW, PD + 4
  SET_PTE NP_PAGE, 0
  SET_PTE SUP_PAGE, SUP_PAGE | PTE_P | PTE_W
  SET_PTE RO_USER, RO_USER | PTE_P | PTE_U
  SET_PTE RO_SUP, RO_SUP | PTE_P
  SET_PTE DST_HI, 0
  SET_PTE SRC_HI, 0
  SET_PTE PUSHA_LO, 0
  SET_PTE ENTER_LO, 0
  SET_PTE ENTER_RO, ENTER_RO | PTE_P | PTE_U
  movb $0xc3, EXEC_PAGE         # RET
  movl $0, %ecx
3:
  leal 0xb0000000(%ecx), %eax
  movl %eax, SRC_HI-10(,%ecx,4)
  incl %ecx
  cmpl $8, %ecx
  jne 3b
  movl $PD, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $CR0_PG, %eax
  movl %eax, %cr0
  jmp 4f                        # (the 386 wants a jump after setting PG)
4:
  movl %cr0, %eax
  andl $CR0_PG, %eax
  CHECK_EQ %eax, CR0_PG

# ---- error codes and CR2 -----------------------------------------------------------------------------

TEST not_present
  PF 0, NP_PAGE + 0x123, movl NP_PAGE + 0x123, %ecx    # supervisor read
  PF 2, NP_PAGE + 0xffe, movw %cx, NP_PAGE + 0xffe     # supervisor write
  USER_PF 4, NP_PAGE, movb NP_PAGE, %cl                # user read
  USER_PF 6, NP_PAGE + 4, movl %ecx, NP_PAGE + 4       # user write

TEST user_protection
  USER_PF 5, SUP_PAGE + 0x10, movl SUP_PAGE + 0x10, %ecx   # user read of a supervisor page
  USER_PF 7, SUP_PAGE, movb $1, SUP_PAGE                   # user write of a supervisor page
  USER_PF 7, RO_USER + 0x20, movl %ecx, RO_USER + 0x20     # user write of a read-only page
  USER_PF 5, RO_SUP, movl RO_SUP, %ecx
  USER_PF 7, RO_SUP + 0xffc, movl %ecx, RO_SUP + 0xffc
  movl $0x12121212, RO_USER + 0x40
  USER_OK movl RO_USER + 0x40, %ebx                        # user read of a read-only user page
  CHECK_EQ %ebx, 0x12121212
  # Supervisor code may read every present page.
  movl SUP_PAGE, %ecx
  movl RO_SUP, %ecx

TEST directory_entry_not_present
  movl $0, PD + 4
  FLUSH_TLB
  PF 0, HIGH + 0x10, movl HIGH + 0x10, %ecx
  PF 2, HIGH + 0x3ff000, movl %ecx, HIGH + 0x3ff000
  USER_PF 6, HIGH, movb %cl, HIGH

TEST directory_entry_protection
  # The stricter of PDE and PTE applies: a supervisor PDE over user PTEs, a read-only PDE over
  # writable PTEs.
  movl $PT1 | PTE_P | PTE_W, PD + 4
  FLUSH_TLB
  movl $0x34343434, HIGH + 0x20
  USER_PF 5, HIGH + 0x20, movl HIGH + 0x20, %ecx
  movl $PT1 | PTE_P | PTE_U, PD + 4
  FLUSH_TLB
  USER_OK movl HIGH + 0x20, %ebx
  CHECK_EQ %ebx, 0x34343434
  USER_PF 7, HIGH + 0x24, movl %ecx, HIGH + 0x24
.if CPU486 == 0
  movl $0x56565656, HIGH + 0x24  # the 386 lets the supervisor write anyway
  CHECK_EQ HIGH + 0x24, 0x56565656
.endif
  movl $PT1 | PTE_URW, PD + 4
  FLUSH_TLB

# ---- supervisor writes to read-only pages -------------------------------------------------------------

.if CPU486 == 0
TEST supervisor_writes_read_only_pages_on_386
  movl $0x11110001, RO_USER
  movl $0x11110002, RO_SUP
  CHECK_EQ RO_USER, 0x11110001
  CHECK_EQ RO_SUP, 0x11110002
  # CR0.WP does not exist on the 386: the bit does not stick, and changes nothing.
  movl %cr0, %eax
  orl $CR0_WP, %eax
  movl %eax, %cr0
  movl %cr0, %eax
  andl $CR0_WP, %eax
  CHECK_EQ %eax, 0
  movl $0x11110003, RO_USER + 4
  CHECK_EQ RO_USER + 4, 0x11110003
.else
TEST write_protect_on_486
  movl $0x11110001, RO_USER      # WP clear: as the 386
  movl $0x11110002, RO_SUP
  movl %cr0, %eax
  orl $CR0_WP, %eax
  movl %eax, %cr0
  movl %cr0, %eax
  andl $CR0_WP, %eax
  CHECK_EQ %eax, CR0_WP
  # RO_USER is in the TLB, as writable-by-supervisor when WP was clear: the fault comes anyway.
  PF 3, RO_USER + 8, movl %ecx, RO_USER + 8                # P | W, supervisor
  PF 3, RO_SUP + 0xfff, movb %cl, RO_SUP + 0xfff
  FLUSH_TLB
  PF 3, RO_SUP, movl %ecx, RO_SUP                           # after a fresh walk, the same
  CHECK_EQ RO_USER, 0x11110001
  CHECK_EQ RO_SUP, 0x11110002
  movl RO_SUP, %ecx              # reads are still fine
  USER_PF 7, RO_USER, movl %ecx, RO_USER                   # user: as without WP
  movl %cr0, %eax
  andl $~CR0_WP, %eax
  movl %eax, %cr0
  movl $0x11110003, RO_USER + 4
  CHECK_EQ RO_USER + 4, 0x11110003
.endif

# ---- accessed and dirty bits ---------------------------------------------------------------------------

TEST accessed_and_dirty_bits
  # A fresh translation: A and D clear in the PTE, the directory entry for 4-8 MiB clear too.
  SET_PTE AD_PAGE, AD_PAGE | PTE_URW
  movl $PT1 | PTE_URW, PD + 4
  SET_PTE HIGH + 0x5000, (HIGH + 0x5000) | PTE_URW
  FLUSH_TLB
  movl AD_PAGE + 0x10, %ecx      # a read sets A only
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW | PTE_A
  movl AD_PAGE + 0x10, %ecx
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW | PTE_A
  movl %ecx, AD_PAGE + 0x10      # the first write sets D (the TLB entry came from a read)
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW | PTE_A | PTE_D
  # A write as the first access sets both; the directory entry gets A, never D.
  movl %ecx, HIGH + 0x5000
  CHECK_EQ PTE_HIGH5, (HIGH + 0x5000) | PTE_URW | PTE_A | PTE_D
  CHECK_EQ PD + 4, PT1 | PTE_URW | PTE_A
  # Once the TLB holds a dirty entry, the processor does not look at the PTE again: bits cleared
  # behind its back stay clear.
  SET_PTE AD_PAGE, AD_PAGE | PTE_URW
  movl AD_PAGE, %ecx
  movl %ecx, AD_PAGE
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW
  # An instruction fetch is a read.
  call EXEC_PAGE
  CHECK_EQ PTE_EXEC_PAGE, EXEC_PAGE | PTE_URW | PTE_A
  # User accesses set them the same way.
  SET_PTE AD_PAGE, AD_PAGE | PTE_URW
  FLUSH_TLB
  USER_OK movl AD_PAGE, %ecx
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW | PTE_A
  USER_OK movl %ecx, AD_PAGE
  CHECK_EQ PTE_AD_PAGE, AD_PAGE | PTE_URW | PTE_A | PTE_D
.if CPU486
  # A write refused by WP does not set D.
  SET_PTE RO_SUP, RO_SUP | PTE_P
  FLUSH_TLB
  movl %cr0, %eax
  orl $CR0_WP, %eax
  movl %eax, %cr0
  PF 3, RO_SUP + 4, movl %ecx, RO_SUP + 4
  movl PTE_RO_SUP, %eax
  andl $PTE_D, %eax
  CHECK_EQ %eax, 0
  movl %cr0, %eax
  andl $~CR0_WP, %eax
  movl %eax, %cr0
.else
  # The 386's supervisor write to a read-only page is a write: it sets D.
  SET_PTE RO_SUP, RO_SUP | PTE_P
  FLUSH_TLB
  movl %ecx, RO_SUP + 4
  CHECK_EQ PTE_RO_SUP, RO_SUP | PTE_P | PTE_A | PTE_D
.endif

# ---- the TLB ------------------------------------------------------------------------------------------

TEST tlb_keeps_a_stale_translation
  movl $0xf1f1f1f1, F1
  movl $0xf2f2f2f2, F2
  SET_PTE TLB_V, F1 | PTE_URW
  FLUSH_TLB
  movl TLB_V, %ecx               # TLB_V -> F1 is cached (and dirty after this write)
  movl %ecx, TLB_V
  CHECK_EQ %ecx, 0xf1f1f1f1
  SET_PTE TLB_V, F2 | PTE_URW    # no flush
  CHECK_EQ TLB_V, 0xf1f1f1f1     # reads still go to F1
  movl $0x0bad0001, TLB_V        # and so do writes
  CHECK_EQ F1, 0x0bad0001
  CHECK_EQ F2, 0xf2f2f2f2
  USER_OK movl TLB_V, %ebx       # in ring 3 too
  CHECK_EQ %ebx, 0x0bad0001
  FLUSH_TLB                      # writing CR3 drops it
  CHECK_EQ TLB_V, 0xf2f2f2f2
  movl $0x0bad0002, TLB_V
  CHECK_EQ F2, 0x0bad0002
  CHECK_EQ F1, 0x0bad0001
  # A stale entry keeps its permissions too: a page made supervisor-only stays usable by ring 3.
  SET_PTE TLB_V, F2 | PTE_P | PTE_W
  USER_OK movl TLB_V, %ebx
  CHECK_EQ %ebx, 0x0bad0002
  FLUSH_TLB
  USER_PF 5, TLB_V, movl TLB_V, %ebx

TEST paging_off_and_on_flushes
  movl $0xf3f3f3f3, F3
  SET_PTE TLB_V, F1 | PTE_URW
  FLUSH_TLB
  CHECK_EQ TLB_V, 0x0bad0001
  SET_PTE TLB_V, F3 | PTE_URW
  CHECK_EQ TLB_V, 0x0bad0001     # stale
  movl %cr0, %eax
  andl $~CR0_PG, %eax
  movl %eax, %cr0
  jmp 1f
1:
  orl $CR0_PG, %eax
  movl %eax, %cr0
  jmp 2f
2:
  CHECK_EQ TLB_V, 0xf3f3f3f3     # fresh

.if CPU486
TEST invlpg_flushes_one_page
  movl $0xf4f4f4f4, F4
  SET_PTE TLB_V, F1 | PTE_URW
  SET_PTE TLB_V2, F2 | PTE_URW
  FLUSH_TLB
  CHECK_EQ TLB_V, 0x0bad0001
  CHECK_EQ TLB_V2, 0x0bad0002
  SET_PTE TLB_V, F3 | PTE_URW
  SET_PTE TLB_V2, F4 | PTE_URW
  movl $TLB_V + 0x234, %ebx
  invlpg (%ebx)                  # any address in the page names it
  CHECK_EQ TLB_V, 0xf3f3f3f3     # fresh
  CHECK_EQ TLB_V2, 0x0bad0002    # still stale
  invlpg TLB_V2 + 0xfff
  CHECK_EQ TLB_V2, 0xf4f4f4f4
  # INVLPG is privileged.
  movl %esp, saved_esp
  RING3
  FAULTS 13, 0, invlpg TLB_V
  movl saved_esp, %esp
.else
TEST no_invlpg_on_386
  EXPECT_EXC 6, 1f
.Linvlpg:
  invlpg TLB_V                   # 0F 01 /7 is undefined on the 386
  FAILNOW
1:
  CHECK_EQ exc_w0, .Linvlpg
.endif

# ---- instructions restart after the handler maps the page ----------------------------------------

TEST rep_movsd_restarts_across_a_page_boundary
  SET_GATE 14, pf_map_handler, 0x8e00
  movl $0, pf_count
  # Destination: the second doubleword straddles into the absent DST_HI.
  movl $src_data, %esi
  movl $DST_HI - 6, %edi
  movl $8, %ecx
  cld
.Lrep1:
  rep movsl
  CHECK_EQ pf_count, 1
  CHECK_EQ pf_eip, .Lrep1
  CHECK_EQ pf_err, 2             # supervisor write, not present
  CHECK_EQ pf_cr2, DST_HI
  CHECK_EQ pf_ecx, 7             # it faulted in the second iteration
  CHECK_EQ pf_edi, DST_HI-2
  CHECK_EQ pf_esi, src_data + 4
  CHECK_EQ %ecx, 0               # and finished when restarted
  CHECK_EQ %esi, src_data + 32
  CHECK_EQ %edi, DST_HI + 26
  CHECK_EQ DST_HI-6, 0xa0000000
  CHECK_EQ DST_HI-2, 0xa0000001
  CHECK_EQ DST_HI + 2, 0xa0000002
  CHECK_EQ DST_HI + 22, 0xa0000007
  # Source, in ring 3: the third doubleword straddles into the absent SRC_HI.
  movl $0, pf_count
  movl %esp, saved_esp
  RING3
  movl $SRC_HI - 10, %esi
  movl $dst_data, %edi
  movl $8, %ecx
.Lrep2:
  rep movsl
  RING0
  movl saved_esp, %esp
  CHECK_EQ pf_count, 1
  CHECK_EQ pf_eip, .Lrep2
  CHECK_EQ pf_err, 4             # user read, not present
  CHECK_EQ pf_cr2, SRC_HI
  CHECK_EQ pf_ecx, 6
  CHECK_EQ %ecx, 0
  CHECK_EQ %esi, SRC_HI + 22
  CHECK_EQ %edi, dst_data + 32
  CHECK_EQ dst_data, 0xb0000000
  CHECK_EQ dst_data + 8, 0xb0000002
  CHECK_EQ dst_data + 28, 0xb0000007
  RESET_GATE 14

TEST pusha_fault_leaves_esp
  # Ring 3, ESP 12 bytes above the absent PUSHA_LO: PUSHAD's fourth doubleword faults.
  movl $0x77777777, PUSHA_LO + 0x1008
  movl %esp, saved_esp
  RING3
  movl $PUSHA_LO + 0x100c, %esp
  movl $0x12345678, %eax
  PF 6, PUSHA_LO + 0xffc, pushal
  CHECK_EQ FRAME_ESP, PUSHA_LO + 0x100c   # ESP as it was
  CHECK_EQ PUSHA_LO + 0x1008, 0x77777777  # nothing written
  movl saved_esp, %esp
  # The same with the handler mapping the page: PUSHAD runs again and completes.
  SET_GATE 14, pf_map_handler, 0x8e00
  movl $0, pf_count
  RING3
  movl $PUSHA_LO + 0x100c, %esp
  movl $0x12345678, %eax
  movl $0x0000abcd, %edi
.Lpusha:
  pushal
  movl %esp, %edx
  RING0
  movl saved_esp, %esp
  CHECK_EQ pf_count, 1
  CHECK_EQ pf_eip, .Lpusha
  CHECK_EQ pf_frame_esp, PUSHA_LO + 0x100c
  CHECK_EQ %edx, PUSHA_LO + 0x100c-32
  CHECK_EQ PUSHA_LO + 0x1008, 0x12345678  # EAX first
  CHECK_EQ PUSHA_LO + 0xfec, 0x0000abcd   # EDI last
  CHECK_EQ PUSHA_LO + 0xff8, PUSHA_LO + 0x100c  # the ESP image: ESP before PUSHAD
  # PUSHAW: 16 bytes, from 6 bytes above the (again absent) page.
  SET_PTE PUSHA_LO, 0
  FLUSH_TLB
  RESET_GATE 14
  RING3
  movl $PUSHA_LO + 0x1006, %esp
  PF 6, PUSHA_LO + 0xffe, pushaw
  CHECK_EQ FRAME_ESP, PUSHA_LO + 0x1006
  movl saved_esp, %esp

TEST enter_faults_on_its_final_esp
  # Intel SDM ENTER, protected-mode exceptions: "#PF(fault-code) ... if a write using the final
  # value of the stack pointer (within the current stack segment) would cause a page fault". Ring
  # 3, ESP 16 bytes above the absent ENTER_LO: the push of EBP would land on the present page, but
  # ESP - 4 - 0x100 is in ENTER_LO. The fault comes first, for a write of the operand size there,
  # with nothing written and ESP and EBP as they were.
  movl $0x77777777, ENTER_LO + 0x100c
  movl %esp, saved_esp
  RING3
  movl $ENTER_LO + 0x1010, %esp
  movl $0x5555, %ebp
  PF 6, ENTER_LO + 0xf0c, enter $0x100, $0
  CHECK_EQ FRAME_ESP, ENTER_LO + 0x1010
  CHECK_EQ %ebp, 0x5555
  CHECK_EQ ENTER_LO + 0x100c, 0x77777777
  movl saved_esp, %esp
  # 16-bit operands at level 2 (one display word read at EBP - 2): the final SP is 3 words and
  # 0x100 bytes down, and the write checked there is a word.
  movl $0x55555555, ENTER_LO + 0x100c
  RING3
  movl $ENTER_LO + 0x1010, %esp
  movl $ENTER_LO + 0x1008, %ebp
  PF 6, ENTER_LO + 0xf0a, enterw $0x100, $2
  CHECK_EQ FRAME_ESP, ENTER_LO + 0x1010
  CHECK_EQ %ebp, ENTER_LO + 0x1008
  CHECK_EQ ENTER_LO + 0x100c, 0x55555555
  movl saved_esp, %esp
  # A present page the write may not touch (user, read-only): the error code has P set.
  RING3
  movl $ENTER_RO + 0x1010, %esp
  PF 7, ENTER_RO + 0xf0c, enter $0x100, $0
  CHECK_EQ FRAME_ESP, ENTER_RO + 0x1010
  movl saved_esp, %esp
  # With the handler mapping ENTER_LO, the ENTER runs again and completes.
  SET_GATE 14, pf_map_handler, 0x8e00
  movl $0, pf_count
  RING3
  movl $ENTER_LO + 0x1010, %esp
  movl $0x5555, %ebp
.Lenter:
  enter $0x100, $0
  movl %esp, %edx
  movl %ebp, %ecx
  RING0
  movl saved_esp, %esp
  CHECK_EQ pf_count, 1
  CHECK_EQ pf_eip, .Lenter
  CHECK_EQ pf_err, 6
  CHECK_EQ pf_cr2, ENTER_LO + 0xf0c
  CHECK_EQ pf_frame_esp, ENTER_LO + 0x1010
  CHECK_EQ %edx, ENTER_LO + 0xf0c
  CHECK_EQ %ecx, ENTER_LO + 0x100c
  CHECK_EQ ENTER_LO + 0x100c, 0x5555
  RESET_GATE 14

DONE

# ---- handlers ----------------------------------------------------------------------------------------

# #PF that maps the missing page (identity, user, writable), records what it saw, and returns to
# run the faulting instruction again.
pf_map_handler:
  pushl %eax
  pushl %edx
  incl pf_count
  movl 8(%esp), %eax
  movl %eax, pf_err
  movl 12(%esp), %eax
  movl %eax, pf_eip
  movl 24(%esp), %eax            # ESP, when the fault came from ring 3
  movl %eax, pf_frame_esp
  movl %ecx, pf_ecx
  movl %esi, pf_esi
  movl %edi, pf_edi
  movl %cr2, %eax
  movl %eax, pf_cr2
  movl %eax, %edx
  shrl $12, %edx
  andl $~0xfff, %eax
  orl $PTE_URW, %eax
  movl %eax, PT(,%edx,4)
  movl %cr3, %eax
  movl %eax, %cr3
  popl %edx
  popl %eax
  addl $4, %esp                  # the error code
  iretl

  .data
  .balign 4
saved_esp:    .long 0
pf_count:     .long 0
pf_err:       .long 0
pf_eip:       .long 0
pf_cr2:       .long 0
pf_ecx:       .long 0
pf_esi:       .long 0
pf_edi:       .long 0
pf_frame_esp: .long 0
src_data:
  .long 0xa0000000, 0xa0000001, 0xa0000002, 0xa0000003
  .long 0xa0000004, 0xa0000005, 0xa0000006, 0xa0000007
dst_data:
  .fill 8, 4, 0
