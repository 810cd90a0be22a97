# Where the i386 does what the manual leaves open, or gets wrong, differently from the 486 model:
#   - a 32-bit PUSH of a segment register moves ESP by 4 but writes only the selector's word,
#     leaving the upper half of the slot as it was (Intel SDM PUSH: "the segment selector is
#     written on the stack using a 16-bit move");
#   - POPAD on a 16-bit stack (SS.B = 0) loads the high half of ESP from the ESP image it pops
#     (an i386 erratum, seen on hardware by iPXE: "Work around two errata in the 386's popal");
#     POPA (16-bit), and POPAD on a 32-bit stack, discard the image;
#   - a SIB byte with no index (index 100) and a scale other than 1, whose address the manual
#     leaves undefined: the 386 applies the scale to the base register, base * scale + disp; the
#     486 (and later processors) ignore the scale.
#
# cpu386.486.S is this file on the 486 model (CPU486 = 1), where the 486's side of each is checked
# (its upper half of a pushed selector is left open: ts386's 486 writes the selector zero-extended,
# as the i386 PRM's pseudo-code does, but a real i486 makes the 16-bit move too). On a host
# processor (host-check.sh) the 486's side is expected, and the 16-bit stack is not available.

  .include "lib.inc"

.ifndef CPU486
.set CPU486, 0
.endif
.set I386, CPU486 == 0 && HOST == 0

TEST push_sreg_32bit_writes_a_word
  movl %esp, %ebp
  movl $0xdeadbeef, -4(%esp)
  movw %ds, %bx
  pushl %ds                     # 1E
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 4              # ESP moves by 4
  movw (%esp), %ax
  CHECK_SAME16 %ax, %bx         # the selector in the low word
.if I386
  CHECK_EQ16 2(%esp), 0xdead    # the upper half as it was
.endif
  addl $4, %esp
.irp sreg, es, cs, ss, fs, gs   # 06 0E 16 0F A0 0F A8
  movl $0xdeadbeef, -4(%esp)
  movw %\sreg, %bx
  pushl %\sreg
  movw (%esp), %ax
  CHECK_SAME16 %ax, %bx
.if I386
  CHECK_EQ16 2(%esp), 0xdead
.endif
  addl $4, %esp
.endr
  CHECK_SAME %esp, %ebp
  movl $0xdeadbeef, -2(%esp)    # a 16-bit push is a word whatever the model
  movw %ds, %bx
  pushw %ds
  movl %ebp, %eax
  subl %esp, %eax
  CHECK_EQ %eax, 2
  movw -2(%ebp), %ax
  CHECK_SAME16 %ax, %bx
  CHECK_EQ16 (%ebp), 0xdead
  movl %ebp, %esp

.if HOST == 0
TEST push_sreg_32bit_on_a_16bit_stack
  movl %esp, saved_esp
  movl $0xdeadbeef, 0x6ffc
  movw $SEL_DATA16, %ax
  movw %ax, %ss
  movl $0xabcd7000, %esp
  pushl %es                     # SP moves by 4 (ESP's high half stays), one word written
  movl %esp, got_esp
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
  CHECK_EQ got_esp, 0xabcd6ffc
  CHECK_EQ16 0x6ffc, SEL_DATA32
.if I386
  CHECK_EQ16 0x6ffe, 0xdead
.endif

TEST popad_on_a_16bit_stack
  # An image at 0x6fe0: EDI ESI EBP (ESP) EBX EDX ECX EAX.
  movl $0x6fe0, %edi
  movl $0x10000007, (%edi)
  movl $0x10000006, 4(%edi)
  movl $0x10000005, 8(%edi)
  movl $0x12345678, 12(%edi)    # the ESP image
  movl $0x10000003, 16(%edi)
  movl $0x10000002, 20(%edi)
  movl $0x10000001, 24(%edi)
  movl $0x10000000, 28(%edi)
  movl %esp, saved_esp
  movw $SEL_DATA16, %ax
  movw %ax, %ss
  movl $0xabcd6fe0, %esp
  popal
  movl %esp, got_esp
  movl %ebp, got_ebp
  movl %eax, got_eax
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
.if I386
  CHECK_EQ got_esp, 0x12347000  # SP + 32, the high half from the image
