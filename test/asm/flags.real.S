# Real mode on a 386 (entered at 0000:1000, CS = DS = ES = SS = 0): FLAGS bits 12-14 (IOPL, NT)
# are writable at CPL 0 and bit 15 reads 0; POPFD cannot set VM, and a 386 has no AC; 32-bit
# operands (0x66) and 32-bit addressing (0x67) with SIB; offsets past the 64 KiB limit fault
# (#GP, or #SS through BP/ESP) even when the 32-bit sum is fine; LOOP/JCXZ counting ECX or CX;
# faults push the faulting instruction's IP, INT n the next one; ENTER with nesting.

  .include "lib.inc"

TEST popf_writes_iopl_and_nt
  pushw $F_IOPL|F_NT
  popfw
  pushfw
  popw %ax
  andw $0xf000, %ax
  CHECK_EQ16 %ax, F_IOPL|F_NT   # bit 15 stays 0 on a 386
  pushw $0xffff & ~(F_TF|F_IF)
  popfw
  pushfw
  popw %ax
  CHECK_EQ16 %ax, 0x7cd7        # bits 1 (set), 3, 5, 15 (clear) are fixed
  pushw $0
  popfw
  pushfw
  popw %ax
  CHECK_EQ16 %ax, 0x0002

TEST popfd_vm_ac_in_real_mode
  pushl $F_VM|F_AC|F_CF
  popfl
  pushfl
  popl %eax
  andl $F_VM|F_AC|F_CF, %eax
  CHECK_EQ %eax, F_CF           # VM is never set by POPF; AC does not exist on a 386
  SET_FLAGS 0

TEST operand_size_32
  movl $0xffffffff, %eax
  addl $1, %eax                 # 66: a 32-bit add in real mode
  CHECK_FLAGS F_CF|F_ZF, F_CF|F_ZF
  CHECK_EQ %eax, 0
  movw %sp, %bp
  pushl $0x12345678
  movw %bp, %cx
  subw %sp, %cx
  CHECK_EQ16 %cx, 4
  popl %edx
  CHECK_EQ %edx, 0x12345678
  pushl %ds                     # a segment register as a dword
  movw %bp, %cx
  subw %sp, %cx
  CHECK_EQ16 %cx, 4
  popl %ds
  pushw $-1
  popw %ax
  CHECK_EQ16 %ax, 0xffff

TEST address_size_32
  movl $table, %ebx
  movl $2, %esi
  movl (%ebx,%esi,4), %ecx      # 67: SIB addressing in real mode
  CHECK_EQ %ecx, 0x33333333
  movl $0x100, %eax
  movl $0x10, %ecx
  leal 0x12340000(%eax,%ecx,8), %edx  # a full 32-bit effective address
  CHECK_EQ %edx, 0x12340180
  leaw (%eax,%ecx,8), %dx       # 16-bit destination
  CHECK_EQ %edx, 0x12340180
  movl $table+4, %edi
  movl -4(%edi), %eax
  CHECK_EQ %eax, 0x11111111

TEST offset_beyond_64k_faults
  movl $0, %eax
  EXPECT_EXC 13, 1f
.Lgp1:
  movl 0x10000(%eax), %ecx      # offset 0x10000 > limit 0xFFFF: #GP(0)
  FAILNOW
1:
  CHECK_EQ16 exc_w0, .Lgp1      # IP of the faulting instruction
  CHECK_EQ16 exc_w1, 0
  EXPECT_EXC 13, 2f
.Lgp2:
  movw 0xffff, %ax              # a word at 0xFFFF straddles the limit
  FAILNOW
2:
  CHECK_EQ16 exc_w0, .Lgp2
  movl $0x10000, %ebp
  EXPECT_EXC 12, 3f
.Lss1:
  movl (%ebp), %ecx             # through EBP: a stack fault, #SS(0)
  FAILNOW
3:
  CHECK_EQ16 exc_w0, .Lss1
  movl $0x8000, %ebx
  movl $0x7ffe, %esi
  EXPECT_EXC 13, 4f
.Lgp3:
  movl (%ebx,%esi), %ecx        # 0xFFFE..0x10001 straddles the limit
  FAILNOW
4:
  CHECK_EQ16 exc_w0, .Lgp3

TEST loop_counter_size
  movl $0x00010000, %ecx
  loop 1f                       # 16-bit address size: CX 0 -> 0xFFFF
  FAILNOW
