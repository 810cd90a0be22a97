# Shifts and rotates as the 386 does them (i386 PRM, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
# SHLD/SHRD): the count is masked to 5 bits (so 32 shifts nothing and leaves the flags alone),
# 16- and 8-bit operands can be shifted by more than their width, RCL/RCR rotate through 17 or 9
# bits, OF is defined for 1-bit counts, and SHLD/SHRD in both sizes. Only flags the manual
# defines for each case are checked.

  .include "lib.inc"

TEST shl_shr_sar_by_1
  movl $0x40000001, %eax
  shll $1, %eax
  CHECK_FLAGS F_CF|F_OF|F_SF|F_ZF, F_OF|F_SF
  CHECK_EQ %eax, 0x80000002
  movl $0x80000000, %eax
  shll $1, %eax
  CHECK_FLAGS F_CF|F_OF|F_ZF|F_PF, F_CF|F_OF|F_ZF|F_PF
  CHECK_EQ %eax, 0
  movl $0x80000001, %ebx
  shrl $1, %ebx                 # OF = the operand's old top bit
  CHECK_FLAGS F_CF|F_OF|F_SF, F_CF|F_OF
  CHECK_EQ %ebx, 0x40000000
  movl $0x80000001, %ecx
  sarl $1, %ecx                 # OF = 0
  CHECK_FLAGS F_CF|F_OF|F_SF, F_CF|F_SF
  CHECK_EQ %ecx, 0xc0000000
  movl $0x00000003, %edx
  .byte 0xd1, 0xf2              # D1 /6 (an alias of SHL on the 386): shl edx, 1
  CHECK_EQ %edx, 6

TEST shift_by_count
  movl $0x12345678, %eax
  movb $4, %cl
  shll %cl, %eax                # CF = bit 28
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF
  CHECK_EQ %eax, 0x23456780
  movl $0x12345678, %eax
  shrl $8, %eax                 # CF = bit 7
  CHECK_FLAGS F_CF|F_ZF, 0
  CHECK_EQ %eax, 0x00123456
  movl $0x80000000, %eax
  sarl $31, %eax
  CHECK_FLAGS F_CF|F_SF|F_ZF, F_SF
  CHECK_EQ %eax, 0xffffffff
  movl $0x55555555, val32
  shll $1, val32
  CHECK_EQ val32, 0xaaaaaaaa
  movb $3, %cl
  shrl %cl, val32
  CHECK_FLAGS F_CF, 0
  CHECK_EQ val32, 0x15555555
  movl $0xfffffff0, val32
  sarw $2, val32
  CHECK_EQ val32, 0xfffffffc

TEST count_masked_to_5_bits
  movl $1, %eax
  movb $33, %cl                 # 33 & 31 = 1
  shll %cl, %eax
  CHECK_EQ %eax, 2
  movb $0xe1, %cl               # 0xE1 & 31 = 1
  shrl %cl, %eax
  CHECK_EQ %eax, 1
  SET_FLAGS F_CF|F_ZF|F_PF|F_OF
  movl $0x80000001, %ebx
  movb $32, %cl                 # masked to 0: nothing shifts, no flag changes
  shll %cl, %ebx
  CHECK_FLAGS F_ARITH, F_CF|F_ZF|F_PF|F_OF
  sarl %cl, %ebx
  rorl %cl, %ebx
  rcll %cl, %ebx
  CHECK_FLAGS F_ARITH, F_CF|F_ZF|F_PF|F_OF
  CHECK_EQ %ebx, 0x80000001
  SET_FLAGS 0
  shll $32, %ebx                # an immediate count is masked too
  CHECK_FLAGS F_ARITH, 0
  CHECK_EQ %ebx, 0x80000001