.else
  CHECK_EQ got_esp, 0xabcd7000  # SP + 32, the high half kept
.endif
  CHECK_EQ %edi, 0x10000007
  CHECK_EQ %esi, 0x10000006
  CHECK_EQ got_ebp, 0x10000005
  CHECK_EQ %ebx, 0x10000003
  CHECK_EQ %edx, 0x10000002
  CHECK_EQ %ecx, 0x10000001
  CHECK_EQ got_eax, 0x10000000
  # POPA with 16-bit operands: the image is a word and is discarded on both models.
  movw $0x5678, 0x6fe0 + 6
  movl %esp, saved_esp
  movw $SEL_DATA16, %ax
  movw %ax, %ss
  movl $0xabcd6fe0, %esp
  popaw
  movl %esp, got_esp
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  movl saved_esp, %esp
  CHECK_EQ got_esp, 0xabcd6ff0
  # POPAD on a 32-bit stack: the image is discarded on both models.
  movl %esp, saved_esp
  subl $32, %esp
  movl $0x12345678, 12(%esp)
  popal
  movl %esp, got_esp
  movl saved_esp, %eax
  CHECK_SAME got_esp, %eax
.endif

TEST sib_no_index_with_a_scale
  movl $0x2000, %eax
  .byte 0x8d, 0x54, 0xe0, 0x04  # lea edx, [eax+4]: SIB E0 = scale 8, no index, base EAX
.if I386
  CHECK_EQ %edx, 0x10004        # EAX * 8 + 4
.else
  CHECK_EQ %edx, 0x2004         # the scale ignored
.endif
  .byte 0x8d, 0x14, 0x60        # lea edx, [eax]: scale 2 (mod 00)
.if I386
  CHECK_EQ %edx, 0x4000
.else
  CHECK_EQ %edx, 0x2000
.endif
  movl $0x100, %ecx
  .byte 0x8d, 0x94, 0xa1        # lea edx, [ecx+disp32]: scale 4, mod 10
  .long 0x10000
.if I386
  CHECK_EQ %edx, 0x10400
.else
  CHECK_EQ %edx, 0x10100
.endif
  .byte 0x8d, 0x14, 0xe5        # lea edx, [disp32]: mod 00 and base 101 have no base to scale
  .long 0x12345678
  CHECK_EQ %edx, 0x12345678
  movl %esp, %ebx
  .byte 0x8d, 0x14, 0x64        # lea edx, [esp]: scale 2, base ESP
.if I386
  addl %ebx, %ebx
.endif
  CHECK_SAME %edx, %ebx
  # Memory operands, through the fast forms of MOV and ALU instructions too: the address is
  # table + 4 on either model (ECX is table / 4 on the 386, table + 4 - 4 on the 486).
  movl $table, %ecx
.if I386
  shrl $2, %ecx
.endif
  .byte 0x8b, 0x44, 0xa1, 0x04  # mov eax, [ecx+4]: scale 4
  CHECK_EQ %eax, 0x22222222
  movl $1, %eax
  .byte 0x03, 0x44, 0xa1, 0x04  # add eax, [ecx+4]
  CHECK_EQ %eax, 0x22222223
  .byte 0xc7, 0x44, 0xa1, 0x08  # mov dword [ecx+8], 0x5a5a5a5a
  .long 0x5a5a5a5a
  CHECK_EQ table + 8, 0x5a5a5a5a
.if HOST == 0
  # The default segment is still the base's: SS for EBP, even when it is scaled. DS now has base
  # 1 MiB, so a read through DS would see 0x100000 + the offset instead.
  movl $table, %ebp
.if I386
  shrl $1, %ebp
.endif
  movw $SEL_DATA_1M, %ax
  movw %ax, %ds
  .byte 0x8b, 0x44, 0x65, 0x00  # mov eax, [ebp+0]: scale 2, base EBP (SS)
  movw $SEL_DATA32, %dx
  movw %dx, %ds
  CHECK_EQ %eax, 0x11111111
.endif

DONE

  .data
  .balign 4
saved_esp: .long 0
got_esp:   .long 0
got_ebp:   .long 0
got_eax:   .long 0
table:     .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
