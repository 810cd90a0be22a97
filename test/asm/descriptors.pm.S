# Loading segment registers in protected mode (i386 PRM 6.3.1 "Descriptors Store Protection
# Parameters", 6.3.2 "Restricting Access to Data", and MOV/POP/LES "Protected Mode Exceptions"):
# every selector that may not be loaded raises the exception the manual names, with the selector
# (RPL cleared, TI kept) as the error code, and leaves the register as it was; a load that succeeds
# sets the descriptor's accessed bit in the table. Then limits: expand-down segments (byte and
# page granular, B = 0 and 1), byte and page granularity; and the instructions that inspect
# selectors without loading them: LAR, LSL, VERR, VERW, ARPL.
#
# All of this runs at CPL 0 with paging off (rings.pm.S covers CPL 3). Segments that test limits
# have base 0x200000, so an offset shows in the linear address.

  .include "pm.inc"

.set SEL_XO, 0x48       # code, execute-only
.set SEL_RCODE, 0x50    # code, readable
.set SEL_RO, 0x58       # data, read-only
.set SEL_NP, 0x60       # data, not present
.set SEL_FRESH, 0x68    # data, accessed bit clear, never loaded before its test
.set SEL_CONF, 0x70     # code, conforming, readable, DPL 0
.set SEL_ED16, 0x78     # data, expand-down, limit 0xfff, B = 0
.set SEL_ED32, 0x80     # data, expand-down, limit 0xfff, B = 1
.set SEL_EDPAGE, 0x88   # data, expand-down, limit field 0xf with G = 1 (0xffff), B = 1
.set SEL_BYTELIM, 0x90  # data, limit 0x12345, byte granular
.set SEL_PAGELIM, 0x98  # data, limit field 0x12 with G = 1 (0x12fff)
.set SEL_LDT, 0xa0      # an LDT (two descriptors)
.set SEL_CGATE, 0xa8    # a 386 call gate
.set SEL_IGATE, 0xb0    # a 386 interrupt gate (not valid in the GDT, but LAR may look at it)
.set SEL_DPL1, 0xb8     # data, DPL 1
.set SEL_NPXO, 0xc0     # code, execute-only, not present
.set SEL_NPRO, 0xc8     # data, read-only, not present
.set SEL_STACKED, 0xd0  # data, expand-down, limit 0x7ffff, B = 1: a stack
.set SEL_TSS9, 0xd8     # a 386 TSS, available (never loaded)
.set SEL_LOOK, 0xe0     # data, accessed bit clear, only ever inspected
.set SEL_EMPTY, 0xf8    # all zeros

.set BASE, 0x200000

# Offset of byte 5 (P|DPL|S|type) of a GDT descriptor.
.set ACCESS_BYTE, 5

# Loading `sreg` with `sel` raises `vec` with error code `code`, and `sreg` keeps `keep`.
.macro LOAD_FAULTS sreg, sel, vec, code, keep
  movw $(\sel), %ax
  FAULTS \vec, \code, movw %ax, \sreg
  movw \sreg, %ax
  CHECK_EQ16 %ax, \keep
.endm

# ES holds SEL_DATA_1M, hidden part included: a read through it sees physical 0x100000.
.macro CHECK_ES_IS_1M
  movl $0x600df00d, 0x100000
  movl %es:0, %ecx
  CHECK_EQ %ecx, 0x600df00d
  movw %es, %cx
  CHECK_EQ16 %cx, SEL_DATA_1M
.endm

# LAR of `sel` sets ZF and loads the access rights: (result & 00F0FF00) == want. (The manual gives
# the mask as 00FxFF00: the nibble holding limit 19:16 is undefined.)
.macro LAR_IS sel, want
  movw $(\sel), %ax
  movl $0x5555aaaa, %ebx
  SET_FLAGS 0
  larl %ax, %ebx
  CHECK_FLAGS F_ZF, F_ZF
  andl $0x00f0ff00, %ebx
  CHECK_EQ %ebx, \want
.endm

