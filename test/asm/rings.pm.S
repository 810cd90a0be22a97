# Moving between privilege levels (i386 PRM 6.3.4 "Restricting Control Transfers", 7.1 "Task
# State Segment", 9.6.1 "Interrupt Procedures", IRET and RET "Operation"): IRET and RETF to
# ring 3 load SS:ESP from the inner stack and null the data segment registers the outer ring may
# not use; INT from ring 3 through a DPL-3 gate lands in ring 0 on the stack the TSS names, with
# the outer SS:ESP, EFLAGS and CS:EIP pushed there; IRET goes back. Ring 3 may not run privileged
# instructions, nor IOPL-sensitive ones above its IOPL, nor load DPL-0 data, nor use a DPL-0
# gate, nor touch a supervisor page.

  .include "pm.inc"

.set SEL_CONF, 0x48     # code, conforming, readable, DPL 0
.set SEL_RCODE3, 0x50   # code, readable, DPL 3 (non-conforming)

.set VEC_USER, 30       # DPL-3 interrupt gate to inspect_handler
.set VEC_SUPER, 29      # DPL-0 interrupt gate to inspect_handler

.set USER_STACK, 0x70000
.set PD, 0x20000
.set PT, 0x21000
.set SUPER_PAGE, 0x30000  # the one supervisor page when paging is on

TEST set_up
  SET_DESC SEL_CONF, 0, 0xfffff, 0x9e, 0xc
  SET_DESC SEL_RCODE3, 0, 0xfffff, 0xfa, 0xc
  SET_GATE VEC_USER, inspect_handler, 0xee00
  SET_GATE VEC_SUPER, inspect_handler, 0x8e00
  str %ax
  CHECK_EQ16 %ax, SEL_TSS

# ---- IRET and RETF outward ------------------------------------------------------------------------

TEST iret_to_ring3
  movl %esp, saved_esp
  movw $SEL_DATA32, %ax         # DPL 0: nulled on the way out
  movw %ax, %es
  movw $SEL_DATA3, %ax          # DPL 3: kept
  movw %ax, %fs
  movw $SEL_CONF, %ax           # conforming code: kept whatever its DPL
  movw %ax, %gs
  pushl $SEL_DATA3              # SS
  pushl $USER_STACK             # ESP
  pushl $F_IOPL | F_CF | 2      # EFLAGS
  pushl $SEL_CODE3              # CS
  pushl $1f                     # EIP
  iretl
1:
  # Ring 3. DS and ES hold the null selector now: take their values before reloading DS.
  movw %ds, %bx
  movw %es, %cx
  movw %fs, %dx
  movw %gs, %si
  pushfl
  popl %edi
  pushl $SEL_DATA3
  popl %ds
  CHECK_EQ16 %bx, 0
  CHECK_EQ16 %cx, 0
  CHECK_EQ16 %dx, SEL_DATA3
  CHECK_EQ16 %si, SEL_CONF
  CHECK_EQ %edi, F_IOPL | F_CF | 2
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE3
  movw %ss, %ax
  CHECK_EQ16 %ax, SEL_DATA3
  CHECK_EQ %esp, USER_STACK
  # The nulled ES is unusable: #GP(0) (which takes us back to ring 0).
  FAULTS 13, 0, movl %es:0x1000, %eax
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE32
  CHECK_EQ FRAME_CS, SEL_CODE3
  CHECK_EQ FRAME_SS, SEL_DATA3
  CHECK_EQ FRAME_ESP, USER_STACK
  movl saved_esp, %esp
  movw $SEL_DATA32, %ax
  movw %ax, %es

TEST retf_to_ring3_releases_parameters_on_both_stacks
  movl %esp, saved_esp
  movw $SEL_DATA32, %ax         # (the last test came back from ring 3 with DS = SEL_DATA3)
  movw %ax, %ds
  movw %ax, %fs
  pushfl                        # IOPL 3 for ring 3 (RETF leaves EFLAGS alone)
  orl $F_IOPL, (%esp)
  popfl
  pushl $SEL_DATA3              # SS
  pushl $USER_STACK             # ESP
  pushl $0x1111                 # two parameters: RETF 8 skips them
  pushl $0x2222
  pushl $SEL_CODE3              # CS
  pushl $1f                     # EIP
  lret $8
