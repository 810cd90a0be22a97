# String instructions (i386 PRM, MOVS/CMPS/SCAS/LODS/STOS/INS/OUTS and REP/REPE/REPNE): both
# directions, every operand size, REP with ECX = 0, where REPE/REPNE stop and the flags they leave,
# an overlapping forward copy done byte by byte, a source segment override, and 16-bit
# addressing through 0x67 (SI/DI/CX, wrapping at 64 KiB, high halves untouched).

  .include "lib.inc"

TEST rep_movsb_forward
  movl $src, %esi
  movl $dst, %edi
  movl $7, %ecx
  rep movsb
  CHECK_EQ %ecx, 0
  movl %esi, %eax
  subl $src, %eax
  CHECK_EQ %eax, 7
  movl %edi, %eax
  subl $dst, %eax
  CHECK_EQ %eax, 7
  CHECK_EQ dst, 0x64636261      # "abcd"
  CHECK_EQ dst+4, 0xee676665    # "efg", then the fill

TEST rep_movsl_backward
  SET_FLAGS F_DF
  movl $src+8, %esi             # the last dword of three
  movl $dst2+8, %edi
  movl $3, %ecx
  rep movsl
  SET_FLAGS 0
  movl %esi, %eax
  subl $src, %eax
  CHECK_EQ %eax, -4
  movl %edi, %eax
  subl $dst2, %eax
  CHECK_EQ %eax, -4
  CHECK_EQ dst2, 0x64636261
  CHECK_EQ dst2+8, 0x6c6b6a69

TEST rep_with_ecx_zero
  movl $dst3, %edi
  movl $0, %ecx
  movl $0x12345678, %eax
  rep stosl
  CHECK_EQ %ecx, 0
  CHECK_EQ %edi, dst3
  CHECK_EQ dst3, 0xeeeeeeee

TEST stos_lods_sizes
  movl $dst3, %edi
  movl $0x11223344, %eax
  stosl
  stosw
  stosb
  movl %edi, %ecx
  subl $dst3, %ecx
  CHECK_EQ %ecx, 7
  CHECK_EQ dst3, 0x11223344
  CHECK_EQ dst3+4, 0xee443344
  movl $dst3, %esi
  movl $0, %eax
  lodsb
  CHECK_EQ %eax, 0x44
  lodsw
  CHECK_EQ %eax, 0x2233
  movl $dst3, %esi
  movl $3, %ecx
  rep lodsb                     # REP LODS: AL ends with the last byte
  CHECK_EQ %eax, 0x2222
  movl $0xffffffff, %eax
  movl $dst3, %edi
  movl $4, %ecx
  rep stosw                     # 66 F3 AB
  CHECK_EQ dst3, 0xffffffff
  CHECK_EQ dst3+4, 0xffffffff

TEST rep_movsb_overlapping
  movl $0x64636261, ovl         # "abcd" then "e"
  movb $0x65, ovl+4
  movl $ovl, %esi
  movl $ovl+1, %edi
  movl $4, %ecx
  rep movsb                     # byte by byte: the first byte propagates
  CHECK_EQ ovl, 0x61616161
  CHECK_EQ8 ovl+4, 0x61

TEST repe_cmpsb
  movl $str1, %esi
  movl $str2, %edi
  movl $6, %ecx
  repe cmpsb                    # stops after 'd' vs 'x', the fourth byte
  CHECK_FLAGS F_ZF|F_CF|F_SF, F_CF|F_SF
  CHECK_EQ %ecx, 2
  CHECK_EQ %esi, str1+4
  CHECK_EQ %edi, str2+4
  movl $str1, %esi
  movl $str1, %edi
  movl $6, %ecx
  repe cmpsb
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ %ecx, 0
  movl $str2+3, %esi            # [ESI] - [EDI]: 'x' - 'd'
  movl $str1+3, %edi
  cmpsb
  CHECK_FLAGS F_ZF|F_CF|F_SF, 0
  movl $str1, %esi
  movl $str2, %edi
  movl $6, %ecx
  repne cmpsb                   # stops at the first equal pair: 'a'
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ %ecx, 5