# LAR of `sel` clears ZF and leaves its destination alone.
.macro LAR_FAILS sel
  movw $(\sel), %ax
  movl $0x5555aaaa, %ebx
  SET_FLAGS F_ZF
  larl %ax, %ebx
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ %ebx, 0x5555aaaa
.endm

.macro LSL_IS sel, want
  movw $(\sel), %ax
  movl $0x5555aaaa, %ebx
  SET_FLAGS 0
  lsll %ax, %ebx
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ %ebx, \want
.endm

.macro LSL_FAILS sel
  movw $(\sel), %ax
  movl $0x5555aaaa, %ebx
  SET_FLAGS F_ZF
  lsll %ax, %ebx
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ %ebx, 0x5555aaaa
.endm

# VERR/VERW (`insn`) of `sel` sets ZF to `zf` (0 or 1).
.macro VERIFY insn, sel, zf
  movw $(\sel), %ax
  SET_FLAGS (1-(\zf))*F_ZF
  \insn %ax
  CHECK_FLAGS F_ZF, (\zf)*F_ZF
.endm

TEST set_up_descriptors
  SET_DESC SEL_XO, 0, 0xfffff, 0x98, 0xc
  SET_DESC SEL_RCODE, 0, 0xfffff, 0x9a, 0xc
  SET_DESC SEL_RO, 0, 0xfffff, 0x90, 0xc
  SET_DESC SEL_NP, 0, 0xfffff, 0x12, 0xc
  SET_DESC SEL_FRESH, 0, 0xfffff, 0x92, 0xc
  SET_DESC SEL_CONF, 0, 0xfffff, 0x9e, 0xc
  SET_DESC SEL_ED16, BASE, 0x00fff, 0x96, 0x0
  SET_DESC SEL_ED32, BASE, 0x00fff, 0x96, 0x4
  SET_DESC SEL_EDPAGE, BASE, 0x0000f, 0x96, 0xc
  SET_DESC SEL_BYTELIM, BASE, 0x12345, 0x92, 0x4
  SET_DESC SEL_PAGELIM, BASE, 0x00012, 0x92, 0xc
  SET_SYS_DESC SEL_LDT, ldt_table, 0x0f, 0x82
  movl $SEL_CODE32 << 16, pm_gdt + SEL_CGATE        # call gate to 0008:00000000, DPL 0
  movl $0x8c00, pm_gdt + SEL_CGATE + 4
  movl $SEL_CODE32 << 16, pm_gdt + SEL_IGATE        # interrupt gate, DPL 0
  movl $0x8e00, pm_gdt + SEL_IGATE + 4
  SET_DESC SEL_DPL1, 0, 0xfffff, 0xb2, 0xc
  SET_DESC SEL_NPXO, 0, 0xfffff, 0x18, 0xc
  SET_DESC SEL_NPRO, 0, 0xfffff, 0x10, 0xc
  SET_DESC SEL_STACKED, 0, 0x7ffff, 0x96, 0x4
  SET_DESC SEL_TSS9, 0x3000, 0x67, 0x89, 0x0
  SET_DESC SEL_LOOK, 0, 0xfffff, 0x92, 0xc
  movw $SEL_DATA_1M, %ax
  movw %ax, %es
  CHECK_ES_IS_1M

# ---- selectors that must not be loaded -------------------------------------------------------------

TEST null_selector
  # DS, ES, FS and GS may hold the null selector (any RPL); using it is #GP(0).
  movw $0, %ax
  movw %ax, %fs
  movw $3, %ax
  movw %ax, %gs
  movw %fs, %ax
  CHECK_EQ16 %ax, 0
  movw %gs, %ax
  CHECK_EQ16 %ax, 3
  FAULTS 13, 0, movl %fs:0x1000, %eax
  FAULTS 13, 0, movb $1, %gs:0
  # SS may not: #GP(0), and SS is unchanged.
  LOAD_FAULTS %ss, 0, 13, 0, SEL_DATA32
  LOAD_FAULTS %ss, 3, 13, 0, SEL_DATA32
  pushl $0x1234                 # the stack still works
  popl %eax
  CHECK_EQ %eax, 0x1234

