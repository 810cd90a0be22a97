# rings.S -- a 64 KiB test ROM that takes the processor from reset to ring 3 and back, for the
# determinism test (test/unit/emulator/cpu/determinism.test.ts): the same image must run to the
# same output in the same number of cycles every time.
#
# From F000:FFF0 it jumps into the ROM at F000:0000, copies a GDT into RAM, enables A20, sets
# CR0.PE and far-jumps into 32-bit code; builds an IDT and a TSS, identity-maps the first 4 MiB as
# user pages and sets CR0.PG; then IRETs to ring 3. Ring 3 prints through a system call (INT 30h,
# a DPL-3 gate: one ring 3 -> ring 0 -> ring 3 round trip for each character), fills a page in
# the 4-8 MiB region whose page table does not exist yet (the #PF handler builds it on the first
# write, and the write restarts), sums what it wrote, prints the sum, and asks ring 0 to end the
# run through the exit port. Any other exception prints "fatal" and exits with status 1.
#
# Everything is in .text, linked at F0000 (rom.ld): real-mode code addresses the ROM as
# `label - _start` with CS = F000; 32-bit code uses the linear addresses.
#
#   RAM   0x0800 GDT   0x1000 IDT   0x2000 TSS   0x10000 page directory   0x11000 page table 0-4 MiB
#         0x12000 page table 4-8 MiB (built by the #PF handler)   0x70000 ring-3 stack top
#         0x80000 ring-0 stack top (TSS.ESP0)   0x90000 the boot stack

	.set	GDT, 0x0800
	.set	IDT, 0x1000
	.set	TSS, 0x2000
	.set	PD, 0x10000
	.set	PT0, 0x11000
	.set	PT1, 0x12000
	.set	USER_STACK, 0x70000
	.set	KERNEL_STACK, 0x80000
	.set	DATA_PAGE, 0x400000
	.set	SEL_CODE0, 0x08
	.set	SEL_DATA0, 0x10
	.set	SEL_CODE3, 0x1b
	.set	SEL_DATA3, 0x23
	.set	SEL_TSS, 0x28
	.set	EXIT_PORT, 0xF4
	.set	SYS_EXIT, 0
	.set	SYS_PUTC, 1

	.code16
	.section .text
	.globl	_start
_start:
	cli
	cld
	# The GDT has to be in RAM: the processor writes its accessed and busy bits.
	mov	$0xF000, %ax
	mov	%ax, %ds
	xor	%ax, %ax
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7000, %sp
	mov	$(gdt - _start), %si
	mov	$GDT, %di
	mov	$(gdt_end - gdt), %cx
	rep movsb
	in	$0x92, %al			# A20 on (fast gate)
	or	$2, %al
	out	%al, $0x92
	lgdtl	%cs:(gdt_desc - _start)
	mov	%cr0, %eax
	or	$1, %eax			# PE
	mov	%eax, %cr0
	ljmpl	$SEL_CODE0, $pm32

	.code32
pm32:
	mov	$SEL_DATA0, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$0x90000, %esp

	movl	$0, faults_taken

	# IDT: every vector to `fatal`, then #PF and the system call.
	mov	$fatal, %eax
	xor	%ecx, %ecx
1:	call	set_gate
	inc	%ecx
	cmp	$256, %ecx
	jne	1b
	mov	$14, %ecx
	mov	$page_fault, %eax
	call	set_gate
	mov	$0x30, %ecx
	mov	$syscall, %eax
	call	set_gate
	orb	$0x60, IDT + 0x30 * 8 + 5	# DPL 3: ring 3 may INT 30h
	lidt	idt_desc

	# TSS: the ring-0 stack; LTR marks it busy.
	mov	$TSS, %edi
	mov	$0x68 / 4, %ecx
	xor	%eax, %eax
	rep stosl
	movl	$KERNEL_STACK, TSS + 4
	movl	$SEL_DATA0, TSS + 8
	movw	$0x68, TSS + 0x66
	mov	$SEL_TSS, %ax
	ltr	%ax

	# Paging: 0-4 MiB identity-mapped, user, writable; 4-8 MiB left to the #PF handler.
	mov	$PD, %edi
	mov	$1024, %ecx
	xor	%eax, %eax
	rep stosl
	movl	$PT0 | 7, PD
	mov	$PT0, %edi
	mov	$7, %eax
	mov	$1024, %ecx
2:	stosl
	add	$0x1000, %eax
	loop	2b
	mov	$PD, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax		# PG
	mov	%eax, %cr0
	jmp	3f
3:	mov	$msg_kernel, %esi
	call	kputs

	# To ring 3: SS:ESP, EFLAGS (IF clear, IOPL 0), CS:EIP.
	push	$SEL_DATA3
	push	$USER_STACK
	push	$0x0002
	push	$SEL_CODE3
	push	$user
	iret