TEST repne_scasb
  movl $str1, %edi
  movl $6, %ecx
  movl $0x65, %eax              # 'e'
  repne scasb
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ %ecx, 1
  CHECK_EQ %edi, str1+5
  movl $str1, %edi
  movl $6, %ecx
  movl $0x7a, %eax              # 'z': not there
  repne scasb
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ %ecx, 0
  CHECK_EQ %edi, str1+6
  movl $str1, %edi
  movl $0x64636261, %eax
  scasl                         # EAX - [EDI]
  CHECK_FLAGS F_ZF, F_ZF
  movl $0x00000001, %eax
  movl $str1, %edi
  scasl
  CHECK_FLAGS F_CF|F_ZF, F_CF
  movl $str1, %edi
  movl $0x6261, %eax
  movl $2, %ecx
  repe scasw
  CHECK_FLAGS F_ZF|F_CF, F_CF   # "ab" matches, then 0x6261 - 0x6463 borrows
  CHECK_EQ %ecx, 0

.if HOST == 0
TEST movs_source_override
  movw $SEL_DATA_1M, %ax
  movw %ax, %fs
  movl $0x13572468, 0x100040
  movl $0x40, %esi
  movl $dst3, %edi
  movsl %fs:(%esi), %es:(%edi)  # 64 A5: the source comes through FS
  CHECK_EQ dst3, 0x13572468
  CHECK_EQ %esi, 0x44
  movw $SEL_DATA32, %ax
  movw %ax, %fs

TEST string_addr16
  movl $0x04030201, 0x8000
  movl $0xabcd8000, %esi        # SI = 0x8000
  movl $0x12349000, %edi        # DI = 0x9000
  movl $0x55550004, %ecx        # CX = 4
  addr16 rep movsb
  CHECK_EQ %esi, 0xabcd8004     # only SI, DI and CX move
  CHECK_EQ %edi, 0x12349004
  CHECK_EQ %ecx, 0x55550000
  CHECK_EQ 0x9000, 0x04030201
  movb $0xaa, 0xfffe
  movb $0xbb, 0xffff
  movb $0xcc, 0x0000
  movb $0xdd, 0x0001
  movl $0x0000fffe, %esi        # SI wraps from 0xFFFF to 0
  movl $0x9100, %edi
  movl $4, %ecx
  addr16 rep movsb
  CHECK_EQ %esi, 0x0002
  CHECK_EQ 0x9100, 0xddccbbaa
  movl $0xffff, %edi
  movl $0x77, %eax
  addr16 stosb                  # DI wraps too
  CHECK_EQ %edi, 0
  CHECK_EQ8 0xffff, 0x77
  SET_FLAGS F_DF
  movl $0x0001, %esi
  movl $0x9200, %edi
  movl $2, %ecx
  addr16 rep movsb              # backwards through 0: 0x0001, 0x0000
  SET_FLAGS 0
  CHECK_EQ %esi, 0xffff
  CHECK_EQ16 0x91ff, 0xddcc     # DI went backwards too
  movl $0x9000, %edi
  movl $0x04, %eax
  movl $0xffff0004, %ecx
  addr16 repne scasb            # counts CX: finds 0x04 at the fourth byte
  CHECK_EQ %ecx, 0xffff0000
  CHECK_EQ %edi, 0x9004

TEST ins_outs
  movl $0xe9, %edx              # the debug console reads back as 0xE9
  movl $dst4, %edi
  movl $3, %ecx
  rep insb
  CHECK_EQ %ecx, 0
  CHECK_EQ dst4, 0xeee9e9e9
  movl $0x2f0, %edx             # nothing there: reads all ones, writes vanish
  movl $dst4, %edi
  insw
  CHECK_EQ dst4, 0xeee9ffff
  movl $src, %esi
  movl $2, %ecx
  rep outsl
  CHECK_EQ %esi, src+8
  CHECK_EQ %ecx, 0
.endif

DONE

  .data
  .balign 4
src: .ascii "abcdefghijkl"
dst: .fill 16, 1, 0xee
dst2: .fill 16, 1, 0xee
dst3: .fill 16, 1, 0xee
dst4: .fill 16, 1, 0xee
ovl: .fill 8, 1, 0
str1: .ascii "abcdef"
  .balign 4
str2: .ascii "abcxef"