1:
  movw %ds, %bx
  movw %fs, %cx
  pushl $SEL_DATA3
  popl %ds
  CHECK_EQ16 %bx, 0
  CHECK_EQ16 %cx, 0
  CHECK_EQ %esp, USER_STACK + 8 # the outer stack's parameters are released too
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE3
  movw %ss, %ax
  CHECK_EQ16 %ax, SEL_DATA3
  RING0
  movl saved_esp, %esp

TEST failed_iret_changes_nothing
  # IRET to ring 3 with an SS whose DPL is 0: #GP(SS), and CPL, CS, ESP as they were.
  movl %esp, saved_esp
  pushl $SEL_DATA32 | 3         # SS: RPL 3 but DPL 0
  pushl $USER_STACK
  pushl $F_IOPL | F_CF | F_ZF | 2
  pushl $SEL_CODE3
  pushl $1f
  SET_FLAGS 0
  FAULTS 13, SEL_DATA32, iretl
  CHECK_EQ exc_w2, SEL_CODE32
  CHECK_EQ -16(%esp), SEL_DATA32  # ESP had not moved: the frame is right below the IRET frame
  movl saved_esp, %esp
  # A null SS: #GP(0).
  pushl $0
  pushl $USER_STACK
  pushl $2
  pushl $SEL_CODE3
  pushl $1f
  FAULTS 13, 0, iretl
  movl saved_esp, %esp
  # RETF to ring 3 with an SS of the wrong ring: #GP(SS).
  pushl $SEL_DATA32
  pushl $USER_STACK
  pushl $SEL_CODE3
  pushl $1f
  FAULTS 13, SEL_DATA32, lret
  CHECK_EQ exc_w2, SEL_CODE32
  movl saved_esp, %esp
  jmp 2f
1:
  FAILNOW
2:

# ---- INT from ring 3 -------------------------------------------------------------------------------

TEST int_from_ring3_lands_on_the_tss_stack
  movl %esp, saved_esp
  RING3
  SET_FLAGS F_IOPL | F_SF | F_PF
  movl $0xeeeeeeee, -8(%esp)    # markers below the ring-3 stack: the frame must not go there
  movl $0xeeeeeeee, -12(%esp)   # (-4 is where PUSHF below puts the flags)
  movl %esp, esp_at_int
  int $VEC_USER
.Lafter_int:
  pushfl
  popl %edi
  CHECK_EQ %edi, F_IOPL | F_SF | F_PF | 2   # IRET gave them back
  CHECK_EQ -8(%esp), 0xeeeeeeee
  CHECK_EQ -12(%esp), 0xeeeeeeee
  CHECK_SAME %esp, esp_at_int
  # What the handler saw: ring 0 on SS0:ESP0 from the TSS, with the ring-3 state pushed there.
  CHECK_EQ h_cs, SEL_CODE32
  CHECK_EQ h_ss, SEL_DATA32
  CHECK_EQ h_esp, RING0_STACK-20
  CHECK_EQ f_eip, .Lafter_int
  CHECK_EQ f_cs, SEL_CODE3
  CHECK_EQ f_eflags, F_IOPL | F_SF | F_PF | 2
  movl f_esp, %eax
  CHECK_SAME %eax, esp_at_int
  CHECK_EQ f_ss, SEL_DATA3
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE3
  movw %ss, %ax
  CHECK_EQ16 %ax, SEL_DATA3
  RING0
  movl saved_esp, %esp

TEST iret_from_the_handler_nulls_what_it_loaded
  movl %esp, saved_esp
  RING3
  movl $1, h_set_segs           # the handler loads ES = DPL-0 data, FS = DPL-3 data, GS =
  int $VEC_USER                 # conforming DPL-0 code
  movw %es, %bx
  movw %fs, %cx
  movw %gs, %dx
  movl $0, h_set_segs
  CHECK_EQ16 %bx, 0
  CHECK_EQ16 %cx, SEL_DATA3
  CHECK_EQ16 %dx, SEL_CONF
  movl %gs:h_set_segs, %eax     # GS is still usable (readable code)
  RING0
  movl saved_esp, %esp