TEST shift16_by_more_than_16
  movl $0x1234ffff, %eax
  movb $17, %cl
  shlw %cl, %ax                 # the 386 shifts by 17: all bits gone
  CHECK_FLAGS F_ZF|F_SF|F_PF, F_ZF|F_PF
  CHECK_EQ %eax, 0x12340000
  movl $0x1234ffff, %eax
  movb $20, %cl
  shrw %cl, %ax
  CHECK_FLAGS F_ZF|F_SF, F_ZF
  CHECK_EQ %eax, 0x12340000
  movl $0x12348000, %eax
  sarw %cl, %ax                 # the sign fills the word
  CHECK_FLAGS F_ZF|F_SF, F_SF
  CHECK_EQ %eax, 0x1234ffff
  movl $0x12347fff, %eax
  movb $31, %cl
  sarw %cl, %ax
  CHECK_EQ %eax, 0x12340000
  movl $0x000000ff, %edx
  movb $9, %cl
  shlb %cl, %dl                 # 8-bit by 9
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ %edx, 0
  movl $0x00000080, %edx
  movb $12, %cl
  sarb %cl, %dl
  CHECK_EQ %edx, 0xff

TEST rotate_counts
  movl $0x12345678, %eax
  roll $4, %eax                 # CF = the new low bit
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x23456781
  movl $0x12345678, %eax
  rorl $4, %eax                 # CF = the new top bit
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x81234567
  movl $0x12341234, %eax
  movb $17, %cl
  rolw %cl, %ax                 # 16-bit ROL by 17 = by 1
  CHECK_EQ %eax, 0x12342468
  movl $0x12341234, %eax
  movb $16, %cl
  rolw %cl, %ax                 # by 16: the same word
  CHECK_EQ %eax, 0x12341234
  movb $20, %cl
  rorw %cl, %ax                 # by 20 = by 4
  CHECK_EQ %eax, 0x12344123
  movl $0x81, %edx
  movb $9, %cl
  rolb %cl, %dl                 # 8-bit by 9 = by 1
  CHECK_EQ %edx, 0x03
  movl $0x12345678, val32
  roll $8, val32
  CHECK_EQ val32, 0x34567812

TEST rotate_overflow_flag
  movl $0x40000000, %eax
  roll $1, %eax                 # OF = top bit XOR CF = 1 XOR 0
  CHECK_FLAGS F_CF|F_OF, F_OF
  CHECK_EQ %eax, 0x80000000
  roll $1, %eax                 # -> 1, CF = 1, OF = 0 XOR 1
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 1
  roll $1, %eax                 # -> 2, CF = 0, OF = 0
  CHECK_FLAGS F_CF|F_OF, 0
  movl $1, %eax
  rorl $1, %eax                 # OF = top two bits of the result differ
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x80000000
  rorl $1, %eax                 # -> 0x40000000: CF = 0, OF = 0 XOR 1
  CHECK_FLAGS F_CF|F_OF, F_OF
  movl $0xc0000000, %eax
  rorl $1, %eax                 # -> 0x60000000: OF = 0 XOR 1
  CHECK_FLAGS F_CF|F_OF, F_OF
  movw $0x4000, %bx
  rolw $1, %bx
  CHECK_FLAGS F_CF|F_OF, F_OF
  movb $0x01, %bl
  rorb $1, %bl
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF

TEST rcl_rcr
  SET_FLAGS F_CF
  movl $0x40000000, %eax
  rcll $1, %eax                 # CF enters at the bottom; OF = top bit XOR new CF
  CHECK_FLAGS F_CF|F_OF, F_OF
  CHECK_EQ %eax, 0x80000001
  rcll $1, %eax
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x00000002
  SET_FLAGS 0
  movl $0x80000000, %eax
  rcrl $1, %eax                 # OF = top two bits of the result differ
  CHECK_FLAGS F_CF|F_OF, F_OF
  CHECK_EQ %eax, 0x40000000
  SET_FLAGS F_CF
  movl $1, %eax
  rcrl $1, %eax
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x80000000
  SET_FLAGS F_CF
  movl $0x12345678, %eax
  rcll $4, %eax                 # bits 31..28 go through CF: CF = bit 28, bit 3 = old CF
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x23456788
  SET_FLAGS 0
  movb $33, %cl                 # 33 & 31 = 1
  movl $0x80000000, %eax
  rcll %cl, %eax
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0

