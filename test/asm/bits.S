# Bit instructions (i386 PRM, BT/BTS/BTR/BTC, BSF/BSR, SETcc): register bit offsets into memory
# reach beyond the addressed dword, forwards and backwards (the offset is signed); immediate
# offsets and register destinations take the offset modulo the operand size; BSF/BSR set ZF for
# a zero source; SETcc under every combination of the flags the conditions read.

  .include "lib.inc"

TEST bt_register_destination
  movl $0x00000008, %eax
  movl $35, %ecx                # register destination: offset modulo 32 -> bit 3
  btl %ecx, %eax
  CHECK_FLAGS F_CF, F_CF
  btsl $4, %eax
  CHECK_FLAGS F_CF, 0
  CHECK_EQ %eax, 0x18
  btrl %ecx, %eax
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ %eax, 0x10
  btcl $31, %eax
  CHECK_FLAGS F_CF, 0
  CHECK_EQ %eax, 0x80000010
  movl $0x12340000, %edx
  movl $0x1f, %ecx              # 16-bit: offset modulo 16 -> bit 15
  btsw %cx, %dx
  CHECK_FLAGS F_CF, 0
  CHECK_EQ %edx, 0x12348000
  btw $0x1f, %dx
  CHECK_FLAGS F_CF, F_CF

TEST bt_memory_register_offset_32
  movl $37, %ecx                # dword at +4, bit 5
  btsl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  btsl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  movl $-1, %ecx                # dword at -4, bit 31
  btsl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  movl $-33, %ecx               # dword at -8, bit 31
  btsl %ecx, bitbuf+16
  movl $-64, %ecx               # dword at -8, bit 0
  btsl %ecx, bitbuf+16
  movl $100, %ecx               # dword at +12, bit 4
  btsl %ecx, bitbuf+16
  movl $37, %ecx
  btrl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  movl $-1, %ecx
  btcl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  btcl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  movl $-64, %ecx
  btl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  movl $-63, %ecx
  btl %ecx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  movl $bitbuf+16, %ebx
  movl $-33, %ecx
  btl %ecx, (%ebx)              # the same through a register base
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ bitbuf+8, 0x80000001
  CHECK_EQ bitbuf+12, 0x80000000
  CHECK_EQ bitbuf+20, 0
  CHECK_EQ bitbuf+28, 0x10

TEST bt_memory_register_offset_16
  movl $0x1234ffef, %ecx        # CX = -17: word at -4, bit 15 (the high half of ECX is ignored)
  btsw %cx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  movl $17, %ecx                # word at +2, bit 1
  btsw %cx, bitbuf+16
  CHECK_FLAGS F_CF, 0
  movl $0x00010011, %ecx        # CX = 17 again
  btsw %cx, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ bitbuf+12, 0x80008000
  CHECK_EQ bitbuf+16, 0x00020000

TEST bt_memory_immediate_offset
  btsl $37, bitbuf+16           # immediate: modulo 32, in the addressed dword -> bit 5
  CHECK_FLAGS F_CF, 0
  btsw $20, bitbuf+16           # 16-bit immediate: modulo 16 -> bit 4
  CHECK_FLAGS F_CF, 0
  btl $5, bitbuf+16
  CHECK_FLAGS F_CF, F_CF
  CHECK_EQ bitbuf+16, 0x00020030
  CHECK_EQ bitbuf, 0
  CHECK_EQ bitbuf+4, 0
  CHECK_EQ bitbuf+24, 0

TEST bsf_bsr
  movl $0x00010100, %eax
  bsfl %eax, %ebx
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ %ebx, 8
  bsrl %eax, %ecx
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ %ecx, 16
  movl $0x80000000, val32
  bsrl val32, %edx
  CHECK_EQ %edx, 31
  bsfl val32, %edx
  CHECK_EQ %edx, 31
  movl $1, %eax
  bsfl %eax, %edx
  CHECK_EQ %edx, 0
  bsrl %eax, %edx
  CHECK_EQ %edx, 0
  movl $0xffff0000, %edx
  movl $0x00f00000, %eax
  movl $0x12340000, %esi
  movw $0x0030, %ax
  bsfw %ax, %si                 # 16-bit: only SI written
  CHECK_EQ %esi, 0x12340004
  bsrw %ax, %si
  CHECK_EQ %esi, 0x12340005

TEST bsf_bsr_zero_source
  movl $0, %eax
  movl $1, %ebx
  bsfl %eax, %ebx
  CHECK_FLAGS F_ZF, F_ZF
  bsrl %eax, %ebx
  CHECK_FLAGS F_ZF, F_ZF
  movl $0xffff0000, %eax        # AX = 0
  bsfw %ax, %bx
  CHECK_FLAGS F_ZF, F_ZF

# SETcc into a buffer, then compare the buffer with the conditions computed from the flags.
.macro SETCC_ALL flags
  SET_FLAGS \flags
  seto cc_out
  setno cc_out+1
  setb cc_out+2
  setnb cc_out+3
  setz cc_out+4
  setnz cc_out+5
  setbe cc_out+6
  setnbe cc_out+7
  sets cc_out+8
  setns cc_out+9
  setp cc_out+10
  setnp cc_out+11
  setl cc_out+12
  setnl cc_out+13
  setle cc_out+14
  setnle cc_out+15
  CHECK_CC16 cc_out, \flags
.endm

TEST setcc_all_conditions
  SETCC_ALL 0
  SETCC_ALL F_CF
  SETCC_ALL F_ZF
  SETCC_ALL F_SF
  SETCC_ALL F_OF
  SETCC_ALL F_PF
  SETCC_ALL F_SF|F_OF
  SETCC_ALL F_ZF|F_CF
  SETCC_ALL F_ZF|F_SF
  SETCC_ALL F_CF|F_PF|F_AF|F_ZF|F_SF|F_OF

TEST setcc_register
  movl $0xffffffff, %eax
  SET_FLAGS F_ZF
  setz %ah
  setnz %al
  CHECK_EQ %eax, 0xffff0100

DONE

  .data
  .balign 4
val32: .long 0
bitbuf: .fill 8, 4, 0
cc_out: .fill 16, 1, 0xee
