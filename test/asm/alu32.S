# 32-bit operands and addressing for the ALU group: results and the six arithmetic flags, with
# register, immediate (imm32 and sign-extended imm8), and memory operands, plus 8-bit high
# registers and 16-bit operands (0x66) inside 32-bit code.

  .include "lib.inc"

TEST add32
  movl $0xffffffff, %eax
  addl $1, %eax
  CHECK_FLAGS F_ARITH, F_CF|F_PF|F_AF|F_ZF
  CHECK_EQ %eax, 0

TEST add32_overflow
  movl $0x7fffffff, %ebx
  movl $1, %ecx
  addl %ecx, %ebx
  CHECK_FLAGS F_ARITH, F_PF|F_AF|F_SF|F_OF
  CHECK_EQ %ebx, 0x80000000

TEST add32_mem
  movl $0x12345678, val32
  movl $0x11111111, %edx
  addl %edx, val32
  CHECK_FLAGS F_ARITH, 0
  CHECK_EQ val32, 0x23456789
  addl val32, %edx
  CHECK_EQ %edx, 0x3456789a
  addl $0x10000000, val32+0
  CHECK_EQ val32, 0x33456789

TEST add32_imm8_sign_extended
  movl $0x100, %esi
  addl $-1, %esi                # 83 /0 with imm8 0xFF: adds 0xFFFFFFFF
  CHECK_FLAGS F_CF|F_ZF, F_CF
  CHECK_EQ %esi, 0xff
  .byte 0x81, 0xc6              # addl $0xff, %esi as 81 /0 imm32 (not sign-extended)
  .long 0xff
  CHECK_EQ %esi, 0x1fe

TEST adc32
  SET_FLAGS F_CF
  movl $0xffffffff, %eax
  adcl $0, %eax
  CHECK_FLAGS F_CF|F_ZF|F_OF, F_CF|F_ZF
  CHECK_EQ %eax, 0
  SET_FLAGS F_CF
  movl $5, %eax
  adcl $0xffffffff, %eax        # 5 + 0xFFFFFFFF + 1 = 5, carry out
  CHECK_FLAGS F_CF|F_ZF|F_OF, F_CF
  CHECK_EQ %eax, 5
  SET_FLAGS F_CF
  movl $0x7fffffff, %eax
  adcl $0, %eax
  CHECK_FLAGS F_CF|F_OF|F_SF, F_OF|F_SF
  CHECK_EQ %eax, 0x80000000

TEST sub32
  movl $0, %eax
  subl $1, %eax
  CHECK_FLAGS F_ARITH, F_CF|F_PF|F_AF|F_SF
  CHECK_EQ %eax, 0xffffffff
  movl $0x80000000, %eax
  subl $1, %eax
  CHECK_FLAGS F_ARITH, F_PF|F_AF|F_OF
  CHECK_EQ %eax, 0x7fffffff

TEST sbb32
  SET_FLAGS F_CF
  movl $0, %ecx
  sbbl $0, %ecx
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF|F_SF
  CHECK_EQ %ecx, 0xffffffff
  SET_FLAGS F_CF
  movl $0x80000000, %ecx
  sbbl $0x7fffffff, %ecx        # 0x80000000 - 0x7FFFFFFF - 1 = 0
  CHECK_FLAGS F_CF|F_ZF|F_OF, F_ZF|F_OF
  CHECK_EQ %ecx, 0

TEST cmp32
  movl $3, val32
  cmpl $4, val32
  CHECK_FLAGS F_CF|F_ZF|F_SF|F_OF, F_CF|F_SF
  CHECK_EQ val32, 3
  movl $0x80000000, %eax
  cmpl $1, %eax
  CHECK_FLAGS F_CF|F_ZF|F_SF|F_OF, F_OF
  CHECK_EQ %eax, 0x80000000