TEST beyond_the_table_limit
  LOAD_FAULTS %es, 0x100, 13, 0x100, SEL_DATA_1M     # the first selector past GDTR.limit
  LOAD_FAULTS %es, 0x7ffb, 13, 0x7ff8, SEL_DATA_1M   # RPL cleared in the error code
  LOAD_FAULTS %ss, 0x100, 13, 0x100, SEL_DATA32
  LOAD_FAULTS %ds, 0xfffc, 13, 0xfffc, SEL_DATA32
  CHECK_ES_IS_1M

TEST wrong_type_for_a_data_register
  LOAD_FAULTS %es, SEL_XO, 13, SEL_XO, SEL_DATA_1M   # execute-only code
  LOAD_FAULTS %es, SEL_LDT, 13, SEL_LDT, SEL_DATA_1M # system descriptors
  LOAD_FAULTS %es, SEL_TSS, 13, SEL_TSS, SEL_DATA_1M
  LOAD_FAULTS %es, SEL_CGATE, 13, SEL_CGATE, SEL_DATA_1M
  LOAD_FAULTS %es, SEL_EMPTY, 13, SEL_EMPTY, SEL_DATA_1M
  LOAD_FAULTS %ds, SEL_XO | 1, 13, SEL_XO, SEL_DATA32
  CHECK_ES_IS_1M

TEST readable_code_and_read_only_data
  # Readable code may be loaded into a data register: reads work, writes are #GP(0).
  movl $0x1badb002, scratch
  movw $SEL_RCODE, %ax
  movw %ax, %fs
  movl %fs:scratch, %ecx
  CHECK_EQ %ecx, 0x1badb002
  FAULTS 13, 0, movl %ecx, %fs:scratch
  # Read-only data likewise.
  movw $SEL_RO, %ax
  movw %ax, %fs
  movl %fs:scratch, %ecx
  CHECK_EQ %ecx, 0x1badb002
  FAULTS 13, 0, movb $0, %fs:scratch
  CHECK_EQ scratch, 0x1badb002

TEST wrong_type_for_ss
  LOAD_FAULTS %ss, SEL_RO, 13, SEL_RO, SEL_DATA32         # SS must be writable data
  LOAD_FAULTS %ss, SEL_RCODE, 13, SEL_RCODE, SEL_DATA32
  LOAD_FAULTS %ss, SEL_XO, 13, SEL_XO, SEL_DATA32
  LOAD_FAULTS %ss, SEL_TSS, 13, SEL_TSS, SEL_DATA32
  LOAD_FAULTS %ss, SEL_CONF, 13, SEL_CONF, SEL_DATA32

TEST not_present
  # A data register: #NP(selector). SS: #SS(selector).
  LOAD_FAULTS %es, SEL_NP, 11, SEL_NP, SEL_DATA_1M
  LOAD_FAULTS %gs, SEL_NP, 11, SEL_NP, 3
  LOAD_FAULTS %gs, SEL_NP | 3, 13, SEL_NP, 3             # RPL 3 above DPL 0: #GP first
  LOAD_FAULTS %ss, SEL_NP, 12, SEL_NP, SEL_DATA32
  CHECK_ES_IS_1M
  # Type and privilege come before presence: #GP, not #NP.
  LOAD_FAULTS %es, SEL_NPXO, 13, SEL_NPXO, SEL_DATA_1M
  LOAD_FAULTS %ss, SEL_NPRO, 13, SEL_NPRO, SEL_DATA32
  LOAD_FAULTS %ss, SEL_NP | 3, 13, SEL_NP, SEL_DATA32      # RPL != CPL
  # A failed load does not set the accessed bit.
  CHECK_EQ8 pm_gdt + SEL_NP + ACCESS_BYTE, 0x12

