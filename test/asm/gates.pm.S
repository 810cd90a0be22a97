# Call gates (i386 PRM 6.3.4.2 "Gate Descriptors Guard Procedure Entry Points", 6.3.4.3 "Stack
# Switching", Figure 6-8 "Stack Contents on Initial Entry", and CALL / JMP "CALL-GATE"): a far CALL
# through a gate from ring 3 to ring 0 switches to the TSS's ring-0 stack and copies the gate's
# count of parameters there (doublewords through a 386 gate, words through a 286 gate, which also
# pushes everything as 16 bits); RETF n releases them on both stacks. Through a gate to the same
# level nothing is copied. The gate's offset is used, the far pointer's is not. A gate the caller
# may not see is #GP(gate), an absent one #NP(gate); JMP through a gate never changes level; a bad
# ring-0 stack in the TSS is #TS(its selector).

  .include "pm.inc"

.set SEL_GATE3, 0x48     # 386 call gate, DPL 3, 2 parameters -> gate_target (ring 0)
.set SEL_GATE0, 0x50     # 386 call gate, DPL 0 -> gate_target
.set SEL_GATE_NP, 0x58   # 386 call gate, DPL 3, not present
.set SEL_GATE286, 0x60   # 286 call gate, DPL 3, 3 word parameters -> gate286_target (ring 0)
.set SEL_GATE_SAME, 0x68 # 386 call gate, DPL 0, 2 parameters (not copied at the same level) -> same_target
.set SEL_GATE_JMP, 0x70  # 386 call gate, DPL 0 -> jmp_target
.set SEL_GATE_DATA, 0x78 # 386 call gate, DPL 3, to a data segment
.set SEL_CONF, 0x80      # code, conforming, readable, DPL 0 (for the #TS handler)

.set USER_STACK16, 0xff00 # a ring-3 stack below 64 KiB, for the 286 gate's 16-bit SP

# Writes a call gate: `target` a symbol, `selector` the code segment, `access` the byte
# P|DPL|0|type, `count` the parameter count. Clobbers EAX.
.macro SET_CALL_GATE sel, target, selector, access, count
  movl $\target, %eax
  andl $0xffff, %eax
  orl $((\selector) << 16), %eax
  movl %eax, pm_gdt + (\sel)
  movl $\target, %eax
  andl $0xffff0000, %eax
  orl $(((\access) << 8) | (\count)), %eax
  movl %eax, pm_gdt + (\sel) + 4
.endm

TEST set_up
  SET_CALL_GATE SEL_GATE3, gate_target, SEL_CODE32, 0xec, 2
  SET_CALL_GATE SEL_GATE0, gate_target, SEL_CODE32, 0x8c, 0
  SET_CALL_GATE SEL_GATE_NP, gate_target, SEL_CODE32, 0x6c, 0
  SET_CALL_GATE SEL_GATE286, gate286_target, SEL_CODE32, 0xe4, 3
  SET_CALL_GATE SEL_GATE_SAME, same_target, SEL_CODE32, 0x8c, 2
  SET_CALL_GATE SEL_GATE_JMP, jmp_target, SEL_CODE32, 0x8c, 0
  SET_CALL_GATE SEL_GATE_DATA, gate_target, SEL_DATA32, 0xec, 0
  SET_DESC SEL_CONF, 0, 0xfffff, 0x9e, 0xc

TEST call_gate_ring3_to_ring0_copies_parameters
  movl %esp, saved_esp
  RING3
  movl %esp, esp3
  pushl $0x11111111              # the first parameter (highest address)
  pushl $0x22222222
  SET_FLAGS F_IOPL | F_CF
  lcall $SEL_GATE3, $0xdeadbeef  # the offset is the gate's; this one is ignored
.Lret3:
  pushfl
  popl %edi
  movw %es, %bx
  movw %cs, %cx
  movw %ss, %dx
  CHECK_EQ %edi, F_IOPL | F_CF | 2   # flags pass through untouched
  CHECK_SAME %esp, esp3          # RETF 8 released the parameters from the ring-3 stack
  CHECK_EQ16 %bx, 0              # the handler loaded a DPL-0 ES: nulled on the way out
  CHECK_EQ16 %cx, SEL_CODE3
  CHECK_EQ16 %dx, SEL_DATA3
  RING0
  movl saved_esp, %esp
  # What the ring-0 procedure saw: CS and SS of ring 0, ESP0 from the TSS minus the frame, and
  # EIP, CS, the parameters in the caller's order, ESP, SS.
  CHECK_EQ g_cs, SEL_CODE32
  CHECK_EQ g_ss, SEL_DATA32
  CHECK_EQ g_esp, RING0_STACK-24
  CHECK_EQ g_frame, .Lret3
  CHECK_EQ g_frame + 4, SEL_CODE3
  CHECK_EQ g_frame + 8, 0x22222222
  CHECK_EQ g_frame + 12, 0x11111111
  movl esp3, %eax
  subl $8, %eax
  CHECK_SAME g_frame + 16, %eax
  CHECK_EQ g_frame + 20, SEL_DATA3

TEST call_gate_286_pushes_words
  movl %esp, saved_esp
  RING3
  movl $USER_STACK16, %esp
  pushw $0x1111
  pushw $0x2222
  pushw $0x3333
  lcall $SEL_GATE286, $0
