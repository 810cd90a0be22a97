# MUL, IMUL (one, two and three operands) and DIV/IDIV (i386 PRM, those pages): full 64-bit
# products and dividends, CF/OF telling whether the product fits the destination, the upper
# halves of EAX/EDX untouched by 16- and 8-bit forms, and #DE (a fault: the pushed EIP is the
# DIV's own address, and registers and flags are as they were) for division by zero and for
# quotients that do not fit, caught through the program's own IDT.

  .include "lib.inc"

TEST mul32
  movl $0xffffffff, %eax
  movl $0xffffffff, %ebx
  mull %ebx                     # 0xFFFFFFFE_00000001
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edx, 0xfffffffe
  CHECK_EQ %eax, 0x00000001
  movl $3, %eax
  movl $0x12345678, %edx
  movl $4, val32
  mull val32
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %edx, 0
  CHECK_EQ %eax, 12

TEST mul16_mul8
  movl $0x1111ffff, %eax
  movl $0x2222ffff, %ebx
  movl $0x33330000, %edx
  mulw %bx                      # DX:AX; the high halves of EAX and EDX are kept
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edx, 0x3333fffe
  CHECK_EQ %eax, 0x11110001
  movl $0x123400ff, %eax
  movb $0xff, %cl
  mulb %cl                      # AX = 0xFE01
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x1234fe01
  movl $0x12340010, %eax
  movb $0x0f, %cl
  mulb %cl
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %eax, 0x123400f0

TEST imul_one_operand
  movl $-1, %eax
  movl $-1, %ebx
  imull %ebx
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %edx, 0
  CHECK_EQ %eax, 1
  movl $0x80000000, %eax
  movl $2, %ecx
  imull %ecx                    # -2^32: EDX is not just the sign of EAX
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edx, 0xffffffff
  CHECK_EQ %eax, 0
  movl $0x10000, %eax
  movl $0x8000, %ecx
  imull %ecx                    # +2^31 does not fit a signed dword
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edx, 0
  CHECK_EQ %eax, 0x80000000
  movl $0x5555fffe, %eax
  movl $0x66660003, %ebx
  imulw %bx                     # -2 * 3 = -6 in DX:AX
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %eax, 0x5555fffa
  CHECK_EQ16 %dx, 0xffff
  movl $0x80, %eax
  movb $0xff, %bl
  imulb %bl                     # -128 * -1 = 128: does not fit a signed byte
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x0080

TEST imul_two_operands
  movl $0x10000, %eax
  movl $0x10000, %ebx
  imull %ebx, %eax              # 0F AF: truncated product
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0
  movl $-3, %eax
  movl $0x12345678, val32
  imull val32, %eax
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %eax, 0xc962fc98
  movl $0x12347fff, %ecx
  movl $0x00007fff, %edx
  imulw %dx, %cx                # 16-bit: 0x3FFF0001 truncated to 0x0001
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %ecx, 0x12340001

TEST imul_three_operands
  movl $0x12345678, %ebx
  imull $-3, %ebx, %ecx         # 6B: sign-extended imm8
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %ecx, 0xc962fc98
  CHECK_EQ %ebx, 0x12345678
  movl $0x6789, %ebx
  imull $0x12345, %ebx, %edx    # 69: imm32
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %edx, 0x75cca2ed
  imull $0x40000000, %ebx, %edx
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edx, 0x40000000
  movl $7, val32
  imull $6, val32, %esi
  CHECK_EQ %esi, 42
  movl $0xaaaa0000, %edi
  movl $0x00000100, %eax
  imulw $-2, %ax, %di           # 16-bit
  CHECK_FLAGS F_CF|F_OF, 0
  CHECK_EQ %edi, 0xaaaafe00
  imulw $0x100, %ax, %di
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %edi, 0xaaaa0000

TEST div32_64bit_dividend
  movl $0x12345678, %edx
  movl $0x9abcdef0, %eax
  movl $0x87654321, %ecx
  divl %ecx
  CHECK_EQ %eax, 0x226b9022
  CHECK_EQ %edx, 0x38bc648e
  movl $1, %edx
  movl $0, %eax
  movl $2, val32
  divl val32                    # 2^32 / 2
  CHECK_EQ %eax, 0x80000000
  CHECK_EQ %edx, 0
  movl $0xfffffffe, %edx        # the largest quotient that fits
  movl $0xffffffff, %eax
  movl $0xffffffff, %ecx
  divl %ecx
  CHECK_EQ %eax, 0xffffffff
  CHECK_EQ %edx, 0xfffffffe

