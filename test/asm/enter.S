# ENTER at every nesting level 1-31, with 32- and 16-bit operands, on a 32-bit stack (SS.B = 1)
# and on a 16-bit one (SS = SEL_DATA16: base 0, limit 0xffff, B = 0). Each case checks the whole
# outcome against values the assembler computes from the Intel SDM's ENTER pseudo-code:
#
#   push eBP (operand size);  FrameTemp = ESP (32-bit operands) or SP (16-bit)
#   for i = 1 .. level-1: eBP' -= operand size; push [SS:eBP']   (eBP' is BP or EBP by SS.B:
#                                                                 the stack's address size)
#   push FrameTemp;  EBP = FrameTemp (32-bit) or BP = FrameTemp (16-bit);  eSP -= size
#
# so: EBP and ESP (both halves), the saved eBP, the level-1 display entries copied from below the
# old frame, the new frame pointer, nothing written below them or above the old stack pointer,
# and every other register and flag as it was. stack.S has level 0 and LEAVE; pagefault.pm.S the
# #PF on the final stack pointer.

  .include "lib.inc"

.if HOST == 0                   # fixed addresses, and SEL_DATA16

.set ALLOC, 8
# 32-bit stack: flat offsets, different high halves.
.set ESP0_32, 0x00047000
.set EBP0_32, 0x00036000
# 16-bit stack: SP and BP below 64 KiB, with high halves ENTER must keep (or use, for FrameTemp).
.set ESP0_16, 0x5a5a7000
.set EBP0_16, 0xa5a56000
.set FLAGS_IN, F_CF|F_ZF|F_OF|F_AF
.set REG_BASE, 0x1234abc0       # EAX = REG_BASE + 0, ECX + 1, ... (not ESP, EBP)

# Fills the 256 bytes below the old frame pointer `bp` with bytes that tell their address:
# byte(a) = a ^ (a >> 8) ^ (a >> 16), so that a copy from the wrong place shows.
.macro FILL_DISPLAY bp
  movl $(\bp) - 256, %esi
1:
  movl %esi, %eax
  movl %esi, %ecx
  shrl $8, %ecx
  xorl %ecx, %eax
  shrl $8, %ecx
  xorl %ecx, %eax
  movb %al, (%esi)
  incl %esi
  cmpl $(\bp), %esi
  jne 1b
.endm

# One case: `enter $ALLOC, $level` with operand size `osize` on a stack of `stack` bits.
.macro ENTER_CASE osize, stack, level
  .if \stack == 32
    .set _esp0, ESP0_32
    .set _ebp0, EBP0_32
    .set _spmask, 0xffffffff
  .else
    .set _esp0, ESP0_16
    .set _ebp0, EBP0_16
    .set _spmask, 0xffff
  .endif
  .set _w, (\osize) / 8
  .set _wmask, (1 << (\osize)) - 1
  .set _hi, _esp0 & ~_spmask & 0xffffffff       # ESP bits the stack does not use
  .set _sp0, _esp0 & _spmask
  .set _bp0, _ebp0 & _spmask
  .set _sp1, (_sp0 - _w) & _spmask               # where eBP goes; FrameTemp's offset
  .if \osize == 16
    .set _frame, _sp1 & 0xffff
    .set _want_ebp, (_ebp0 & 0xffff0000) | _frame
  .else
    .set _frame, _hi | _sp1
    .set _want_ebp, _frame
  .endif
  .set _last, (_sp1 - _w * (\level)) & _spmask  # the new frame pointer's slot
  .set _want_sp, (_last - ALLOC) & _spmask
  movl $(\level), enter_level
  movl $(_hi | _want_sp), want_esp
  movl $(_want_ebp), want_ebp
  movl $(_wmask), want_mask
  movl $(_sp0), old_top
  movl $(_sp1), saved_bp_slot
  movl $(_ebp0 & _wmask), saved_bp_want
  movl $(_last), frame_slot
  movl $(_frame & _wmask), frame_want
  movl $(_want_sp), alloc_area
  movl $(_bp0 - _w * ((\level) - 1)), display_src
  movl $(_last + _w), display_dst
  movl $(_w * ((\level) - 1)), display_len
  movl $(_sp0), %eax
  call fill_stack
  movl %esp, saved_esp
  SET_FLAGS FLAGS_IN
  .if \stack == 16
  movw $SEL_DATA16, %ax
  movw %ax, %ss
  .endif
  movl $(_esp0), %esp
  movl $(_ebp0), %ebp
  movl $REG_BASE, %eax
  movl $REG_BASE + 1, %ecx
  movl $REG_BASE + 2, %edx
  movl $REG_BASE + 3, %ebx
  movl $REG_BASE + 6, %esi
  movl $REG_BASE + 7, %edi
  .if \osize == 16
  enterw $ALLOC, $(\level)
  .else
  enterl $ALLOC, $(\level)
  .endif
  pushfl                        # (below the new ESP: nothing checks that)
  popl got_eflags
  movl %esp, got_esp
  movl %ebp, got_ebp
  movl %eax, got_regs
  movl %ecx, got_regs + 4
  movl %edx, got_regs + 8
  movl %ebx, got_regs + 12
  movl %esi, got_regs + 24
  movl %edi, got_regs + 28
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
  call check_enter
