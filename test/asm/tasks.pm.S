# Task switches (i386 PRM chapter 7 "Multitasking": 7.5 "Task Switching", 7.6 "Task Linking",
# Table 7-1 "Checks Made during a Task Switch"): CALL to a TSS saves the registers in the current
# TSS, loads the new task's, links it back (back link, NT) and marks it busy; IRET with NT set
# returns to the task the back link names, clearing its busy bit; JMP through a task gate switches
# without linking and frees the old task; INT through a task gate in the IDT nests like CALL. A TSS
# whose limit is below 0x67 is #TS(selector), a busy one #GP(selector), all before anything
# changes.
#
# Task 1 is the program (TR = SEL_TSS from pm.inc). Tasks 2 and 3 run at CPL 0 with their own
# stacks; paging stays off, so the CR3 in their TSSs is not loaded.

  .include "pm.inc"

.set SEL_TSS2, 0x48      # 386 TSS -> tss2 (task 2: task2_entry)
.set SEL_TSS3, 0x50      # 386 TSS -> tss3 (task 3: task3_entry)
.set SEL_TASKGATE, 0x58  # task gate -> SEL_TSS3, DPL 0
.set SEL_TSS_SMALL, 0x60 # 386 TSS with limit 0x50
.set SEL_TSS_NP, 0x68    # 386 TSS, not present
.set SEL_TSS4, 0x70      # 386 TSS -> tss4, whose SS is null
.set SEL_TSS5, 0x78      # 386 TSS -> tss5 (task 5: the #PF handler task, pf_task_entry)
.set PD, 0x20000
.set PT, 0x21000
.set STACK0_PAGE, RING0_STACK - 0x1000   # the page TSS.ESP0 points into: absent at first
.set VEC_TASK, 28        # IDT task gate -> SEL_TSS2

.set TSS_LINK, 0x00
.set TSS_CR3, 0x1c
.set TSS_EIP, 0x20
.set TSS_EFLAGS, 0x24
.set TSS_EAX, 0x28
.set TSS_EBX, 0x34
.set TSS_ESP, 0x38
.set TSS_ESI, 0x40
.set TSS_ES, 0x48
.set TSS_CS, 0x4c
.set TSS_SS, 0x50
.set TSS_DS, 0x54
.set TSS_FS, 0x58
.set TSS_ECX, 0x2c

.set ACCESS_BYTE, 5
.set CR0_TS, 8

# Fills a 386 TSS for a ring-0 task starting at `entry` with stack `esp` and EAX = `eax`.
.macro INIT_TSS tss, entry, esp, eax
  movl $\entry, \tss + TSS_EIP
  movl $2, \tss + TSS_EFLAGS
  movl $\eax, \tss + TSS_EAX
  movl $\esp, \tss + TSS_ESP
  movl $SEL_DATA32, \tss + TSS_ES
  movl $SEL_CODE32, \tss + TSS_CS
  movl $SEL_DATA32, \tss + TSS_SS
  movl $SEL_DATA32, \tss + TSS_DS
  movw $0x68, \tss + 0x66
.endm

TEST set_up
  INIT_TSS tss2, task2_entry, 0x60000, 0x22220000
  INIT_TSS tss3, task3_entry, 0x68000, 0x33330000
  SET_SYS_DESC SEL_TSS2, tss2, 0x67, 0x89
  SET_SYS_DESC SEL_TSS3, tss3, 0x67, 0x89
  SET_SYS_DESC SEL_TSS_SMALL, tss3, 0x50, 0x89
  SET_SYS_DESC SEL_TSS_NP, tss3, 0x67, 0x09
  SET_SYS_DESC SEL_TSS4, tss4, 0x67, 0x89
  INIT_TSS tss4, task4_entry, 0x64000, 0x44440000
  movl $0, tss4 + TSS_SS
  movl $0x64000, tss4 + 4        # ESP0 and SS0: where the #TS frame goes
  movl $SEL_DATA32, tss4 + 8
  movl $SEL_TSS3 << 16, pm_gdt + SEL_TASKGATE
  movl $0x8500, pm_gdt + SEL_TASKGATE + 4
  movl $SEL_TSS2 << 16, idt + VEC_TASK * 8
  movl $0x8500, idt + VEC_TASK * 8 + 4
  CHECK_EQ8 pm_gdt + SEL_TSS + ACCESS_BYTE, 0x8b   # LTR marked task 1 busy

