# Every SIB form of 32-bit addressing (i386 PRM 17.2.1, "ModR/M and SIB Bytes"): scales 1, 2, 4
# and 8; no base with disp32 (mod 00, base 101); no index (index 100, with scale 1: other scales
# give an undefined address, which the 386 and the 486 compute differently, cpu386.S); ESP as
# base; EBP as base with disp8 and disp32; address arithmetic wrapping at 2^32; and the default
# segment each form uses (SS for an ESP or EBP base, DS otherwise, EBP as an index included).

  .include "lib.inc"

TEST sib_scales
  movl $0x1000, %eax
  movl $0x10, %ebx
  leal (%eax,%ebx,1), %edx
  CHECK_EQ %edx, 0x1010
  leal (%eax,%ebx,2), %edx
  CHECK_EQ %edx, 0x1020
  leal (%eax,%ebx,4), %edx
  CHECK_EQ %edx, 0x1040
  leal (%eax,%ebx,8), %edx
  CHECK_EQ %edx, 0x1080
  leal 0x7f(%eax,%ebx,8), %edx  # mod 01
  CHECK_EQ %edx, 0x10ff
  leal -0x80(%eax,%ebx,8), %edx
  CHECK_EQ %edx, 0x1000
  leal 0x12345678(%eax,%ebx,2), %edx  # mod 10
  CHECK_EQ %edx, 0x12346698

TEST sib_no_base_disp32
  movl $3, %ecx
  leal 0x100(,%ecx,4), %edx     # mod 00, base 101: disp32 + index*scale, no base
  CHECK_EQ %edx, 0x10c
  leal 0(,%ecx,8), %edx
  CHECK_EQ %edx, 24
  leal -8(,%ecx,1), %edx
  CHECK_EQ %edx, 0xfffffffb
  movl $1, %esi
  movl table-4(,%esi,4), %eax
  CHECK_EQ %eax, 0x11111111
  movl $2, %esi
  movl table(,%esi,4), %eax
  CHECK_EQ %eax, 0x33333333

TEST sib_no_index
  movl $0x2000, %eax
  .byte 0x8d, 0x14, 0x20        # lea edx, [eax] through SIB with index 100: no index
  CHECK_EQ %edx, 0x2000
  .byte 0x8d, 0x54, 0x20, 0x04  # lea edx, [eax+4] (mod 01)
  CHECK_EQ %edx, 0x2004
  .byte 0x8d, 0x14, 0x25        # lea edx, [disp32] through SIB (mod 00, base 101, no index)
  .long 0x12345678
  CHECK_EQ %edx, 0x12345678
  movl $table, %ecx
  .byte 0x8b, 0x44, 0x21, 0x04  # mov eax, [ecx+4]
  CHECK_EQ %eax, 0x22222222

TEST sib_esp_base
  movl %esp, %ebx
  leal (%esp), %edx             # ESP can only be a base through SIB
  CHECK_SAME %edx, %ebx
  leal 8(%esp), %edx
  subl $8, %edx
  CHECK_SAME %edx, %ebx
  leal 0x1000(%esp), %edx
  subl $0x1000, %edx
  CHECK_SAME %edx, %ebx
  movl $4, %eax
  leal (%esp,%eax,2), %edx
  subl $8, %edx
  CHECK_SAME %edx, %ebx
  pushl $0xcafef00d
  pushl $0x12345678
  movl (%esp), %eax
  CHECK_EQ %eax, 0x12345678
  movl 4(%esp), %eax
  CHECK_EQ %eax, 0xcafef00d
  movl $1, %ecx
  movl (%esp,%ecx,4), %eax
  CHECK_EQ %eax, 0xcafef00d
  addl $8, %esp

TEST sib_ebp_base
  movl $0x4000, %ebp
  movl $0x10, %eax
  leal 0(%ebp), %edx            # mod 01 disp8 0: [EBP] must be encoded with a displacement
  CHECK_EQ %edx, 0x4000
  leal 5(%ebp,%eax,2), %edx     # SIB base 101 with mod 01: EBP + disp8
  CHECK_EQ %edx, 0x4025
  leal 0x100000(%ebp,%eax,4), %edx  # mod 10: EBP + disp32
  CHECK_EQ %edx, 0x104040
  .byte 0x8d, 0x54, 0x25, 0xff  # lea edx, [ebp-1] through SIB with no index
  CHECK_EQ %edx, 0x3fff
  leal (%eax,%ebp,1), %edx      # EBP as index
  CHECK_EQ %edx, 0x4010