.endm

.macro ENTER_LEVELS osize, stack
  .irp level, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  ENTER_CASE \osize, \stack, \level
  .endr
.endm

TEST set_up
  FILL_DISPLAY EBP0_32
  FILL_DISPLAY (EBP0_16&0xffff)
  movl $0, %eax
  CHECK_EQ %eax, 0

TEST enter_32bit_operands_32bit_stack
  ENTER_LEVELS 32, 32
TEST enter_16bit_operands_32bit_stack
  ENTER_LEVELS 16, 32
TEST enter_32bit_operands_16bit_stack
  ENTER_LEVELS 32, 16
TEST enter_16bit_operands_16bit_stack
  ENTER_LEVELS 16, 16

.endif

DONE

.if HOST == 0
# Fills the 256 bytes below the stack top EAX and the 8 above it with 0xCC.
fill_stack:
  movl %eax, %esi
  subl $256, %esi
  addl $8, %eax
1:
  movl $0xcccccccc, (%esi)
  addl $4, %esi
  cmpl %eax, %esi
  jne 1b
  ret

# Checks what ENTER_CASE recorded (got_*) against what it expects (want_* and the slots).
check_enter:
  # (A failure's want value for ESP tells the level: ESP0 - size * (level + 1) - ALLOC.)
  movl want_esp, %eax
  CHECK_SAME got_esp, %eax
  movl want_ebp, %eax
  CHECK_SAME got_ebp, %eax
  movl got_eflags, %eax
  andl $F_ARITH, %eax
  CHECK_EQ %eax, FLAGS_IN
  CHECK_EQ got_regs, REG_BASE
  CHECK_EQ got_regs + 4, REG_BASE + 1
  CHECK_EQ got_regs + 8, REG_BASE + 2
  CHECK_EQ got_regs + 12, REG_BASE + 3
  CHECK_EQ got_regs + 24, REG_BASE + 6
  CHECK_EQ got_regs + 28, REG_BASE + 7
  # The old eBP, and the new frame pointer (each as wide as the operand size).
  movl saved_bp_slot, %esi
  movl (%esi), %eax
  andl want_mask, %eax
  movl saved_bp_want, %edx
  CHECK_SAME %eax, %edx
  movl frame_slot, %esi
  movl (%esi), %eax
  andl want_mask, %eax
  movl frame_want, %edx
  CHECK_SAME %eax, %edx
  # The display: the level-1 entries below the old frame, in the same order below the saved eBP.
  movl display_src, %esi
  movl display_dst, %edi
  movl display_len, %ecx
  movl $0, %ebx                 # bytes that differ
  cmpl $0, %ecx
  je 2f
1:
  movb (%esi), %al
  cmpb (%edi), %al
  je 3f
  incl %ebx
3:
  incl %esi
  incl %edi
  decl %ecx
  jnz 1b
2:
  CHECK_EQ %ebx, 0
  # Nothing written in the allocated bytes or above the old stack pointer; the slot just above
  # the saved eBP (when the operand is a word) is the other half of the old top dword.
  movl alloc_area, %esi
  CHECK_EQ (%esi), 0xcccccccc
  CHECK_EQ 4(%esi), 0xcccccccc
  movl old_top, %esi
  CHECK_EQ (%esi), 0xcccccccc
  ret

  .data
  .balign 4
enter_level:   .long 0
saved_esp:     .long 0
want_esp:      .long 0
want_ebp:      .long 0
want_mask:     .long 0
old_top:       .long 0
saved_bp_slot: .long 0
saved_bp_want: .long 0
frame_slot:    .long 0
frame_want:    .long 0
alloc_area:    .long 0
display_src:   .long 0
display_dst:   .long 0
display_len:   .long 0
got_esp:       .long 0
got_ebp:       .long 0
got_eflags:    .long 0
got_regs:      .fill 8, 4, 0
.endif