TEST call_to_a_tss_and_iret_back
  movl $0x600df00d, 0x100000
  movw $SEL_DATA_1M, %ax
  movw %ax, %fs
  movl $0xb0b0b0b0, %ebx
  movl $0x51515151, %esi
  movl %esp, saved_esp
  SET_FLAGS F_CF | F_ZF
  lcall $SEL_TSS2, $0x12345678   # the offset is ignored
.Lback1:
  pushfl
  popl %edi
  CHECK_EQ %edi, F_CF | F_ZF | 2 # task 1's flags back, NT clear
  CHECK_EQ %ebx, 0xb0b0b0b0      # its registers back, from its TSS
  CHECK_EQ %esi, 0x51515151
  CHECK_SAME %esp, saved_esp
  movl %fs:0, %eax               # FS reloaded, descriptor and all
  CHECK_EQ %eax, 0x600df00d
  str %ax
  CHECK_EQ16 %ax, SEL_TSS
  # What the CALL saved in task 1's TSS: the return address and the registers.
  CHECK_EQ pm_tss + TSS_EIP, .Lback1
  CHECK_EQ pm_tss + TSS_EBX, 0xb0b0b0b0
  CHECK_EQ16 pm_tss + TSS_FS, SEL_DATA_1M
  # IRET freed task 2 and left task 1 busy.
  CHECK_EQ8 pm_gdt + SEL_TSS2 + ACCESS_BYTE, 0x89
  CHECK_EQ8 pm_gdt + SEL_TSS + ACCESS_BYTE, 0x8b
  # What task 2 saw: its own TR, registers and stack, NT set, the link to task 1, both busy, and
  # CR0.TS set by the switch.
  CHECK_EQ t2_runs, 1
  CHECK_EQ t2_tr, SEL_TSS2
  CHECK_EQ t2_eax, 0x22220000
  CHECK_EQ t2_esp, 0x60000
  CHECK_EQ t2_nt, F_NT
  CHECK_EQ t2_link, SEL_TSS
  CHECK_EQ t2_busy2, 0x8b
  CHECK_EQ t2_busy1, 0x8b
  CHECK_EQ t2_ts, CR0_TS
  CHECK_EQ t2_fs, 0              # task 2's TSS has FS = 0
  # IRET saved task 2's state: it resumes after its IRET when called again.
  lcall $SEL_TSS2, $0
  CHECK_EQ t2_runs, 2
  CHECK_EQ t2_tr, SEL_TSS2
  clts

TEST jmp_through_a_task_gate
  movl $0x0e0e0e0e, %ebp
  ljmp $SEL_TASKGATE, $0
.Lback3:
  CHECK_EQ %ebp, 0x0e0e0e0e
  str %ax
  CHECK_EQ16 %ax, SEL_TSS
  # What task 3 saw: not nested (NT clear, the back link untouched), task 1 freed by the JMP.
  CHECK_EQ t3_tr, SEL_TSS3
  CHECK_EQ t3_eax, 0x33330000
  CHECK_EQ t3_nt, 0
  CHECK_EQ t3_link, 0
  CHECK_EQ t3_busy1, 0x89
  CHECK_EQ t3_busy3, 0x8b
  # Task 3 jumped back: now it is free and task 1 busy again.
  CHECK_EQ8 pm_gdt + SEL_TSS3 + ACCESS_BYTE, 0x89
  CHECK_EQ8 pm_gdt + SEL_TSS + ACCESS_BYTE, 0x8b
  clts

TEST int_through_a_task_gate
  movl $0, t2_runs
  movl $task2_entry, tss2 + TSS_EIP
  int $VEC_TASK
  CHECK_EQ t2_runs, 1
  CHECK_EQ t2_nt, F_NT
  CHECK_EQ t2_link, SEL_TSS
  CHECK_EQ8 pm_gdt + SEL_TSS2 + ACCESS_BYTE, 0x89
  clts