TEST idiv32_truncates_toward_zero
  movl $-7, %eax
  cltd
  movl $2, %ecx
  idivl %ecx                    # remainder takes the dividend's sign
  CHECK_EQ %eax, -3
  CHECK_EQ %edx, -1
  movl $7, %eax
  cltd
  movl $-2, %ecx
  idivl %ecx
  CHECK_EQ %eax, -3
  CHECK_EQ %edx, 1
  movl $0xffffffff, %edx        # -2^32 / 2 = -2^31 just fits
  movl $0, %eax
  movl $2, %ecx
  idivl %ecx
  CHECK_EQ %eax, 0x80000000
  CHECK_EQ %edx, 0

TEST div16_div8
  movl $0x77770001, %edx
  movl $0x66660000, %eax
  movl $0x55550002, %ebx
  divw %bx                      # DX:AX = 0x10000 / 2
  CHECK_EQ %eax, 0x66668000
  CHECK_EQ %edx, 0x77770000
  movl $0x123400ff, %eax
  movb $0x10, %bl
  divb %bl                      # AL = quotient, AH = remainder
  CHECK_EQ %eax, 0x12340f0f
  movl $0xff9c, %eax            # -100
  movb $7, %bl
  idivb %bl                     # -14 remainder -2
  CHECK_EQ %eax, 0xfef2

.if HOST == 0
TEST div_fault_quotient_too_large
  movl $2, %edx
  movl $0, %eax
  movl $2, %ecx                 # 2^33 / 2 does not fit in 32 bits
  movl $0x1234, %esi
  SET_FLAGS F_CF|F_ZF|F_PF
  EXPECT_EXC 0, 1f
.Ldiv1:
  divl %ecx
  FAILNOW
1:
  CHECK_EQ exc_w0, .Ldiv1       # the fault points at the DIV
  CHECK_EQ exc_w1, SEL_CODE32
  movl exc_w2, %ebx
  andl $F_ARITH, %ebx
  CHECK_EQ %ebx, F_CF|F_ZF|F_PF # flags as they were before the DIV
  CHECK_EQ %edx, 2
  CHECK_EQ %eax, 0
  CHECK_EQ %ecx, 2
  CHECK_EQ %esi, 0x1234

TEST div_fault_by_zero
  movl $0x11111111, %edx
  movl $0x22222222, %eax
  movl $0, val32
  EXPECT_EXC 0, 1f
.Ldiv2:
  divl val32                    # a memory divisor: the pushed EIP is still the DIV's
  FAILNOW
1:
  CHECK_EQ exc_w0, .Ldiv2
  CHECK_EQ %edx, 0x11111111
  CHECK_EQ %eax, 0x22222222
  movl $0, %ebx
  movl $0x1234, %eax
  EXPECT_EXC 0, 2f
.Ldiv3:
  divb %bl
  FAILNOW
2:
  CHECK_EQ exc_w0, .Ldiv3
  CHECK_EQ %eax, 0x1234

TEST idiv_fault_most_negative_by_minus_1
  movl $0xffffffff, %edx
  movl $0x80000000, %eax
  movl $-1, %ecx                # -2^31 / -1 = 2^31: does not fit
  EXPECT_EXC 0, 1f
.Ldiv4:
  idivl %ecx
  FAILNOW
1:
  CHECK_EQ exc_w0, .Ldiv4
  CHECK_EQ %edx, 0xffffffff
  CHECK_EQ %eax, 0x80000000
  movl $0x5555ffff, %edx
  movl $0x66668000, %eax
  movl $0xffff, %ebx
  EXPECT_EXC 0, 2f
.Ldiv5:
  idivw %bx                     # -32768 / -1
  FAILNOW
2:
  CHECK_EQ exc_w0, .Ldiv5
  CHECK_EQ %edx, 0x5555ffff
  CHECK_EQ %eax, 0x66668000
  movl $0x1000, %eax
  movb $0x10, %bl
  EXPECT_EXC 0, 3f
.Ldiv6:
  divb %bl                      # 0x1000 / 0x10 = 0x100: not a byte
  FAILNOW
3:
  CHECK_EQ exc_w0, .Ldiv6
  CHECK_EQ %eax, 0x1000
  movl $0xff80, %eax            # -128 / -1 = 128: not a signed byte
  movb $0xff, %bl
  EXPECT_EXC 0, 4f
.Ldiv7:
  idivb %bl
  FAILNOW
4:
  CHECK_EQ exc_w0, .Ldiv7
  CHECK_EQ %eax, 0xff80

TEST execution_continues_after_a_fault
  movl $100, %eax
  movl $0, %edx
  movl $7, %ecx
  divl %ecx
  CHECK_EQ %eax, 14
  CHECK_EQ %edx, 2
.endif

DONE

  .data
  .balign 4
val32: .long 0
