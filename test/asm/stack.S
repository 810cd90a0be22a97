# Stack instructions with 32- and 16-bit operands in 32-bit code (i386 PRM, PUSH/POP, PUSHA/POPA,
# PUSHF/POPF, ENTER/LEAVE): PUSH ESP pushes the old value, POP into ESP-based memory addresses
# after the increment, PUSHA's ESP image is skipped by POPA, POPF's reserved and 386-absent bits,
# IOPL and NT at CPL 0, ENTER's display for nesting levels 0-3, PUSH/POP of FS and GS.

  .include "lib.inc"

TEST push_pop_basic
  movl %esp, %ebp
  pushl $0x12345678
  pushl $-1                     # 6A FF: sign-extended to 32 bits
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 8
  popl %ebx
  popl %ecx
  CHECK_EQ %ebx, 0xffffffff
  CHECK_EQ %ecx, 0x12345678
  CHECK_SAME %esp, %ebp
  pushw $0x1234                 # 66 68: two bytes
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 2
  movl $0xaaaaaaaa, %edx
  popw %dx
  CHECK_EQ %edx, 0xaaaa1234
  CHECK_SAME %esp, %ebp
  movl $0xcafebabe, val32
  pushl val32                   # FF /6
  popl val32+4                  # 8F /0
  CHECK_EQ val32+4, 0xcafebabe
  CHECK_SAME %esp, %ebp

TEST push_esp_pop_esp
  movl %esp, %ebp
  pushl %esp                    # the value before the push
  popl %eax
  CHECK_SAME %eax, %ebp
  pushw %sp
  popw %ax
  CHECK_SAME16 %ax, %bp
  movl %esp, saved_esp
  pushl $0x00012340
  popl %esp                     # ESP = the popped value
  movl %esp, %eax
  movl saved_esp, %esp
  CHECK_EQ %eax, 0x00012340
  pushl $0x11111111
  pushl $0x22222222
  popl (%esp)                   # the address uses ESP after the pop: overwrites 0x11111111
  popl %eax
  CHECK_EQ %eax, 0x22222222
  CHECK_SAME %esp, %ebp

TEST pusha_popa
  movl %esp, %ebp
  movl $1, %eax
  movl $2, %ecx
  movl $3, %edx
  movl $4, %ebx
  movl $6, %esi
  movl $7, %edi
  movl %ebp, saved_esp
  pushal
  movl $0, %eax
  movl 28(%esp), %eax
  CHECK_EQ %eax, 1
  movl 24(%esp), %eax
  CHECK_EQ %eax, 2
  movl 12(%esp), %eax           # the ESP image: ESP before PUSHA
  CHECK_SAME %eax, %ebp
  movl 8(%esp), %eax            # EBP
  CHECK_SAME %eax, %ebp
  movl (%esp), %eax
  CHECK_EQ %eax, 7
  movl $0x99999999, 12(%esp)    # POPA skips the ESP image
  movl $0, %eax
  movl $0, %ecx
  movl $0, %edx
  movl $0, %ebx
  movl $0, %esi
  movl $0, %edi
  popal
  CHECK_SAME %esp, %ebp
  CHECK_EQ %eax, 1
  CHECK_EQ %ecx, 2
  CHECK_EQ %edx, 3
  CHECK_EQ %ebx, 4
  CHECK_EQ %esi, 6
  CHECK_EQ %edi, 7
  movl $0xffff0001, %eax
  pushaw                        # 16-bit: 16 bytes
  movl %ebp, %ecx
  subl %esp, %ecx
  CHECK_EQ %ecx, 16
  movw 14(%esp), %cx
  CHECK_EQ16 %cx, 1
  movl $0x12345678, %eax
  popaw
  CHECK_EQ %eax, 0x12340001
  CHECK_SAME %esp, %ebp

TEST pushf_popf
  SET_FLAGS F_CF|F_PF|F_AF|F_ZF|F_SF|F_DF|F_OF
  pushfl
  popl %eax
  andl $F_ARITH|F_DF|2, %eax
  CHECK_EQ %eax, F_CF|F_PF|F_AF|F_ZF|F_SF|F_DF|F_OF|2  # bit 1 reads as 1
  pushl $0x8028                 # bits 3, 5 and 15 are reserved: they read 0
  popfl
  pushfl
  popl %eax
  andl $0x0000802a, %eax
  CHECK_EQ %eax, 2
  pushl $0
  popfl
  pushw $0x08d5
  popfw                         # 16-bit POPF
  pushfl
  popl %eax
  andl $0x000008d5, %eax
  CHECK_EQ %eax, 0x000008d5
  SET_FLAGS 0
  pushfw
  movl %esp, %ecx
  popw %ax
  subl %esp, %ecx
  CHECK_EQ %ecx, -2