TEST privilege_rpl_and_dpl
  # Data: max(CPL, RPL) must not exceed DPL.
  LOAD_FAULTS %es, SEL_DATA32 | 3, 13, SEL_DATA32, SEL_DATA_1M
  LOAD_FAULTS %es, SEL_DPL1 | 2, 13, SEL_DPL1, SEL_DATA_1M
  movw $SEL_DPL1 | 1, %ax
  movw %ax, %fs                 # RPL 1, DPL 1: allowed
  movw %fs, %ax
  CHECK_EQ16 %ax, SEL_DPL1 | 1  # the register keeps the RPL it was loaded with
  movw $SEL_DATA3, %ax          # DPL 3 data at CPL 0 with RPL 3
  movw %ax, %fs
  # Conforming code skips the check: DPL 0 with RPL 3 loads.
  movw $SEL_CONF | 3, %ax
  movw %ax, %fs
  movw %fs, %ax
  CHECK_EQ16 %ax, SEL_CONF | 3
  # SS: RPL and DPL must both equal CPL.
  LOAD_FAULTS %ss, SEL_DATA32 | 3, 13, SEL_DATA32, SEL_DATA32
  LOAD_FAULTS %ss, SEL_DATA3 & ~3, 13, SEL_DATA3 & ~3, SEL_DATA32
  LOAD_FAULTS %ss, SEL_DPL1 | 1, 13, SEL_DPL1, SEL_DATA32
  CHECK_ES_IS_1M

TEST failed_pop_and_les_change_nothing
  # POP ES of a bad selector: ESP does not move, so the exception frame lands right below the
  # selector (EXPECT_EXC puts ESP back to where it was before the POP).
  pushl $SEL_NP
  FAULTS 11, SEL_NP, popl %es
  CHECK_EQ -16(%esp), SEL_NP    # the error code, pushed at ESP - 16: ESP had not moved
  CHECK_EQ (%esp), SEL_NP
  addl $4, %esp
  # LES of a bad pointer: neither ES nor the offset register changes.
  movl $0x11111111, %ebx
  movw $SEL_NP, farptr + 4
  FAULTS 11, SEL_NP, lesl farptr, %ebx
  CHECK_EQ %ebx, 0x11111111
  CHECK_ES_IS_1M
  movw $SEL_DATA32, farptr + 4
  lesl farptr, %ebx
  CHECK_EQ %ebx, 0x12345678
  movw %es, %ax
  CHECK_EQ16 %ax, SEL_DATA32

# ---- the accessed bit ----------------------------------------------------------------------------------

TEST accessed_bit_written_back
  CHECK_EQ8 pm_gdt + SEL_FRESH + ACCESS_BYTE, 0x92
  movw $SEL_FRESH, %ax
  movw %ax, %fs
  CHECK_EQ8 pm_gdt + SEL_FRESH + ACCESS_BYTE, 0x93     # type 2 -> 3: accessed
  CHECK_EQ8 pm_gdt + SEL_FRESH + ACCESS_BYTE + 1, 0xcf # the rest of the dword as it was
  CHECK_EQ pm_gdt + SEL_FRESH, 0x0000ffff
  # Loading SS sets it too.
  CHECK_EQ8 pm_gdt + SEL_STACKED + ACCESS_BYTE, 0x96
  movw $SEL_STACKED, %ax
  movw %ax, %ss
  movw $SEL_DATA32, %ax
  movw %ax, %ss
  CHECK_EQ8 pm_gdt + SEL_STACKED + ACCESS_BYTE, 0x97
  # LAR, LSL, VERR and VERW only look: the bit stays clear.
  movw $SEL_LOOK, %ax
  larl %ax, %ebx
  lsll %ax, %ebx
  verr %ax
  verw %ax
  CHECK_EQ8 pm_gdt + SEL_LOOK + ACCESS_BYTE, 0x92

# ---- limits ----------------------------------------------------------------------------------------------