TEST int_through_a_dpl0_gate_from_ring3
  movl %esp, saved_esp
  RING3
  FAULTS 13, VEC_SUPER*8+2, int $VEC_SUPER   # IDT selector: index, IDT bit
  CHECK_EQ exc_w2, SEL_CODE3
  movl saved_esp, %esp
  # INT3 is INT n too: its gate (DPL 0 here) is checked the same way.
  RING3
  FAULTS 13, 3*8+2, int3
  movl saved_esp, %esp

# ---- what ring 3 may not do ---------------------------------------------------------------------

.macro RING3_GP insn:vararg
  RING3
  FAULTS 13, 0, \insn
  CHECK_EQ exc_w2, SEL_CODE3
  movl saved_esp, %esp
.endm

TEST privileged_instructions_in_ring3
  movl %esp, saved_esp
  RING3_GP hlt
  RING3_GP movl %cr0, %eax
  RING3_GP movl %eax, %cr3
  RING3_GP movl %dr7, %eax
  RING3_GP lgdt pm_gdt_desc
  RING3_GP lidt pm_gdt_desc
  RING3_GP lldt %ax
  RING3_GP ltr %ax
  RING3_GP lmsw %ax
  RING3_GP clts
  # SGDT, SIDT, SLDT, STR and SMSW are allowed.
  RING3
  smsw %ax
  str %bx
  RING0
  CHECK_EQ16 %bx, SEL_TSS
  movl saved_esp, %esp

TEST iopl_sensitive_instructions_in_ring3
  movl %esp, saved_esp
  # With IOPL 0: CLI, STI, IN and OUT are #GP(0) (the TSS has no I/O map).
  RING3 0
  FAULTS 13, 0, cli
  movl saved_esp, %esp
  RING3 0
  FAULTS 13, 0, sti
  movl saved_esp, %esp
  RING3 0
  FAULTS 13, 0, inb $0x80, %al
  movl saved_esp, %esp
  RING3 0
  FAULTS 13, 0, outb %al, $0x80
  movl saved_esp, %esp
  # POPF cannot change IF or IOPL there, and does not fault.
  RING3 0
  pushl $F_IF | F_IOPL | F_CF
  popfl
  pushfl
  popl %ebx
  RING0
  CHECK_EQ %ebx, F_CF | 2
  # With IOPL 3 they are allowed (CLI only: STI would let interrupts in).
  RING3 3
  cli
  inb $0x80, %al
  RING0
  movl saved_esp, %esp

TEST ring3_segment_loads
  movl %esp, saved_esp
  RING3
  movw $SEL_DATA32 | 3, %ax
  FAULTS 13, SEL_DATA32, movw %ax, %ds    # DPL 0 < CPL 3
  movl saved_esp, %esp
  RING3
  movw $SEL_DATA3 & ~3, %ax
  FAULTS 13, SEL_DATA3 & ~3, movw %ax, %ss   # RPL 0 != CPL 3
  movl saved_esp, %esp
  RING3
  movw $SEL_DATA32 | 3, %ax
  FAULTS 13, SEL_DATA32, movw %ax, %ss
  movl saved_esp, %esp
  RING3
  movw $SEL_RCODE3, %ax         # readable code of the same ring: fine in ES
  movw %ax, %es
  movw $SEL_CONF, %ax           # conforming code of any ring: fine
  movw %ax, %es
  # LAR and VERR see what CPL 3 may see.
  movw $SEL_DATA32, %ax
  movl $0, %ebx
  SET_FLAGS F_ZF | F_IOPL
  larl %ax, %ebx
  CHECK_FLAGS F_ZF, 0
  movw $SEL_CONF, %ax
  larl %ax, %ebx
  CHECK_FLAGS F_ZF, F_ZF
  movw $SEL_DATA3, %ax
  verw %ax
  CHECK_FLAGS F_ZF, F_ZF
  movw $SEL_DATA32, %ax
  verr %ax
  CHECK_FLAGS F_ZF, 0
  RING0
  movl saved_esp, %esp