TEST inc_dec32_keep_cf
  SET_FLAGS F_CF
  movl $0xffffffff, %edi
  incl %edi
  CHECK_FLAGS F_CF|F_ZF|F_AF|F_OF, F_CF|F_ZF|F_AF
  CHECK_EQ %edi, 0
  SET_FLAGS 0
  decl %edi
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_SF
  CHECK_EQ %edi, 0xffffffff
  movl $0x7fffffff, val32
  incl val32
  CHECK_FLAGS F_OF|F_SF, F_OF|F_SF
  CHECK_EQ val32, 0x80000000

TEST neg32
  movl $0, %eax
  negl %eax
  CHECK_FLAGS F_CF|F_ZF, F_ZF
  movl $0x80000000, %eax
  negl %eax
  CHECK_FLAGS F_CF|F_OF|F_SF, F_CF|F_OF|F_SF
  CHECK_EQ %eax, 0x80000000
  movl $1, val32
  negl val32
  CHECK_FLAGS F_CF|F_AF, F_CF|F_AF
  CHECK_EQ val32, 0xffffffff

TEST logic32
  SET_FLAGS F_CF|F_OF
  movl $0xf0f0f0f0, %eax
  andl $0x0ff00ff0, %eax
  CHECK_FLAGS F_CF|F_OF|F_ZF|F_SF|F_PF, F_PF
  CHECK_EQ %eax, 0x00f000f0
  orl $0x80000000, %eax
  CHECK_FLAGS F_SF|F_ZF, F_SF
  CHECK_EQ %eax, 0x80f000f0
  xorl %eax, %eax
  CHECK_FLAGS F_ZF|F_PF|F_SF, F_ZF|F_PF
  CHECK_EQ %eax, 0
  movl $0xff, %ebx
  notl %ebx
  CHECK_EQ %ebx, 0xffffff00

TEST test32
  movl $0x80000001, %edx
  testl $0x80000000, %edx
  CHECK_FLAGS F_ZF|F_SF|F_CF|F_OF, F_SF
  testl %edx, %edx
  CHECK_FLAGS F_ZF, 0
  movl $0x80, val32
  testb $0x80, val32
  CHECK_FLAGS F_ZF|F_SF, F_SF
  CHECK_EQ %edx, 0x80000001

TEST parity_is_low_byte_only
  movl $0x00000300, %eax        # low byte 0: even parity though bits 8-9 are set
  orl $0, %eax
  CHECK_FLAGS F_PF, F_PF
  movl $0xff000001, %eax
  orl $0, %eax
  CHECK_FLAGS F_PF, 0

TEST high_byte_registers
  movl $0x11223344, %eax
  addb $1, %ah
  CHECK_EQ %eax, 0x11223444
  movl $0xaabbccdd, %ebx
  movb %bh, %cl
  movb %bl, %ch
  CHECK_EQ8 %cl, 0xcc
  CHECK_EQ8 %ch, 0xdd
  movl $0x000000ff, %edx
  addb $1, %dl
  CHECK_FLAGS F_CF|F_ZF, F_CF|F_ZF
  CHECK_EQ %edx, 0

TEST operand_size_16_in_32bit_code
  movl $0x1234ffff, %eax
  addw $1, %ax                  # 66 prefix: only AX changes, flags from 16 bits
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF|F_ZF
  CHECK_EQ %eax, 0x12340000
  movl $0xabcd7fff, %ebx
  incw %bx
  CHECK_FLAGS F_OF|F_SF, F_OF|F_SF
  CHECK_EQ %ebx, 0xabcd8000
  movl $0x55555555, val32
  movw $0x1111, val32+2
  CHECK_EQ val32, 0x11115555

TEST disp32_and_disp8_forms
  movl $table, %ebx
  movl 8(%ebx), %eax            # mod 01, disp8
  CHECK_EQ %eax, 0x33333333
  movl table+12, %eax           # mod 00, rm 101: disp32 alone
  CHECK_EQ %eax, 0x44444444
  movl $-4, %esi
  movl table+8(%esi), %eax      # mod 10, disp32 plus a negative base
  CHECK_EQ %eax, 0x22222222
  movl $table+0x1000, %edi
  movl -0x1000(%edi), %eax      # mod 10, negative disp32
  CHECK_EQ %eax, 0x11111111

DONE

  .data
  .balign 4
val32: .long 0
table: .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