.Lret286:
  movw %cs, %cx
  CHECK_EQ %esp, USER_STACK16    # RETW 6 released the three words
  CHECK_EQ16 %cx, SEL_CODE3
  RING0
  movl saved_esp, %esp
  CHECK_EQ g_esp, RING0_STACK-14 # seven words
  CHECK_EQ16 g_frame, .Lret286   # IP, CS, the words, SP, SS
  CHECK_EQ16 g_frame + 2, SEL_CODE3
  CHECK_EQ16 g_frame + 4, 0x3333
  CHECK_EQ16 g_frame + 6, 0x2222
  CHECK_EQ16 g_frame + 8, 0x1111
  CHECK_EQ16 g_frame + 10, USER_STACK16-6
  CHECK_EQ16 g_frame + 12, SEL_DATA3

TEST call_gate_to_the_same_level
  movl %esp, %esi
  lcall $SEL_GATE_SAME, $0
.Lret_same:
  CHECK_SAME %esp, %esi
  CHECK_EQ g_cs, SEL_CODE32
  leal -8(%esi), %eax            # CS:EIP only: no stack switch, no parameters
  CHECK_SAME g_esp, %eax
  CHECK_EQ g_frame, .Lret_same
  CHECK_EQ g_frame + 4, SEL_CODE32

TEST jmp_through_a_call_gate
  movl %esp, %esi
  ljmp $SEL_GATE_JMP, $0
  FAILNOW
.Ljmp_back:
  CHECK_SAME %esp, %esi          # nothing pushed
  CHECK_EQ g_cs, SEL_CODE32
  # JMP through a gate may not change level: from ring 3 to a ring-0 target is #GP(target).
  movl %esp, saved_esp
  RING3
  FAULTS 13, SEL_CODE32, ljmp $SEL_GATE3, $0
  movl saved_esp, %esp

TEST call_gate_faults
  movl %esp, saved_esp
  RING3
  FAULTS 13, SEL_GATE0, lcall $SEL_GATE0, $0        # gate DPL 0 < CPL 3
  movl saved_esp, %esp
  RING3
  FAULTS 11, SEL_GATE_NP, lcall $SEL_GATE_NP|3, $0  # not present
  movl saved_esp, %esp
  RING3
  FAULTS 13, SEL_DATA32, lcall $SEL_GATE_DATA, $0   # the gate names a data segment
  movl saved_esp, %esp
  FAULTS 13, SEL_GATE_SAME, lcall $SEL_GATE_SAME|3, $0  # gate DPL 0 < RPL 3
  # A failed call pushed nothing.
  CHECK_SAME %esp, saved_esp

TEST call_gate_with_a_bad_ring0_stack_is_ts
  # SS0 in the TSS names a DPL-3 segment: #TS(SS0). The fault is raised in ring 3 and cannot go
  # to ring 0 (that needs the same stack), so for this test #TS goes to a conforming segment and
  # is handled in ring 3.
  SET_GATE 10, exc_stubs+16*10, 0x8e00
  movw $SEL_CONF, idt + 10 * 8 + 2
  movl $SEL_DATA3, pm_tss + 8
  movl %esp, saved_esp
  RING3
  movl %esp, esp3
  pushl $0x11111111
  pushl $0x22222222
  FAULTS 10, SEL_DATA3 & ~3, lcall $SEL_GATE3, $0
  movw %cs, %ax                  # still ring 3 (through the conforming segment)
  CHECK_EQ16 %ax, SEL_CONF | 3
  CHECK_EQ exc_w2, SEL_CODE3
  movl esp3, %eax                # the caller's stack is as it was: the parameters still there
  subl $8, %eax
  CHECK_SAME %esp, %eax
  CHECK_EQ (%esp), 0x22222222
  movl $SEL_DATA32, pm_tss + 8
  RING0
  movl saved_esp, %esp
  RESET_GATE 10

DONE

# ---- gate targets -----------------------------------------------------------------------------

# Records CS, SS, ESP and the six doublewords on its stack; loads ES with DPL-0 data; returns
# releasing two parameters.
gate_target:
  movl %eax, g_eax
  movl %esp, g_esp
  movl $0, g_cs
  movw %cs, g_cs
  movl $0, g_ss
  movw %ss, g_ss
  movl (%esp), %eax
  movl %eax, g_frame
  movl 4(%esp), %eax
  movl %eax, g_frame + 4
  movl 8(%esp), %eax
  movl %eax, g_frame + 8
  movl 12(%esp), %eax
  movl %eax, g_frame + 12
  movl 16(%esp), %eax
  movl %eax, g_frame + 16
  movl 20(%esp), %eax
  movl %eax, g_frame + 20
  movw $SEL_DATA32, %ax
  movw %ax, %es
  movl g_eax, %eax
  lret $8

# Through the 286 gate: a frame of words; returns with a 16-bit RETF releasing three words.
gate286_target:
  movl %eax, g_eax
  movl %esp, g_esp
  movl (%esp), %eax
  movl %eax, g_frame
  movl 4(%esp), %eax
  movl %eax, g_frame + 4
  movl 8(%esp), %eax
  movl %eax, g_frame + 8
  movl 12(%esp), %eax
  movl %eax, g_frame + 12
  movl g_eax, %eax
  lretw $6

# Through a gate at the same level: only CS:EIP were pushed.
same_target:
  movl %eax, g_eax
  movl %esp, g_esp
  movl $0, g_cs
  movw %cs, g_cs
  movl (%esp), %eax
  movl %eax, g_frame
  movl 4(%esp), %eax
  movl %eax, g_frame + 4
  movl g_eax, %eax
  lret

jmp_target:
  movl $0, g_cs
  movw %cs, g_cs
  jmp .Ljmp_back

  .data
  .balign 4
saved_esp: .long 0
esp3:      .long 0
g_eax:     .long 0
g_esp:     .long 0
g_cs:      .long 0
g_ss:      .long 0
g_frame:   .fill 6, 4, 0