TEST far_transfers_from_ring3
  movl %esp, saved_esp
  # A conforming segment runs at the caller's level: CS.RPL = CPL = 3.
  RING3
  lcall $SEL_CONF, $conforming_proc
  CHECK_EQ16 %bx, SEL_CONF | 3
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE3
  RING0
  movl saved_esp, %esp
  # Straight to ring-0 code: #GP(selector), for CALL and JMP.
  RING3
  FAULTS 13, SEL_CODE32, lcall $SEL_CODE32, $1f
  movl saved_esp, %esp
  RING3
  FAULTS 13, SEL_CODE32, ljmp $SEL_CODE32, $1f
  movl saved_esp, %esp
  # RETF may not go inward: to RPL 0 from CPL 3 is #GP(selector).
  RING3
  pushl $SEL_CODE32
  pushl $1f
  FAULTS 13, SEL_CODE32, lret
  movl saved_esp, %esp
  jmp 2f
1:
  FAILNOW
2:

# ---- paging ------------------------------------------------------------------------------------------

TEST ring3_touches_a_supervisor_page
  movl %esp, saved_esp
  # Identity-map 4 MiB, all user pages but SUPER_PAGE.
  movl $0, %ecx
1:
  movl %ecx, %eax
  shll $12, %eax
  orl $7, %eax                  # present, writable, user
  movl %eax, PT(,%ecx,4)
  incl %ecx
  cmpl $1024, %ecx
  jne 1b
  movl $SUPER_PAGE | 3, PT + (SUPER_PAGE >> 12) * 4
  movl $PT | 7, PD
  movl $0, %ecx
2:
  movl $0, PD + 4(,%ecx,4)
  incl %ecx
  cmpl $1023, %ecx
  jne 2b
  movl $PD, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $0x80000000, %eax
  movl %eax, %cr0
  jmp 3f
3:
  movl $0x3c3c3c3c, SUPER_PAGE + 0x10   # ring 0 may use it (and the TLB now holds it)
  RING3
  movl $SUPER_PAGE + 0x10, %ebx
  FAULTS 14, 5, movl (%ebx), %ecx      # read: P | U
  movl %cr2, %eax
  CHECK_EQ %eax, SUPER_PAGE + 0x10
  movl saved_esp, %esp
  RING3
  FAULTS 14, 7, movb $1, SUPER_PAGE + 0xfff   # write: P | W | U
  movl %cr2, %eax
  CHECK_EQ %eax, SUPER_PAGE + 0xfff
  CHECK_EQ SUPER_PAGE + 0x10, 0x3c3c3c3c
  CHECK_EQ FRAME_CS, SEL_CODE3
  movl saved_esp, %esp
  movl %cr0, %eax
  andl $0x7fffffff, %eax
  movl %eax, %cr0
  jmp 4f
4:

DONE

# ---- handlers ----------------------------------------------------------------------------------------

# INT VEC_USER / VEC_SUPER: record the handler's own CS, SS, ESP and the frame, optionally load
# ES, FS and GS (h_set_segs), and return.
inspect_handler:
  movl %eax, h_eax
  movl %esp, h_esp
  movl $0, h_cs
  movw %cs, h_cs
  movl $0, h_ss
  movw %ss, h_ss
  movl (%esp), %eax
  movl %eax, f_eip
  movl 4(%esp), %eax
  movl %eax, f_cs
  movl 8(%esp), %eax
  movl %eax, f_eflags
  movl 12(%esp), %eax
  movl %eax, f_esp
  movl 16(%esp), %eax
  movl %eax, f_ss
  cmpl $0, h_set_segs
  je 1f
  movw $SEL_DATA32, %ax
  movw %ax, %es
  movw $SEL_DATA3, %ax
  movw %ax, %fs
  movw $SEL_CONF, %ax
  movw %ax, %gs
1:
  movl h_eax, %eax
  iretl

# Called far from ring 3 into a conforming segment: BX = the CS it runs with.
conforming_proc:
  movw %cs, %bx
  lret

  .data
  .balign 4
saved_esp:  .long 0
esp_at_int: .long 0
h_set_segs: .long 0
h_eax:      .long 0
h_esp:      .long 0
h_cs:       .long 0
h_ss:       .long 0
f_eip:      .long 0
f_cs:       .long 0
f_eflags:   .long 0
f_esp:      .long 0
f_ss:       .long 0
