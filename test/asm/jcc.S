# Control transfer in 32-bit code: Jcc near (0F 80-8F, rel32) and short for all sixteen
# conditions under a range of flag states, forwards and backwards; LOOP/LOOPE/LOOPNE and JECXZ;
# CALL/RET with an immediate; indirect CALL and JMP through registers and memory; far CALL, RET
# and JMP within protected mode.

  .include "lib.inc"

# Each condition in turn, forward and near: cc_out[k] = 1 if the jump was taken.
.macro JCC_NEAR_FWD flags
  SET_FLAGS \flags
  .set .Lk\@, 0
.irp cc, o,no,b,nb,z,nz,be,nbe,s,ns,p,np,l,nl,le,nle
  movb $0, cc_out+.Lk\@
  {disp32} j\cc .Lt\@_\cc
  jmp .Ld\@_\cc
.Lt\@_\cc:
  movb $1, cc_out+.Lk\@
.Ld\@_\cc:
  .set .Lk\@, .Lk\@ + 1
.endr
  CHECK_CC16 cc_out, \flags
.endm

.macro JCC_NEAR_BACK flags
  SET_FLAGS \flags
  .set .Lk\@, 0
.irp cc, o,no,b,nb,z,nz,be,nbe,s,ns,p,np,l,nl,le,nle
  movb $0, cc_out+.Lk\@
  jmp .Lf\@_\cc
.Lt\@_\cc:
  movb $1, cc_out+.Lk\@
  jmp .Ld\@_\cc
.Lf\@_\cc:
  {disp32} j\cc .Lt\@_\cc        # rel32 < 0
.Ld\@_\cc:
  .set .Lk\@, .Lk\@ + 1
.endr
  CHECK_CC16 cc_out, \flags
.endm

.macro JCC_SHORT flags
  SET_FLAGS \flags
  .set .Lk\@, 0
.irp cc, o,no,b,nb,z,nz,be,nbe,s,ns,p,np,l,nl,le,nle
  movb $0, cc_out+.Lk\@
  {disp8} j\cc .Lt\@_\cc
  jmp .Ld\@_\cc
.Lt\@_\cc:
  movb $1, cc_out+.Lk\@
.Ld\@_\cc:
  .set .Lk\@, .Lk\@ + 1
.endr
  CHECK_CC16 cc_out, \flags
.endm

TEST jcc_near_forward
.irp f, 0, F_CF, F_ZF, F_SF, F_OF, F_PF, F_SF|F_OF, F_CF|F_ZF, F_ZF|F_SF, F_ARITH
  JCC_NEAR_FWD \f
.endr

TEST jcc_near_backward
.irp f, 0, F_CF, F_ZF, F_SF, F_OF, F_PF, F_SF|F_OF, F_ZF|F_OF, F_ARITH
  JCC_NEAR_BACK \f
.endr

TEST jcc_short
.irp f, 0, F_CF|F_PF, F_ZF|F_SF, F_OF, F_ARITH
  JCC_SHORT \f
.endr

TEST jcc_near_far_away
  movl $0, %eax
  SET_FLAGS F_CF
  {disp32} jc 1f
  FAILNOW
  .fill 0x2000, 1, 0x90         # 8 KiB of NOPs between the jump and its target
1:
  incl %eax
  SET_FLAGS 0
  {disp32} jnc 2f
  FAILNOW
2:
  CHECK_EQ %eax, 1

TEST loop_family
  movl $5, %ecx
  movl $0, %eax
1:
  incl %eax
  loop 1b
  CHECK_EQ %eax, 5
  CHECK_EQ %ecx, 0
  movl $10, %ecx                # LOOPE: while ECX != 0 and ZF = 1
  movl $0, %eax
2:
  incl %eax
  cmpl $3, %eax
  loope 2b                      # the first compare (1 vs 3) clears ZF: one pass
  CHECK_EQ %eax, 1
  CHECK_EQ %ecx, 9
  movl $10, %ecx                # LOOPNE: while ECX != 0 and ZF = 0
  movl $0, %eax
3:
  incl %eax
  cmpl $3, %eax
  loopne 3b
  CHECK_EQ %eax, 3
  CHECK_EQ %ecx, 7
  movl $0, %ecx
  jecxz 4f
  FAILNOW
4:
  movl $0x100, %ecx
  jecxz 5f
  jmp 6f
5:
  FAILNOW
6:
  movl $1, %ecx
  SET_FLAGS F_ZF
  loope 7f                      # ECX becomes 0: not taken whatever ZF says
  jmp 8f
7:
  FAILNOW
8:
  CHECK_EQ %ecx, 0

TEST call_ret
  movl %esp, %ebp
  pushl $0x11
  pushl $0x22
  call callee_ret8              # RET 8 drops the two arguments
  CHECK_SAME %esp, %ebp
  CHECK_EQ %eax, 0x33
  movl $callee_plain, %ebx
  movl $0, %eax
  call *%ebx                    # FF /2, register
  CHECK_EQ %eax, 0x5a
  movl $0, %eax
  call *fn_ptr                  # FF /2, memory
  CHECK_EQ %eax, 0x5a
  movl $9f, %ecx
  jmp *%ecx                     # FF /4, register
  FAILNOW
9:
  jmp *jmp_ptr                  # FF /4, memory
  FAILNOW
jmp_target:
  CHECK_SAME %esp, %ebp

.if HOST == 0
TEST far_call_ret_jmp
  movl %esp, %ebp
  lcall $SEL_CODE32, $far_callee     # 9A: pushes CS, then EIP
.Lafter_far:
  CHECK_SAME %esp, %ebp
  CHECK_EQ %eax, SEL_CODE32
  CHECK_EQ %ebx, .Lafter_far
  pushl $0x77
  lcall *far_ptr                # FF /3
  CHECK_SAME %esp, %ebp         # RETF 4 dropped the argument
  ljmp *far_jmp_ptr             # FF /5
  FAILNOW
far_jmp_target:
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE32
.endif

DONE

callee_ret8:
  movl 4(%esp), %eax
  addl 8(%esp), %eax
  ret $8

callee_plain:
  movl $0x5a, %eax
  ret

.if HOST == 0
far_callee:
  movl 4(%esp), %eax            # the pushed CS
  movl (%esp), %ebx             # the pushed EIP
  lret

far_callee4:
  lret $4
.endif

  .data
  .balign 4
cc_out: .fill 16, 1, 0xee
fn_ptr: .long callee_plain
jmp_ptr: .long jmp_target
.if HOST == 0
far_ptr: .long far_callee4
  .word SEL_CODE32
  .balign 4
far_jmp_ptr: .long far_jmp_target
  .word SEL_CODE32
.endif