TEST expand_down_byte_granular_16bit
  # Limit 0xfff, B = 0: valid offsets are 0x1000 ... 0xffff.
  movl $0xaaaa0001, BASE + 0x1000
  movl $0xaaaa0002, BASE + 0xfffc
  movw $SEL_ED16, %ax
  movw %ax, %fs
  movl %fs:0x1000, %ecx
  CHECK_EQ %ecx, 0xaaaa0001
  movl %fs:0xfffc, %ecx
  CHECK_EQ %ecx, 0xaaaa0002
  FAULTS 13, 0, movb %fs:0xfff, %cl
  FAULTS 13, 0, movl %fs:0xffe, %ecx   # straddles the limit from below
  FAULTS 13, 0, movl %fs:0xfffd, %ecx  # runs past 0xffff
  FAULTS 13, 0, movb %fs:0x10000, %cl
  FAULTS 13, 0, movb $1, %fs:0
  movw $0x1234, %fs:0xfffe             # the last word
  CHECK_EQ16 BASE + 0xfffe, 0x1234
  LSL_IS SEL_ED16, 0xfff

TEST expand_down_byte_granular_32bit
  # Limit 0xfff, B = 1: valid offsets are 0x1000 ... 0xffffffff.
  movl $0xbbbb0001, BASE + 0x10000
  movl $0xbbbb0002, BASE - 4
  movw $SEL_ED32, %ax
  movw %ax, %fs
  movl %fs:0x10000, %ecx
  CHECK_EQ %ecx, 0xbbbb0001
  movl $0xfffffffc, %ebx
  movl %fs:(%ebx), %ecx          # base + 0xfffffffc wraps to base - 4
  CHECK_EQ %ecx, 0xbbbb0002
  movl $0xfffffffd, %ebx
  FAULTS 13, 0, movl %fs:(%ebx), %ecx
  FAULTS 13, 0, movb %fs:0xfff, %cl
  movl %fs:0x1000, %ecx

TEST expand_down_page_granular
  # Limit field 0xf with G = 1: the limit is 0xffff; valid offsets are 0x10000 ... 0xffffffff.
  movl $0xcccc0001, BASE + 0x10000
  movw $SEL_EDPAGE, %ax
  movw %ax, %fs
  movl %fs:0x10000, %ecx
  CHECK_EQ %ecx, 0xcccc0001
  FAULTS 13, 0, movb %fs:0xffff, %cl
  FAULTS 13, 0, movl %fs:0xfffe, %ecx
  FAULTS 13, 0, movb %fs:0x1000, %cl
  LSL_IS SEL_EDPAGE, 0xffff

TEST expand_down_stack_segment
  # SS expand-down with limit 0x7ffff (B = 1): the stack at 0x8xxxx is inside, 0x7xxxx is not,
  # and a fault through SS is #SS(0), whether by override or by EBP's default segment.
  movw $SEL_STACKED, %ax
  movw %ax, %ss
  pushl $0x5a5a5a5a
  popl %ecx
  CHECK_EQ %ecx, 0x5a5a5a5a
  movl %ss:0x80000, %ecx
  FAULTS 12, 0, movl %ss:0x7fffc, %ecx
  movl %ebp, %esi
  movl $0x7fffe, %ebp
  FAULTS 12, 0, movl (%ebp), %ecx
  movl %esi, %ebp
  movw $SEL_DATA32, %ax
  movw %ax, %ss

TEST byte_granular_limit
  movw $SEL_BYTELIM, %ax
  movw %ax, %fs
  movb %fs:0x12345, %cl
  movl %fs:0x12342, %ecx
  movw %fs:0x12344, %cx
  FAULTS 13, 0, movb %fs:0x12346, %cl
  FAULTS 13, 0, movl %fs:0x12343, %ecx
  FAULTS 13, 0, movw %fs:0x12345, %cx
  LSL_IS SEL_BYTELIM, 0x12345

TEST page_granular_limit
  movw $SEL_PAGELIM, %ax
  movw %ax, %fs
  movb %fs:0x12fff, %cl
  movl %fs:0x12ffc, %ecx
  FAULTS 13, 0, movb %fs:0x13000, %cl
  FAULTS 13, 0, movl %fs:0x12ffd, %ecx
  LSL_IS SEL_PAGELIM, 0x12fff

# ---- the LDT ---------------------------------------------------------------------------------------------