TEST sib_index_registers
  movl $1, %eax
  movl $2, %ecx
  movl $3, %edx
  movl $4, %ebx
  movl $5, %ebp
  movl $6, %esi
  movl $7, %edi
  movl %esp, saved_esp
  leal 0x100(,%eax,8), %esp     # ESP as the destination
  movl %esp, val32
  movl saved_esp, %esp
  CHECK_EQ val32, 0x108
  leal 0x100(%eax,%ecx,1), %ebx
  CHECK_EQ %ebx, 0x103
  leal 0x100(%ecx,%edx,2), %ebx
  CHECK_EQ %ebx, 0x108
  leal 0x100(%edx,%ebp,4), %ebx
  CHECK_EQ %ebx, 0x117
  leal 0x100(%ebp,%esi,8), %ebx
  CHECK_EQ %ebx, 0x135
  leal 0x100(%esi,%edi,1), %ebx
  CHECK_EQ %ebx, 0x10d
  leal 0x100(%edi,%eax,2), %ebx
  CHECK_EQ %ebx, 0x109

TEST address_wraps_at_4g
  movl $0x80000000, %eax
  movl $0x20000000, %ebx
  leal (%eax,%ebx,8), %edx
  CHECK_EQ %edx, 0x80000000
  movl $0, %eax
  leal -1(%eax), %edx
  CHECK_EQ %edx, 0xffffffff
  movl $0xfffffff0, %eax
  leal table+0x10(%eax), %esi   # wraps back to table
  movl (%esi), %ecx
  CHECK_EQ %ecx, 0x11111111
  movl table+0x10(%eax), %ecx   # the same wrap in the access itself
  CHECK_EQ %ecx, 0x11111111

TEST lea_operand_size_16
  movl $0xffffffff, %edx
  movl $0x1234, %eax
  movl $0x10000, %ebx
  leaw 2(%eax,%ebx), %dx        # the 32-bit address, truncated to 16 bits
  CHECK_EQ %edx, 0xffff1236

.if HOST == 0
# Default segments: SS gets a data segment based at 0x100000, so a load tells which segment
# it went through. Nothing may touch the stack until SS is restored.
TEST default_segment_ss_or_ds
  movl $0xdddddddd, 0x8000      # DS:0x8000
  movl $0x55555555, 0x108000    # SS:0x8000 once SS is based at 0x100000
  movl %esp, saved_esp
  movw $SEL_DATA_1M, %ax
  movw %ax, %ss
  movl $0x8000, %ebp
  movl $0, %eax
  movl 0(%ebp), %ecx            # EBP base, disp8: SS
  movl %ecx, seg_results
  movl (%ebp,%eax,1), %ecx      # EBP base with an index: SS
  movl %ecx, seg_results+4
  movl 0(,%ebp,1), %ecx         # EBP as index, no base: DS
  movl %ecx, seg_results+8
  movl (%eax,%ebp,1), %ecx      # EAX base, EBP index: DS
  movl %ecx, seg_results+12
  movl %ds:0(%ebp), %ecx        # override: DS
  movl %ecx, seg_results+16
  movl $0x8000, %esp
  movl (%esp), %ecx             # ESP base: SS
  movl %ecx, seg_results+20
  movl %ss:(%eax,%ebp,1), %ecx  # override: SS
  movl %ecx, seg_results+24
  movl 0x8000, %ecx             # disp32 alone: DS
  movl %ecx, seg_results+28
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
  CHECK_EQ seg_results, 0x55555555
  CHECK_EQ seg_results+4, 0x55555555
  CHECK_EQ seg_results+8, 0xdddddddd
  CHECK_EQ seg_results+12, 0xdddddddd
  CHECK_EQ seg_results+16, 0xdddddddd
  CHECK_EQ seg_results+20, 0x55555555
  CHECK_EQ seg_results+24, 0x55555555
  CHECK_EQ seg_results+28, 0xdddddddd
.endif

DONE

  .data
  .balign 4
val32: .long 0
saved_esp: .long 0
table: .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
seg_results: .fill 8, 4, 0
