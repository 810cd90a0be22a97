# 16-bit addressing inside 32-bit code, through the 0x67 prefix (i386 PRM 17.2.1, the 16-bit
# ModR/M table): the eight r/m forms with no, 8-bit and 16-bit displacements, the disp16-only
# form, offsets wrapping at 64 KiB, the high halves of the base registers ignored, default
# segments (SS for BP-based forms), moffs, XLAT, LOOP/JCXZ counting with CX.

  .include "lib.inc"

TEST addr16_rm_forms
  movl $0xaaaa0100, %ebx        # only BX, SI, DI, BP count: their high halves are ignored
  movl $0xbbbb0020, %esi
  movl $0xcccc0003, %edi
  movl $0xdddd4000, %ebp
  leal (%bx,%si), %eax          # rm 000
  CHECK_EQ %eax, 0x0120
  leal (%bx,%di), %eax          # rm 001
  CHECK_EQ %eax, 0x0103
  leal (%bp,%si), %eax          # rm 010
  CHECK_EQ %eax, 0x4020
  leal (%bp,%di), %eax          # rm 011
  CHECK_EQ %eax, 0x4003
  leal (%si), %eax              # rm 100
  CHECK_EQ %eax, 0x0020
  leal (%di), %eax              # rm 101
  CHECK_EQ %eax, 0x0003
  addr16 leal 0x1234, %eax      # mod 00 rm 110: disp16 alone
  CHECK_EQ %eax, 0x1234
  leal (%bx), %eax              # rm 111
  CHECK_EQ %eax, 0x0100
  leal 0(%bp), %eax             # mod 01 rm 110: BP + disp8
  CHECK_EQ %eax, 0x4000

TEST addr16_displacements
  movl $0x0100, %ebx
  movl $0x0020, %esi
  leal -2(%bx,%si), %eax        # disp8 is sign-extended
  CHECK_EQ %eax, 0x011e
  leal 0x7f(%bx,%si), %eax
  CHECK_EQ %eax, 0x019f
  leal 0x1000(%bx,%si), %eax    # disp16
  CHECK_EQ %eax, 0x1120
  leal -0x200(%bx,%si), %eax    # disp16 0xFE00: wraps to 0xFF20
  CHECK_EQ %eax, 0xff20

TEST addr16_wraps_at_64k
  movl $0xffff, %ebx
  movl $2, %esi
  leal (%bx,%si), %eax
  CHECK_EQ %eax, 0x0001
  movl $0x8000, %ebp
  movl $0x8001, %edi
  leal 0x10(%bp,%di), %eax
  CHECK_EQ %eax, 0x0011
  movl $0xfff0, %ebx
  movl $0xffffffff, %edx
  leaw 0x20(%bx), %dx           # 16-bit operand: only DX written
  CHECK_EQ %edx, 0xffff0010

.if HOST == 0
TEST addr16_memory_access
  movl $0x11111111, 0x8000
  movl $0x22222222, 0x8004
  movl $0x33333333, 0x0010
  movl $0x12340000, %ebx        # BX = 0
  movl $0x56788000, %esi        # SI = 0x8000
  movl (%bx,%si), %eax
  CHECK_EQ %eax, 0x11111111
  movl 4(%bx,%si), %eax
  CHECK_EQ %eax, 0x22222222
  movl $0xffff, %ebx
  movl $0x11, %esi
  movl (%bx,%si), %eax          # 0xFFFF + 0x11 wraps to 0x0010
  CHECK_EQ %eax, 0x33333333
  movl $0x8000, %edi
  movl $0x44444444, %ecx
  movl %ecx, 4(%di)
  CHECK_EQ 0x8004, 0x44444444
  addr16 movl 0x8000, %eax      # moffs with a 16-bit offset (67 A1 disp16)
  CHECK_EQ %eax, 0x11111111
  movl $0x66666666, %eax
  addr16 movl %eax, 0x8004      # 67 A3 disp16
  CHECK_EQ 0x8004, 0x66666666

