# Precise exceptions: an IRET that faults changes nothing. IRET to an outer level must check the
# SS it pops (i386 PRM, IRET "RETURN-TO-OUTER-LEVEL": "SS selector must be non-null, RPL must
# equal the return CS's RPL, DPL must equal it, writable data, present") before it loads EFLAGS,
# so the EFLAGS the #GP handler sees are the ones the IRET started with.

  .include "pm.inc"

TEST failed_iret_leaves_eflags
  movl %esp, saved_esp
  pushl $SEL_DATA32 | 3          # SS: RPL 3 but DPL 0
  pushl $0x70000
  pushl $F_IOPL | F_CF | F_ZF | F_SF | 2
  pushl $SEL_CODE3
  pushl $1f
  SET_FLAGS 0
  FAULTS 13, SEL_DATA32, iretl
  CHECK_EQ exc_w3, 2             # EFLAGS when it faulted: as before the IRET
  movl saved_esp, %esp
  jmp 2f
1:
  FAILNOW
2:

DONE

  .data
  .balign 4
saved_esp: .long 0