1:
  CHECK_EQ %ecx, 0x0001ffff
  movl $0x00010000, %ecx
  addr32 loop 2f                # 67: ECX
  FAILNOW
2:
  CHECK_EQ %ecx, 0x0000ffff
  movl $0x00010000, %ecx
  jcxz 3f
  FAILNOW
3:
  jecxz 4f                      # 67 E3 in 16-bit code
  jmp 5f
4:
  FAILNOW
5:

TEST string_address_size
  movl $0x12340000+src, %esi    # 16-bit: SI, DI, CX; the high halves stay
  movl $0x56780000+dst, %edi
  movl $0x9abc0003, %ecx
  rep movsb
  CHECK_EQ %esi, 0x12340003+src
  CHECK_EQ %edi, 0x56780003+dst
  CHECK_EQ %ecx, 0x9abc0000
  CHECK_EQ16 dst+1, 0x6362
  movl $src, %esi
  movl $dst, %edi
  movl $2, %ecx
  addr32 rep movsw              # 67: ESI, EDI, ECX
  CHECK_EQ %esi, src+4
  CHECK_EQ %ecx, 0
  movl $0x00010000, %ecx        # CX = 0: nothing happens with 16-bit addressing
  movl $dst, %edi
  rep stosb
  CHECK_EQ %ecx, 0x00010000
  CHECK_EQ %edi, dst

TEST faults_and_int_push_ip
  movw $0, %bx
  movw $0x1234, %ax
  movw $0, %dx
  EXPECT_EXC 0, 1f
.Lde:
  divw %bx                      # the 386 pushes the DIV's own IP (the 8086 pushed the next)
  FAILNOW
1:
  CHECK_EQ16 exc_w0, .Lde
  CHECK_EQ16 %ax, 0x1234
  EXPECT_EXC 5, 2f
  SET_FLAGS F_CF
  int $5
.Lafter_int:
  FAILNOW
2:
  CHECK_EQ16 exc_w0, .Lafter_int
  movw exc_w2, %ax
  andw $F_CF|F_IF|F_TF, %ax
  CHECK_EQ16 %ax, F_CF          # the pushed FLAGS are those before the INT
  SET_FLAGS 0

TEST segments_and_far_pointers
  movw $0x0100, %ax
  movw %ax, %es                 # ES base 0x1000: where this program starts
  movw $0, %cx
  movw $0, %dx
  movb %es:0, %cl
  movb 0x1000, %dl
  CHECK_SAME16 %cx, %dx
  movw $0, %ax
  movw %ax, %es
  les far_ptr, %bx
  movw %es, %ax
  CHECK_EQ16 %bx, 0x5678
  CHECK_EQ16 %ax, 0x1234
  movw $0, %ax
  movw %ax, %es
  lfsl far_ptr32, %ecx          # 66: a 32-bit offset and a selector
  movw %fs, %ax
  CHECK_EQ %ecx, 0x87654321
  CHECK_EQ16 %ax, 0x0010
  movw $0, %ax
  movw %ax, %fs

TEST shift_count_masking_real_mode
  movw $0xffff, %ax
  movb $17, %cl
  shlw %cl, %ax
  CHECK_EQ16 %ax, 0
  movw $0x8000, %ax
  movb $36, %cl                 # 36 & 31 = 4
  sarw %cl, %ax
  CHECK_EQ16 %ax, 0xf800

TEST enter_nesting_16bit
  movw %sp, saved_esp
  movw $outer_frame, %bp
  enter $4, $2                  # push BP, copy one display word from [BP-2], push the frame
  movw saved_esp, %ax
  subw $2, %ax
  CHECK_SAME16 %bp, %ax
  CHECK_EQ16 (%bp), outer_frame
  CHECK_EQ16 -2(%bp), 0xaaa1
  CHECK_SAME16 -4(%bp), %ax
  movw %bp, %cx
  subw %sp, %cx
  CHECK_EQ16 %cx, 8
  leave
  CHECK_EQ16 %bp, outer_frame
  movw saved_esp, %ax
  CHECK_SAME16 %sp, %ax

DONE

  .data
  .balign 4
saved_esp: .long 0
table: .long 0x11111111, 0x22222222, 0x33333333, 0x44444444
src: .ascii "abcdefgh"
dst: .fill 8, 1, 0
far_ptr: .word 0x5678, 0x1234
far_ptr32: .long 0x87654321
  .word 0x0010
  .word 0xaaa1
outer_frame: .word 0