TEST addr16_default_segment
  # SS based at 0x100000: BP-based forms read SS:, the others DS:.
  movl $0xdddddddd, 0x8000
  movl $0x55555555, 0x108000
  movl %esp, saved_esp
  movw $SEL_DATA_1M, %ax
  movw %ax, %ss
  movl $0x8000, %ebp
  movl $0, %esi
  movl $0, %edi
  movl $0, %ebx
  movl 0(%bp), %ecx             # SS
  movl %ecx, seg_results
  movl (%bp,%si), %ecx          # SS
  movl %ecx, seg_results+4
  movl (%bp,%di), %ecx          # SS
  movl %ecx, seg_results+8
  movl $0x8000, %ebx
  movl (%bx,%si), %ecx          # DS
  movl %ecx, seg_results+12
  addr16 movl 0x8000, %ecx      # disp16 alone (mod 00 rm 110, not BP): DS
  movl %ecx, seg_results+16
  movl %ds:0(%bp), %ecx         # override
  movl %ecx, seg_results+20
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
  CHECK_EQ seg_results, 0x55555555
  CHECK_EQ seg_results+4, 0x55555555
  CHECK_EQ seg_results+8, 0x55555555
  CHECK_EQ seg_results+12, 0xdddddddd
  CHECK_EQ seg_results+16, 0xdddddddd
  CHECK_EQ seg_results+20, 0xdddddddd

TEST addr16_xlat
  movl $0, %ecx
1:
  movb %cl, %al
  notb %al
  movb %al, 0x8000(%ecx)        # 0x8000 + i holds ~i
  incl %ecx
  cmpl $256, %ecx
  jne 1b
  movl $0xffff8000, %ebx        # XLAT with 0x67 adds AL to BX only
  movl $0x12345610, %eax
  addr16 xlat
  CHECK_EQ %eax, 0x123456ef
  movl $0x8000, %ebx
  movl $0xff, %eax              # AL is unsigned: 0x8000 + 0xFF
  addr16 xlat
  CHECK_EQ %eax, 0x00
.endif

# A 16-bit code segment in protected mode (selector 0x18: base 0, limit 64 KiB, D = 0): its
# default sizes are 16-bit, so 0x66/0x67 select 32-bit operands and addressing, and the data
# segment's 4 GiB limit lets a 32-bit address reach past 64 KiB. The code is copied below 64 KiB
# and called with a far CALL; it returns with a 32-bit far RET.
.if HOST == 0
TEST pm_16bit_code_segment
  movl $pm16_code, %esi
  movl $0x7000, %edi
  movl $pm16_end - pm16_code, %ecx
  rep movsb
  movl $table, %ebx
  movl $2, %esi
  movl $0, %ecx
  lcall $SEL_CODE16, $0x7000
  CHECK_EQ %ecx, 0x33333333
  CHECK_EQ %edx, 0x369c
  CHECK_EQ %eax, 0x5555abcd
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE32
.endif

TEST addr16_loop_counts_cx
  movl $0x12340003, %ecx        # 0x67 LOOP decrements CX only
  movl $0, %eax
1:
  incl %eax
  addr16 loop 1b
  CHECK_EQ %eax, 3
  CHECK_EQ %ecx, 0x12340000
  movl $0x12340000, %ecx
  jcxz 2f                       # 67 E3: tests CX, not ECX
  FAILNOW
2:
  movl $0x00010000, %ecx
  jecxz 3f
  jmp 4f
3:
  FAILNOW
4:
  movl $0x00010000, %ecx
  addr16 loop 5f                # CX 0 -> 0xFFFF: taken
  FAILNOW
5:
  CHECK_EQ %ecx, 0x0001ffff

DONE

  .code16
pm16_code:
  movl (%ebx,%esi,4), %ecx      # 67 66: a 32-bit address above 64 KiB
  movl $0x1234, %eax
  leal (%eax,%eax,2), %edx      # 67 66
  movl $0x5555ffff, %eax
  movw $0xabcd, %ax             # no prefix: 16 bits
  lretl                         # 66 CB: back to the 32-bit caller
pm16_end:
  .code32

  .data
  .balign 4
saved_esp: .long 0
seg_results: .fill 8, 4, 0
table: .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