TEST ldt_selectors
  # No LDT yet: a selector with TI = 1 is #GP(selector).
  LOAD_FAULTS %fs, 0x0004, 13, 0x0004, SEL_PAGELIM
  lldt pm_ldt_sel
  sldt %ax
  CHECK_EQ16 %ax, SEL_LDT
  # Entry 0 of an LDT is an ordinary descriptor (only the GDT's entry 0 is the null one).
  movl $0xdddd0001, BASE
  movw $0x0004, %ax
  movw %ax, %fs
  movl %fs:0, %ecx
  CHECK_EQ %ecx, 0xdddd0001
  movw $0x000f, %ax              # entry 1, RPL 3 (DPL 3)
  movw %ax, %fs
  movl %fs:BASE, %ecx
  CHECK_EQ %ecx, 0xdddd0001
  LOAD_FAULTS %fs, 0x0014, 13, 0x0014, 0x000f   # entry 2: beyond the LDT's limit 0xf
  LOAD_FAULTS %fs, 0x0007, 13, 0x0004, 0x000f   # entry 0 is DPL 0: RPL 3 is too weak
  LAR_IS 0x000c, 0x00c0f300
  LSL_IS 0x0004, 0xffffffff
  CHECK_EQ8 ldt_table + ACCESS_BYTE, 0x93       # the LDT's descriptors get the accessed bit
  movw $0, %ax
  lldt %ax
  LOAD_FAULTS %es, 0x0004, 13, 0x0004, SEL_DATA32

# ---- LAR, LSL, VERR, VERW, ARPL --------------------------------------------------------------------------

TEST lar
  LAR_IS SEL_DATA32, 0x00c09300  # G, B; P, DPL 0, S, data writable accessed
  LAR_IS SEL_XO, 0x00c09800
  LAR_IS SEL_DATA3, 0x00c0f300
  LAR_IS SEL_ED16, 0x00009700
  LAR_IS SEL_TSS, 0x00008b00     # system descriptors with access rights: the busy TSS (after LTR),
  LAR_IS SEL_TSS9, 0x00008900    # an available TSS, the LDT and the call gate
  LAR_IS SEL_LDT, 0x00008200
  LAR_IS SEL_CGATE, 0x00008c00
  LAR_IS SEL_CONF | 3, 0x00c09f00 # conforming code: no privilege check
  LAR_FAILS SEL_IGATE            # interrupt and trap gates have none
  LAR_FAILS SEL_EMPTY            # type 0
  LAR_FAILS 0                    # the null selector
  LAR_FAILS 0x100                # beyond the GDT
  LAR_FAILS SEL_DATA32 | 3       # RPL 3 above DPL 0
  LAR_FAILS SEL_DPL1 | 2
  # 16 bits: FF00 of the high dword, into the low word only.
  movw $SEL_DATA32, %ax
  movl $0x5555aaaa, %ebx
  larw %ax, %bx
  CHECK_EQ %ebx, 0x55559300
  # From memory.
  movl $0, %ebx
  larl pm_ldt_sel, %ebx
  CHECK_EQ %ebx, 0x00008200

TEST lsl
  LSL_IS SEL_DATA32, 0xffffffff
  LSL_IS SEL_DATA16, 0xffff
  LSL_IS SEL_TSS, 0x67
  LSL_IS SEL_TSS9, 0x67
  LSL_IS SEL_LDT, 0x0f
  LSL_IS SEL_NP, 0xffffffff      # presence is not checked
  LSL_IS SEL_CONF | 3, 0xffffffff
  LSL_FAILS SEL_CGATE            # gates have no limit
  LSL_FAILS SEL_IGATE
  LSL_FAILS SEL_EMPTY
  LSL_FAILS 0
  LSL_FAILS 0x100
  LSL_FAILS SEL_DATA32 | 3
  movw $SEL_DATA32, %ax          # 16 bits: the low word of the limit
  movl $0x5555aaaa, %ebx
  lslw %ax, %bx
  CHECK_EQ %ebx, 0x5555ffff