TEST bad_task_switches_change_nothing
  movl %esp, saved_esp
  FAULTS 10, SEL_TSS_SMALL, lcall $SEL_TSS_SMALL, $0   # limit below 0x67: #TS
  FAULTS 10, SEL_TSS_SMALL, ljmp $SEL_TSS_SMALL, $0
  FAULTS 13, SEL_TSS, lcall $SEL_TSS, $0               # busy (the current task): #GP
  FAULTS 13, SEL_TSS, ljmp $SEL_TSS, $0
  FAULTS 11, SEL_TSS_NP, lcall $SEL_TSS_NP, $0         # not present: #NP
  CHECK_SAME %esp, saved_esp
  str %ax
  CHECK_EQ16 %ax, SEL_TSS
  CHECK_EQ8 pm_gdt + SEL_TSS + ACCESS_BYTE, 0x8b
  CHECK_EQ8 pm_gdt + SEL_TSS_SMALL + ACCESS_BYTE, 0x89
  movl %cr0, %eax
  andl $CR0_TS, %eax
  CHECK_EQ %eax, 0
  # From ring 3, a DPL-0 task gate or TSS is #GP(selector).
  RING3
  FAULTS 13, SEL_TASKGATE, ljmp $SEL_TASKGATE, $0
  movl saved_esp, %esp
  RING3
  FAULTS 13, SEL_TSS2, lcall $SEL_TSS2|3, $0
  movl saved_esp, %esp
  str %ax
  CHECK_EQ16 %ax, SEL_TSS

TEST fault_while_loading_the_new_task
  # Task 4's SS is null. The switch has committed when that is found: the #TS(0) is the new
  # task's, delivered with TR = task 4 and EIP = its first instruction (the frame goes to the
  # ring-0 stack task 4's TSS names, since its own SS is unusable). Its DS is not usable yet
  # either, so the handler loads one before lib.inc's code runs.
  SET_GATE 10, ts_stub, 0x8e00
  movl %esp, saved_esp
  EXPECT_EXC 10, 1f
  lcall $SEL_TSS4, $0
.Lback4:
  jmp 2f                         # (back here through the IRET below)
1:
  str %ax
  CHECK_EQ16 %ax, SEL_TSS4
  CHECK_EQ exc_w0, 0
  CHECK_EQ exc_w1, task4_entry
  movl exc_w3, %eax
  andl $F_NT, %eax
  CHECK_EQ %eax, F_NT            # the CALL had nested it
  CHECK_EQ tss4 + TSS_LINK, SEL_TSS
  pushfl                         # return to task 1 through the back link
  orl $F_NT, (%esp)
  popfl
  iretl
2:
  str %ax
  CHECK_EQ16 %ax, SEL_TSS
  CHECK_SAME %esp, saved_esp
  CHECK_EQ8 pm_gdt + SEL_TSS4 + ACCESS_BYTE, 0x89
  RESET_GATE 10
  clts

TEST page_fault_on_the_ring0_stack_goes_to_a_task
  # INT from ring 3 switches to the ring-0 stack, whose page is absent: the #PF comes before
  # anything changed (CS, EIP, SS, ESP and CPL are ring 3's, EIP the INT's), and reaches a
  # handler task through the IDT's task gate. The task maps the page and returns; the INT runs
  # again and gets through.
  movl $0, %ecx
1:
  movl %ecx, %eax
  shll $12, %eax
  orl $7, %eax
  movl %eax, PT(,%ecx,4)
  incl %ecx
  cmpl $1024, %ecx
  jne 1b
  movl $0, %ecx
2:
  movl $0, PD(,%ecx,4)
  incl %ecx
  cmpl $1024, %ecx
  jne 2b
  movl $PT | 7, PD
  movl $0, PT + (STACK0_PAGE >> 12) * 4
  movl $PD, pm_tss + TSS_CR3     # a switch back to task 1 loads CR3 from its TSS
  INIT_TSS tss5, pf_task_entry, 0x6c000, 0
  movl $PD, tss5 + TSS_CR3
  SET_SYS_DESC SEL_TSS5, tss5, 0x67, 0x89
  movl $SEL_TSS5 << 16, idt + 14 * 8
  movl $0x8500, idt + 14 * 8 + 4
  movl $PD, %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $0x80000000, %eax
  movl %eax, %cr0
  jmp 3f
3:
  movl %esp, saved_esp
  RING3
  movl %esp, esp3
