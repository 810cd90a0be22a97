# The accessed bit (i386 PRM 5.1.1 "Descriptors": "The processor sets this bit when the selector
# for the descriptor is loaded into a segment register") is set for every segment register a
# descriptor is loaded into, CS and SS included, whatever loads it: a far JMP or CALL, RETF, IRET,
# an interrupt gate, and the ring-0 stack an inter-privilege interrupt takes from the TSS.
# (descriptors.pm.S covers MOV to a data register and to SS.)

  .include "pm.inc"

.set SEL_CODE_A, 0x48    # code, DPL 0: far JMP target
.set SEL_CODE_B, 0x50    # code, DPL 0: far CALL target
.set SEL_CODE_C, 0x58    # code, DPL 0: RETF target
.set SEL_CODE_D, 0x60    # code, DPL 0: interrupt gate target
.set SEL_CODE3_E, 0x68   # code, DPL 3: IRET target
.set SEL_DATA3_E, 0x70   # data, DPL 3: IRET's SS
.set SEL_STACK0, 0x78    # data, DPL 0: the TSS's SS0
.set VEC_D, 30

.set ACCESS_BYTE, 5

TEST set_up
  SET_DESC SEL_CODE_A, 0, 0xfffff, 0x9a, 0xc
  SET_DESC SEL_CODE_B, 0, 0xfffff, 0x9a, 0xc
  SET_DESC SEL_CODE_C, 0, 0xfffff, 0x9a, 0xc
  SET_DESC SEL_CODE_D, 0, 0xfffff, 0x9a, 0xc
  SET_DESC SEL_CODE3_E, 0, 0xfffff, 0xfa, 0xc
  SET_DESC SEL_DATA3_E, 0, 0xfffff, 0xf2, 0xc
  SET_DESC SEL_STACK0, 0, 0xfffff, 0x92, 0xc
  SET_GATE VEC_D, back_from_d, 0xee00
  movw $SEL_CODE_D, idt + VEC_D * 8 + 2

TEST far_jmp_sets_accessed
  ljmp $SEL_CODE_A, $1f
1:
  ljmp $SEL_CODE32, $2f
2:
  CHECK_EQ8 pm_gdt + SEL_CODE_A + ACCESS_BYTE, 0x9b

TEST far_call_sets_accessed
  lcall $SEL_CODE_B, $near_ret_far
  CHECK_EQ8 pm_gdt + SEL_CODE_B + ACCESS_BYTE, 0x9b

TEST retf_sets_accessed
  pushl $SEL_CODE_C
  pushl $1f
  lret
1:
  ljmp $SEL_CODE32, $2f
2:
  CHECK_EQ8 pm_gdt + SEL_CODE_C + ACCESS_BYTE, 0x9b

TEST iret_to_ring3_sets_accessed_on_cs_and_ss
  movl %esp, saved_esp
  pushl $SEL_DATA3_E | 3
  pushl %esp
  addl $4, (%esp)
  pushl $F_IOPL | 2
  pushl $SEL_CODE3_E | 3
  pushl $1f
  iretl
1:
  RING0
  movl saved_esp, %esp
  pushl $SEL_DATA32
  popl %ds
  CHECK_EQ8 pm_gdt + SEL_CODE3_E + ACCESS_BYTE, 0xfb
  CHECK_EQ8 pm_gdt + SEL_DATA3_E + ACCESS_BYTE, 0xf3

TEST interrupt_sets_accessed_on_cs_and_the_tss_stack
  movl $SEL_STACK0, pm_tss + 8
  movl %esp, saved_esp
  RING3
  int $VEC_D
  RING0
  movl saved_esp, %esp
  movl $SEL_DATA32, pm_tss + 8
  CHECK_EQ8 pm_gdt + SEL_CODE_D + ACCESS_BYTE, 0x9b
  CHECK_EQ8 pm_gdt + SEL_STACK0 + ACCESS_BYTE, 0x93

DONE

near_ret_far:
  lret

back_from_d:
  iretl

  .data
  .balign 4
saved_esp: .long 0