.if HOST == 0
TEST popf_system_bits_at_cpl0
  pushl $F_IOPL|F_NT            # CPL 0: IOPL and NT can be written
  popfl
  pushfl
  popl %eax
  pushl $0
  popfl                         # NT must not stay set: an IRET would switch tasks
  andl $F_IOPL|F_NT, %eax
  CHECK_EQ %eax, F_IOPL|F_NT
  pushl $F_VM|F_AC              # POPF never sets VM; the 386 has no AC bit
  popfl
  pushfl
  popl %eax
  andl $F_VM|F_AC, %eax
  CHECK_EQ %eax, 0
.endif

TEST enter_leave_level0
  movl %esp, saved_esp
  movl $0x5555, %ebp
  enter $16, $0
  movl saved_esp, %eax
  subl $4, %eax
  CHECK_SAME %ebp, %eax         # EBP = the frame: where the old EBP went
  CHECK_EQ (%ebp), 0x5555
  movl %ebp, %ecx
  subl %esp, %ecx
  CHECK_EQ %ecx, 16
  leave
  CHECK_EQ %ebp, 0x5555
  movl saved_esp, %eax
  CHECK_SAME %esp, %eax

TEST enter_nesting_levels
  movl %esp, saved_esp
  movl $outer_frame, %ebp       # a frame whose display holds two pointers
  enter $8, $1                  # level 1: push EBP, then the new frame pointer
  movl saved_esp, %eax
  subl $4, %eax
  CHECK_SAME %ebp, %eax
  CHECK_EQ (%ebp), outer_frame
  CHECK_SAME -4(%ebp), %eax     # the display's one entry: this frame
  movl %ebp, %ecx
  subl %esp, %ecx
  CHECK_EQ %ecx, 12
  leave
  CHECK_EQ %ebp, outer_frame
  movl saved_esp, %eax
  CHECK_SAME %esp, %eax
  enter $4, $3                  # level 3: two display entries copied from [EBP-4], [EBP-8]
  movl saved_esp, %eax
  subl $4, %eax
  CHECK_SAME %ebp, %eax
  CHECK_EQ -4(%ebp), 0xaaaa0001
  CHECK_EQ -8(%ebp), 0xaaaa0002
  CHECK_SAME -12(%ebp), %eax
  movl %ebp, %ecx
  subl %esp, %ecx
  CHECK_EQ %ecx, 16             # three display dwords + 4 bytes of locals
  leave
  enter $0, $33                 # the level is taken modulo 32: level 1
  movl %ebp, %ecx
  subl %esp, %ecx
  CHECK_EQ %ecx, 4
  leave
  movl saved_esp, %eax
  CHECK_SAME %esp, %eax

TEST enter_leave_16bit_operands
  movl %esp, saved_esp
  movl $0xabcd1234, %ebp
  enterw $4, $1                 # pushes BP and the frame pointer as words; sets BP only
  movl saved_esp, %eax
  subl $2, %eax
  CHECK_SAME16 %bp, %ax
  movl %ebp, %ecx
  andl $0xffff0000, %ecx
  CHECK_EQ %ecx, 0xabcd0000
  movl saved_esp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 8
  movl saved_esp, %esp
  movl $0, %ebp

TEST push_pop_segment_registers
  movl %esp, %ebp
  movw %fs, %bx
  pushl %fs                     # 0F A0: ESP - 4
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 4
  movw (%esp), %ax
  CHECK_SAME16 %ax, %bx
  popl %gs                      # 0F A9
  CHECK_SAME %esp, %ebp
  movw %gs, %cx
  CHECK_SAME16 %cx, %bx
  pushw %gs                     # 66 0F A8: ESP - 2
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 2
  popw %fs
  CHECK_SAME %esp, %ebp
  pushl %ds
  popl %es
  pushl %cs
  popl %eax
  movw %cs, %dx
  CHECK_SAME16 %ax, %dx
.if HOST == 0
  movw $SEL_DATA_1M, %ax
  movw %ax, %fs
  pushl %fs
  popl %gs
  movw %gs, %cx
  CHECK_EQ16 %cx, SEL_DATA_1M
  movl $0x77, 0x100020
  movl %gs:0x20, %eax           # the popped selector's descriptor was loaded
  CHECK_EQ %eax, 0x77
  movw $SEL_DATA32, %ax
  movw %ax, %fs
  movw %ax, %gs
.endif

DONE

  .data
  .balign 4
val32: .long 0, 0
saved_esp: .long 0
  .long 0xaaaa0002, 0xaaaa0001
outer_frame: .long 0