# set_gate: IDT entry ECX -> SEL_CODE0:EAX, a 386 interrupt gate, DPL 0.
set_gate:
	mov	%eax, %edx
	and	$0xffff, %edx
	or	$(SEL_CODE0 << 16), %edx
	mov	%edx, IDT(,%ecx,8)
	mov	%eax, %edx
	and	$0xffff0000, %edx
	or	$0x8e00, %edx
	mov	%edx, IDT + 4(,%ecx,8)
	ret

# kputs: ESI = NUL-terminated string, to the 0xE9 console (ring 0).
kputs:
	lodsb
	test	%al, %al
	jz	1f
	out	%al, $0xE9
	jmp	kputs
1:	ret

# ---- ring 0: interrupt handlers ---------------------------------------------------------------

# INT 30h: EAX = SYS_PUTC (BL = the character) or SYS_EXIT.
syscall:
	cmp	$SYS_PUTC, %eax
	jne	1f
	push	%eax
	mov	%bl, %al
	out	%al, $0xE9
	pop	%eax
	iret
1:	mov	$msg_done, %esi
	call	kputs
	xor	%eax, %eax
	out	%eax, $EXIT_PORT
2:	hlt
	jmp	2b

# #PF: a write to the 4-8 MiB region before its page table exists builds the table (identity,
# user, writable) and returns, so the write runs again. Anything else is fatal.
page_fault:
	push	%eax
	push	%ecx
	push	%edi
	mov	%cr2, %eax
	cmp	$DATA_PAGE, %eax
	jb	fatal
	cmp	$DATA_PAGE + 0x400000, %eax
	jae	fatal
	cmpl	$0, PD + 4
	jne	fatal
	mov	$PT1, %edi
	mov	$DATA_PAGE | 7, %eax
	mov	$1024, %ecx
1:	stosl
	add	$0x1000, %eax
	loop	1b
	movl	$PT1 | 7, PD + 4
	incl	faults_taken
	pop	%edi
	pop	%ecx
	pop	%eax
	add	$4, %esp			# the error code
	iret

fatal:
	mov	$SEL_DATA0, %ax
	mov	%ax, %ds
	mov	$msg_fatal, %esi
	call	kputs
	mov	$1, %eax
	out	%eax, $EXIT_PORT
1:	hlt
	jmp	1b

	.set	faults_taken, 0x3000		# a counter in RAM

# ---- ring 3 ------------------------------------------------------------------------------------

user:
	mov	$SEL_DATA3, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	$msg_user, %esi
	call	uputs
	# Fill the first page at 4 MiB with 0, 1, 2, ... (the first write page-faults), then sum it.
	mov	$DATA_PAGE, %edi
	xor	%eax, %eax
	mov	$1024, %ecx
1:	stosl
	inc	%eax
	loop	1b
	mov	$DATA_PAGE, %esi
	xor	%edx, %edx
	mov	$1024, %ecx
2:	lodsl
	add	%eax, %edx
	loop	2b
	mov	$msg_sum, %esi
	call	uputs
	mov	%edx, %eax
	call	uputhex
	mov	$msg_faults, %esi
	call	uputs
	mov	faults_taken, %eax
	call	uputhex
	mov	$'\n', %bl
	call	uputc
	mov	$SYS_EXIT, %eax
	int	$0x30

# uputc: BL through the system call.
uputc:
	push	%eax
	mov	$SYS_PUTC, %eax
	int	$0x30
	pop	%eax
	ret

# uputs: ESI = NUL-terminated string.
uputs:
	lodsb
	test	%al, %al
	jz	1f
	mov	%al, %bl
	call	uputc
	jmp	uputs
1:	ret

# uputhex: EAX as eight hex digits.
uputhex:
	mov	$8, %ecx
1:	rol	$4, %eax
	mov	%al, %bl
	and	$0xf, %bl
	add	$'0', %bl
	cmp	$'9', %bl
	jbe	2f
	add	$('a' - '9' - 1), %bl
2:	call	uputc
	loop	1b
	ret

msg_kernel:	.asciz	"rom: protected mode, paging on\n"
msg_user:	.asciz	"rom: ring 3\n"
msg_sum:	.asciz	"rom: sum "
msg_faults:	.asciz	", page faults "
msg_done:	.asciz	"rom: done\n"
msg_fatal:	.asciz	"rom: fatal\n"

	.p2align 3
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF		# 0x08: code, DPL 0, 4 GiB, 32-bit
	.quad	0x00CF92000000FFFF		# 0x10: data, DPL 0, 4 GiB
	.quad	0x00CFFA000000FFFF		# 0x18: code, DPL 3
	.quad	0x00CFF2000000FFFF		# 0x20: data, DPL 3
	.quad	0x0000890000000067 | (TSS << 16)	# 0x28: 386 TSS at TSS, limit 0x67
gdt_end:
	.p2align 2
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	GDT
	.word	0
idt_desc:
	.word	256 * 8 - 1
	.long	IDT

	# The reset vector: the last 16 bytes of the ROM (the section starts at F0000).
	.code16
	.org	0xFFF0, 0xFF
reset:
	ljmp	$0xF000, $(_start - _start)
	.balign	16, 0xF4