TEST rcl_rcr_through_17_and_9_bits
  SET_FLAGS F_CF
  movl $0x11111234, %eax
  movb $17, %cl
  rclw %cl, %ax                 # 16 bits + CF = 17: a full turn
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x11111234
  SET_FLAGS 0
  movl $0x8001, %eax
  movb $18, %cl
  rclw %cl, %ax                 # 18 mod 17 = 1
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x0002
  SET_FLAGS F_CF
  movl $0x0001, %eax
  movb $18, %cl
  rcrw %cl, %ax                 # 18 mod 17 = 1: CF -> bit 15, bit 0 -> CF
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x8000
  SET_FLAGS 0
  movl $0x81, %edx
  movb $9, %cl
  rclb %cl, %dl                 # 8 bits + CF = 9: a full turn
  CHECK_FLAGS F_CF, 0
  CHECK_EQ %edx, 0x81
  movb $10, %cl
  rclb %cl, %dl                 # 10 mod 9 = 1
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %edx, 0x02
  SET_FLAGS F_CF
  movl $0x00, %edx
  movb $26, %cl                 # 26 mod 9 = 8
  rcrb %cl, %dl                 # CF ends up in bit 0
  CHECK_FLAGS F_CF, 0
  CHECK_EQ %edx, 0x01

TEST shld_shrd_32
  movl $0x12345678, %eax
  movl $0x9abcdef0, %ebx
  shldl $4, %ebx, %eax          # CF = bit 28 of EAX
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF
  CHECK_EQ %eax, 0x23456789
  CHECK_EQ %ebx, 0x9abcdef0
  movl $0x12345678, %eax
  shrdl $4, %ebx, %eax          # CF = bit 3 of EAX
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF
  CHECK_EQ %eax, 0x01234567
  movl $0x12345678, %eax
  movb $36, %cl                 # 36 & 31 = 4
  shldl %cl, %ebx, %eax
  CHECK_EQ %eax, 0x23456789
  movl $0x12345678, %eax
  movb $8, %cl
  shrdl %cl, %ebx, %eax
  CHECK_FLAGS F_CF|F_SF|F_ZF, F_SF
  CHECK_EQ %eax, 0xf0123456
  movl $0x40000000, %eax
  movl $0x80000000, %ebx
  shldl $1, %ebx, %eax          # 1-bit count: OF = the sign changed
  CHECK_FLAGS F_CF|F_OF|F_SF, F_OF|F_SF
  CHECK_EQ %eax, 0x80000001
  SET_FLAGS F_CF|F_ZF
  movl $0xffffffff, %ebx
  movl $0x12345678, %eax
  movb $32, %cl                 # masked to 0: nothing changes
  shldl %cl, %ebx, %eax
  CHECK_FLAGS F_CF|F_ZF|F_SF, F_CF|F_ZF
  CHECK_EQ %eax, 0x12345678
  movl $0x00000000, %edx
  movl $0x000000ff, val32
  shrdl $4, %edx, val32         # memory destination
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ val32, 0x0000000f
  movl $0xa0000000, %edx
  shldl $3, %edx, val32
  CHECK_EQ val32, 0x0000007d

TEST shld_shrd_16
  movl $0x55551234, %eax
  movl $0x6666abcd, %ebx
  shldw $4, %bx, %ax            # CF = bit 12 of AX
  CHECK_FLAGS F_CF|F_SF, F_CF
  CHECK_EQ %eax, 0x5555234a
  movl $0x55551234, %eax
  shrdw $4, %bx, %ax            # CF = bit 3 of AX
  CHECK_FLAGS F_CF|F_SF, F_SF
  CHECK_EQ %eax, 0x5555d123
  movl $0x0000ffff, %eax
  movl $0, %ebx
  movb $8, %cl
  shldw %cl, %bx, %ax
  CHECK_EQ %eax, 0xff00
  shrdw %cl, %bx, %ax
  CHECK_EQ %eax, 0x00ff
  movl $0x00008001, %eax
  movl $0x12340000, %edx
  movb $1, %cl
  shrdw %cl, %dx, %ax           # bit 0 -> CF, DX's bit 0 (0) -> bit 15
  CHECK_FLAGS F_CF|F_OF, F_CF|F_OF
  CHECK_EQ %eax, 0x4000

DONE

  .data
  .balign 4
val32: .long 0
