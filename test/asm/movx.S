# Data movement the 8086 did not have or the 386 widened: MOVZX/MOVSX from bytes and words,
# registers (high bytes too) and memory; CBW/CWDE/CWD/CDQ; XCHG in its forms; XLAT; the moffs
# forms of MOV; LSS/LFS/LGS.

  .include "lib.inc"

TEST movzx
  movl $0xffffff80, %eax
  movzbl %al, %ebx
  CHECK_EQ %ebx, 0x80
  movzbl %ah, %ecx
  CHECK_EQ %ecx, 0xff
  movl $0x12345678, %edx
  movzbw %dl, %dx               # 16-bit destination: the high half of EDX is kept
  CHECK_EQ %edx, 0x12340078
  movl $0x9abcdef0, val32
  movzwl val32+2, %esi
  CHECK_EQ %esi, 0x9abc
  movzbl val32+3, %edi
  CHECK_EQ %edi, 0x9a
  movzwl %si, %esi
  CHECK_EQ %esi, 0x9abc

TEST movsx
  movl $0x00000080, %eax
  movsbl %al, %ebx
  CHECK_EQ %ebx, 0xffffff80
  movl $0x7f00, %eax
  movsbl %ah, %ebx
  CHECK_EQ %ebx, 0x7f
  movl $0x12345678, %edx
  movl $0xf0, %ecx
  movsbw %cl, %dx
  CHECK_EQ %edx, 0x1234fff0
  movl $0x00018000, val32
  movswl val32, %esi
  CHECK_EQ %esi, 0xffff8000
  movswl val32+2, %esi
  CHECK_EQ %esi, 1
  movsbl val32+1, %edi
  CHECK_EQ %edi, 0xffffff80

TEST cbw_cwde_cwd_cdq
  movl $0x12345680, %eax
  cbtw                          # CBW: AX = sext(AL)
  CHECK_EQ %eax, 0x1234ff80
  movl $0x12348000, %eax
  cwtl                          # CWDE: EAX = sext(AX)
  CHECK_EQ %eax, 0xffff8000
  movl $0x00007fff, %eax
  cwtl
  CHECK_EQ %eax, 0x7fff
  movl $0x55555555, %edx
  movl $0x00008000, %eax
  cwtd                          # CWD: DX = sign of AX, EDX high half kept
  CHECK_EQ %edx, 0x5555ffff
  CHECK_EQ %eax, 0x8000
  movl $0x80000000, %eax
  cltd                          # CDQ
  CHECK_EQ %edx, 0xffffffff
  movl $0x7fffffff, %eax
  cltd
  CHECK_EQ %edx, 0
  CHECK_EQ %eax, 0x7fffffff

TEST xchg
  movl $1, %eax
  movl $2, %ebx
  xchgl %eax, %ebx              # 93: short form
  CHECK_EQ %eax, 2
  CHECK_EQ %ebx, 1
  movl $3, %ecx
  movl $4, %edx
  xchgl %ecx, %edx              # 87 /r
  CHECK_EQ %ecx, 4
  CHECK_EQ %edx, 3
  movl $0x11223344, %eax
  xchgb %al, %ah
  CHECK_EQ %eax, 0x11224433
  movl $0xaaaaaaaa, val32
  movl $0xbbbbbbbb, %esi
  xchgl %esi, val32
  CHECK_EQ %esi, 0xaaaaaaaa
  CHECK_EQ val32, 0xbbbbbbbb
  movl $0x12345678, %edi
  xchgw %di, val32+2
  CHECK_EQ %edi, 0x1234bbbb
  CHECK_EQ val32, 0x5678bbbb
  movl $0xcafe, %eax
  movl $0xbeef, %ecx
  xchgw %ax, %cx                # 66 91
  CHECK_EQ %eax, 0xbeef
  CHECK_EQ %ecx, 0xcafe

TEST xlat
  movl $xlat_table, %ebx
  movl $0xabcdef05, %eax
  xlat                          # AL = [EBX + AL]; the rest of EAX is kept
  CHECK_EQ %eax, 0xabcdef50
  movl $0x000000ff, %eax        # AL is unsigned: 0xFF reaches the 256th entry
  xlat
  CHECK_EQ %eax, 0x000000ff
  movl $xlat_table+0x100, %ebx
  movl $0x80, %eax
  xlat
  CHECK_EQ %eax, 0x3c           # table[0x180]: past the table, the 0x3C pad

TEST mov_moffs
  movl $0x10203040, val32
  movl val32, %eax              # A1
  CHECK_EQ %eax, 0x10203040
  movb val32+1, %al             # A0
  CHECK_EQ %eax, 0x10203030
  movw val32+2, %ax             # 66 A1
  CHECK_EQ %eax, 0x10201020
  movl $0x99887766, %eax
  movl %eax, val32              # A3
  movb %al, val32+3             # A2
  CHECK_EQ val32, 0x66887766

.if HOST == 0
TEST lss_lfs_lgs
  movl %esp, saved_esp
  lss far_ptr, %esp             # ESP = 0x12345678, SS = 0x10
  movl %esp, %eax
  movw %ss, %bx
  movl saved_esp, %esp
  CHECK_EQ %eax, 0x12345678
  CHECK_EQ16 %bx, SEL_DATA32
  movw $0, %ax
  movw %ax, %fs
  lfs far_ptr, %ecx
  movw %fs, %dx
  CHECK_EQ %ecx, 0x12345678
  CHECK_EQ16 %dx, SEL_DATA32
  movw %ax, %gs
  lgs far_ptr, %esi
  movw %gs, %dx
  CHECK_EQ %esi, 0x12345678
  CHECK_EQ16 %dx, SEL_DATA32
  movl $0xffffffff, %edi
  lfsw far_ptr16, %di           # 16-bit operand size: a 32-bit pointer, offset:selector
  movw %fs, %dx
  CHECK_EQ %edi, 0xffff4321
  CHECK_EQ16 %dx, SEL_DATA_1M
  movw $SEL_DATA32, %ax
  movw %ax, %fs
  movw %ax, %gs

TEST mov_sreg_forms
  movw $SEL_DATA_1M, %ax
  movw %ax, %fs
  movl $0x2a, 0x100010
  movl %fs:0x10, %ecx           # FS is based at 0x100000
  CHECK_EQ %ecx, 0x2a
  movw %fs, val32
  CHECK_EQ16 val32, SEL_DATA_1M
  movw $SEL_DATA32, %ax
  movw %ax, %fs
.endif

DONE

  .data
  .balign 4
val32: .long 0
saved_esp: .long 0
far_ptr: .long 0x12345678
  .word SEL_DATA32
far_ptr16: .word 0x4321
  .word SEL_DATA_1M
xlat_table:
.set i, 0
.rept 256
  .byte ((i & 15) << 4) | ((i >> 4) & 15)
  .set i, i + 1
.endr
  .fill 256, 1, 0x3c
