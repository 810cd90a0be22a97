# Where exceptions point (i386 PRM 9.8, "Exception Conditions"): a fault pushes the address of
# the instruction that caused it, wherever that instruction sits (first in a decoded block, after
# a jump, or in the middle of a straight run), with registers unchanged; a trap or INT n pushes
# the address of the next instruction.

  .include "lib.inc"

.if HOST == 0                   # every test here takes an exception
TEST ud_first_in_block
  movl $0x1111, %eax
  EXPECT_EXC 6, 1f
  jmp .Lud1                     # the invalid opcode starts a new block
.Lud1:
  .byte 0x0f, 0x0b              # UD2: no instruction on a 386
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lud1
  CHECK_EQ exc_w1, SEL_CODE32
  CHECK_EQ %eax, 0x1111
  EXPECT_EXC 6, 2f
  call .Lud2                    # reached by a CALL
2:
  CHECK_EQ exc_w0, .Lud2

TEST ud_in_straight_line_code
  movl $0, %ecx
  EXPECT_EXC 6, 1f
  incl %ecx
  incl %ecx
.Lud3:
  .byte 0x0f, 0xff              # 0F FF: undefined
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lud3
  CHECK_EQ %ecx, 2
  EXPECT_EXC 6, 2f
.Lud4:
  .byte 0xf0, 0x41              # lock inc ecx: LOCK without a memory destination is #UD
  FAILNOW
2:
  CHECK_EQ exc_w0, .Lud4
  CHECK_EQ %ecx, 2
  EXPECT_EXC 6, 3f
.Lud5:
  .byte 0x8d, 0xc0              # LEA with a register operand
  FAILNOW
3:
  CHECK_EQ exc_w0, .Lud5

TEST ud_after_a_fault_elsewhere
  # Two faults in a row at different places: each pushes its own address.
  EXPECT_EXC 6, 1f
  jmp .Lud6
1:
  EXPECT_EXC 6, 2f
  jmp .Lud7
2:
  CHECK_EQ exc_w0, .Lud7

TEST bound_fault
  movl $5, %eax
  EXPECT_EXC 5, 1f
.Lbr:
  boundl %eax, bounds           # 5 is outside [10, 20]: #BR, a fault
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lbr
  movl $15, %eax
  boundl %eax, bounds           # inside: nothing happens
  CHECK_EQ %eax, 15

TEST traps_push_the_next_instruction
  EXPECT_EXC 3, 1f
  int3
.Lafter_int3:
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lafter_int3
  EXPECT_EXC 4, 2f
  SET_FLAGS F_OF
  into                          # OF set: INTO traps
.Lafter_into:
  FAILNOW
2:
  CHECK_EQ exc_w0, .Lafter_into
  SET_FLAGS 0
  into                          # OF clear: nothing
  EXPECT_EXC 7, 3f
  int $7
.Lafter_int7:
  FAILNOW
3:
  CHECK_EQ exc_w0, .Lafter_int7

TEST gp_with_error_code
  movw $0x7ff8, %ax             # a selector far beyond the GDT limit
  EXPECT_EXC 13, 1f
.Lgp:
  movw %ax, %ds
  FAILNOW
1:
  CHECK_EQ exc_w0, 0x7ff8       # error code: the selector
  CHECK_EQ exc_w1, .Lgp
  movw %ds, %ax
  CHECK_EQ16 %ax, SEL_DATA32

TEST single_step_trap
  EXPECT_EXC 1, 1f
  SET_FLAGS F_TF                # no trap after the POPF that sets TF (i386 PRM 12.3.1.4)
.Lstep1:
  nop                           # the trap comes after this one
.Lstep2:
  nop
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lstep2      # a trap: the next instruction's address
  movl exc_w2, %eax
  andl $F_TF, %eax
  CHECK_EQ %eax, F_TF           # the pushed EFLAGS still have TF
  pushfl
  popl %eax
  andl $F_TF, %eax
  CHECK_EQ %eax, 0              # the handler runs with TF clear

TEST single_step_over_int
  # Vector 31: a handler that only returns.
  movl $iret_handler, %eax
  movw %ax, idt + 31 * 8
  movw $SEL_CODE32, idt + 31 * 8 + 2
  movw $0x8e00, idt + 31 * 8 + 4
  shrl $16, %eax
  movw %ax, idt + 31 * 8 + 6
  movl $0, %ecx
  EXPECT_EXC 1, 1f
  SET_FLAGS F_TF
  int $31                       # INT clears TF: its handler runs untraced, and no trap follows
.Lafter_int31:                  # the INT itself; IRET restores TF, so the next instruction traps
  incl %ecx
.Lafter_inc:
  nop
  FAILNOW
1:
  CHECK_EQ exc_w0, .Lafter_inc
  CHECK_EQ %ecx, 1
.endif

DONE

.if HOST == 0
iret_handler:
  iretl
.endif

.if HOST == 0
.Lud2:
  .byte 0x0f, 0x0b
.Lud6:
  .byte 0x0f, 0x0b
.Lud7:
  .byte 0x0f, 0x0b
.endif

  .data
  .balign 4
bounds: .long 10, 20