.Lint_to_ring0:
  RING0                          # INT VEC_RING0: faults, then (after the task) gets through
  movw %cs, %ax
  CHECK_EQ16 %ax, SEL_CODE32
  movl saved_esp, %esp
  CHECK_EQ pf_runs, 1
  CHECK_EQ pf_cr2, RING0_STACK-4   # the first slot of the frame: SS
  CHECK_EQ pf_error, 2             # a supervisor write, not present
  CHECK_EQ pf_link, SEL_TSS
  CHECK_EQ pf_eip, .Lint_to_ring0  # task 1 as the fault left it
  CHECK_EQ pf_cs, SEL_CODE3
  CHECK_EQ pf_ss, SEL_DATA3
  movl esp3, %eax
  CHECK_SAME pf_esp, %eax
  RESET_GATE 14
  movl %cr0, %eax
  andl $0x7fffffff, %eax
  movl %eax, %cr0
  jmp 4f
4:
  clts

DONE

# Task 5, through the #PF task gate: record what task 1 was doing, map the page, go back.
pf_task_entry:
  incl pf_runs
  popl pf_error                  # the error code is on this task's stack
  movl %cr2, %eax
  movl %eax, pf_cr2
  movzwl tss5 + TSS_LINK, %eax
  movl %eax, pf_link
  movl pm_tss + TSS_EIP, %eax
  movl %eax, pf_eip
  movzwl pm_tss + TSS_CS, %eax
  movl %eax, pf_cs
  movzwl pm_tss + TSS_SS, %eax
  movl %eax, pf_ss
  movl pm_tss + TSS_ESP, %eax
  movl %eax, pf_esp
  movl $STACK0_PAGE | 7, PT + (STACK0_PAGE >> 12) * 4
  movl %cr3, %eax
  movl %eax, %cr3
  iretl
  jmp pf_task_entry

# #TS: load a usable DS and ES, then report through lib.inc's stub.
ts_stub:
  pushl %eax
  movw $SEL_DATA32, %ax
  movw %ax, %ds
  movw %ax, %es
  popl %eax
  jmp exc_stubs + 16 * 10

task4_entry:
  FAILNOW                        # never runs

# ---- the other tasks ---------------------------------------------------------------------------

task2_entry:
  incl t2_runs
  movl %eax, t2_eax
  movl %esp, t2_esp
  str %ax
  movzwl %ax, %eax
  movl %eax, t2_tr
  pushfl
  popl %eax
  andl $F_NT, %eax
  movl %eax, t2_nt
  movzwl tss2 + TSS_LINK, %eax
  movl %eax, t2_link
  movzbl pm_gdt + SEL_TSS2 + ACCESS_BYTE, %eax
  movl %eax, t2_busy2
  movzbl pm_gdt + SEL_TSS + ACCESS_BYTE, %eax
  movl %eax, t2_busy1
  movl %cr0, %eax
  andl $CR0_TS, %eax
  movl %eax, t2_ts
  movw %fs, %ax
  movzwl %ax, %eax
  movl %eax, t2_fs
  iretl                          # NT: back to task 1
  jmp task2_entry                # where the next switch to task 2 resumes

task3_entry:
  movl %eax, t3_eax
  str %ax
  movzwl %ax, %eax
  movl %eax, t3_tr
  pushfl
  popl %eax
  andl $F_NT, %eax
  movl %eax, t3_nt
  movzwl tss3 + TSS_LINK, %eax
  movl %eax, t3_link
  movzbl pm_gdt + SEL_TSS + ACCESS_BYTE, %eax
  movl %eax, t3_busy1
  movzbl pm_gdt + SEL_TSS3 + ACCESS_BYTE, %eax
  movl %eax, t3_busy3
  ljmp $SEL_TSS, $0              # back to task 1, after its JMP

  .data
  .balign 4
saved_esp: .long 0
t2_runs:   .long 0
t2_eax:    .long 0
t2_esp:    .long 0
t2_tr:     .long 0
t2_nt:     .long 0
t2_link:   .long 0
t2_busy1:  .long 0
t2_busy2:  .long 0
t2_ts:     .long 0
t2_fs:     .long 0
t3_eax:    .long 0
t3_tr:     .long 0
t3_nt:     .long 0
t3_link:   .long 0
t3_busy1:  .long 0
t3_busy3:  .long 0
esp3:      .long 0
pf_runs:   .long 0
pf_error:  .long 0
pf_cr2:    .long 0
pf_link:   .long 0
pf_eip:    .long 0
pf_cs:     .long 0
pf_ss:     .long 0
pf_esp:    .long 0
  .balign 16
tss2: .fill 0x68, 1, 0
  .balign 16
tss3: .fill 0x68, 1, 0
  .balign 16
tss4: .fill 0x68, 1, 0
  .balign 16
tss5: .fill 0x68, 1, 0