TEST verr
  VERIFY verr, SEL_DATA32, 1
  VERIFY verr, SEL_RO, 1
  VERIFY verr, SEL_RCODE, 1
  VERIFY verr, SEL_XO, 0         # execute-only
  VERIFY verr, SEL_CONF | 3, 1   # readable conforming code: any RPL
  VERIFY verr, SEL_DATA32 | 3, 0 # RPL 3 above DPL 0
  VERIFY verr, SEL_DPL1 | 1, 1
  VERIFY verr, SEL_TSS, 0        # system descriptors never verify
  VERIFY verr, SEL_LDT, 0
  VERIFY verr, SEL_CGATE, 0
  VERIFY verr, 0, 0
  VERIFY verr, 0x100, 0
  movw $SEL_RO, scratch          # from memory
  SET_FLAGS 0
  verr scratch
  CHECK_FLAGS F_ZF, F_ZF

TEST verw
  VERIFY verw, SEL_DATA32, 1
  VERIFY verw, SEL_DATA3, 1
  VERIFY verw, SEL_ED16, 1
  VERIFY verw, SEL_RO, 0         # read-only data
  VERIFY verw, SEL_RCODE, 0      # code is never writable
  VERIFY verw, SEL_CONF, 0
  VERIFY verw, SEL_DATA32 | 3, 0
  VERIFY verw, SEL_DPL1 | 2, 0
  VERIFY verw, SEL_TSS, 0
  VERIFY verw, 0, 0
  VERIFY verw, 0x100, 0

TEST arpl
  # ARPL dest, src raises dest's RPL to src's (ZF = 1), or leaves it (ZF = 0).
  movw $0x0010, %ax
  movw $0x0003, %bx
  SET_FLAGS 0
  arpl %bx, %ax
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ16 %ax, 0x0013
  movw $0x0bcd, %bx              # RPL 1 < 3: no change
  SET_FLAGS F_ZF
  arpl %bx, %ax
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ16 %ax, 0x0013
  movw $0x0022, scratch          # a memory destination
  movw $0x0003, %bx
  arpl %bx, scratch
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ16 scratch, 0x0023
  movw $0xffff, %ax              # equal RPLs: no change
  movw $0x0003, %bx
  arpl %bx, %ax
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ16 %ax, 0xffff

TEST arpl_writes_only_when_it_changes_the_rpl
  # i386 PRM ARPL: the destination is written only inside "IF RPL of DEST < RPL of SRC". So an ARPL
  # that changes nothing writes nothing, and raises no fault through a read-only data segment;
  # one that changes the RPL faults there with #GP(0) and leaves the word and ZF as they were.
  movw $SEL_RO, %ax
  movw %ax, %es
  movw $0x0013, scratch          # RPL 3
  movw $0x0002, %bx              # 2 < 3: no change
  SET_FLAGS F_ZF
  arpl %bx, %es:scratch
  CHECK_FLAGS F_ZF, 0
  CHECK_EQ16 scratch, 0x0013
  movw $0x0003, %bx              # 3 = 3: no change
  SET_FLAGS F_ZF
  arpl %bx, %es:scratch
  CHECK_FLAGS F_ZF, 0
  movw $0x0010, scratch          # RPL 0 < 3: a write, refused
  SET_FLAGS F_ZF
  FAULTS 13, 0, arpl %bx, %es:scratch
  CHECK_EQ16 scratch, 0x0010
  movl exc_w3, %eax              # the EFLAGS the fault pushed: ZF still set
  andl $F_ZF, %eax
  CHECK_EQ %eax, F_ZF
  movw $SEL_DATA32, %ax          # through a writable segment the same ARPL writes
  movw %ax, %es
  arpl %bx, %es:scratch
  CHECK_FLAGS F_ZF, F_ZF
  CHECK_EQ16 scratch, 0x0013

DONE

  .data
  .balign 4
scratch: .long 0
farptr: .long 0x12345678
        .word 0
pm_ldt_sel: .word SEL_LDT
  .balign 8
ldt_table:
  .quad 0x00cf92200000ffff       # 0x04: data, base 0x200000, 4 GiB, DPL 0
  .quad 0x00cff2000000ffff       # 0x0c: data, base 0, 4 GiB, DPL 3
