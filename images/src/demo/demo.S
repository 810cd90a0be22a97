# demo.S -- the demo boot disk that `npm start` boots (images/demo.img).
#
# The BIOS (firmware/bios.S) reads sector 0 to 0000:7C00 and jumps there with DL = the boot drive.
# This boot sector reads the rest of the program from the sectors after it with INT 13h AH=02h,
# then, in real mode, greets through INT 10h AH=0Eh (which the BIOS mirrors to COM1), opens A20
# with INT 15h AX=2401h, loads a GDT, sets CR0.PE and far-jumps to 32-bit code. From there on it
# talks to COM1 directly (the BIOS has set it to 115200 8N1): it counts the primes below 10000
# with a sieve in extended memory, then, if a terminal is on the line, asks for a line of input,
# echoes what is typed (polling LSR.DR, as interrupts stay off), prints the line back reversed and
# ends the run through the exit port 0xF4 with status 0.
#
# Whether a terminal is on the line: MSR.DCD (carrier detect). The ts386 command drops carrier
# when COM1 is not connected to a terminal's keyboard (stdin is not a TTY, or --serial file:/none),
# and the demo then skips the question. A terminal that types nothing for IDLE_SECONDS ends the
# wait too, so the demo never waits forever; the time is measured with PIT counter 2 (the speaker
# timer, read through port 61h bit 5), since the BIOS tick count at 0040:006C stands still with
# interrupts off.
#
# Memory: 0000:7C00 this boot sector, 0000:7E00 the rest (STAGE2_SECTORS sectors), 0008:0000
# the line buffer, 0009:0000 down the 32-bit stack, 1 MiB up the sieve.
# Built by images/build.sh (GNU as/ld/objcopy, linked at 7C00h) into images/demo.img, padded
# to 64 KiB; the image is committed and test/unit/cli/demo-image.test.ts checks it is current.

	.set	COM1, 0x3F8
	.set	COM1_LSR, COM1 + 5
	.set	COM1_MSR, COM1 + 6
	.set	LSR_DR, 0x01			# data ready
	.set	LSR_THRE, 0x20			# transmit holding register empty
	.set	LSR_TEMT, 0x40			# transmitter empty: the last bit has left
	.set	MSR_DCD, 0x80			# carrier detect
	.set	EXIT_PORT, 0xF4
	.set	STAGE2_SECTORS, 8		# sectors 1..8 (CHS 0/0/2..9) hold the rest of the program
	.set	STAGE2, 0x7E00
	.set	SIEVE, 0x100000			# above 1 MiB: needs A20
	.set	SIEVE_N, 10000
	.set	LINE, 0x80000			# the typed line
	.set	LINE_MAX, 72
	.set	STACK_TOP, 0x90000
	.set	IDLE_SECONDS, 60
	# PIT counter 2 in mode 3 with a count of 65536 (written as 0) makes a square wave whose
	# rising edges are 65536 / 1193182 Hz = 54.9 ms apart; IDLE_SECONDS of them, rounded down.
	.set	IDLE_EDGES, IDLE_SECONDS * 1193182 / 65536

	.code16
	.section .text
	.globl	_start
_start:
	ljmp	$0, $1f				# CS:IP = 0000:7Cxx whatever the BIOS jumped with
1:	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7C00, %sp
	sti
	cld
	movb	%dl, boot_drive

	# Read the rest of the program, trying three times with a reset in between (floppy-era
	# custom; a hard disk answers at once).
	movw	$3, %di
2:	movw	$(0x0200 | STAGE2_SECTORS), %ax	# AH=02h read, AL = sectors
	movw	$0x0002, %cx			# cylinder 0, sector 2 (sectors count from 1)
	xorb	%dh, %dh			# head 0
	movb	boot_drive, %dl
	movw	$STAGE2, %bx			# ES:BX = 0000:7E00
	int	$0x13
	jnc	stage2
	xorb	%ah, %ah			# AH=00h reset the drive
	movb	boot_drive, %dl
	int	$0x13
	decw	%di
	jnz	2b
	movw	$msg_disk_error, %si
	call	puts16
halt16:
	cli
	hlt
	jmp	halt16

# puts16: the NUL-terminated string at DS:SI through INT 10h teletype output.
puts16:
	pushw	%ax
	pushw	%bx
1:	lodsb
	testb	%al, %al
	jz	2f
	movb	$0x0E, %ah
	movw	$0x0007, %bx			# page 0, colour 7
	int	$0x10
	jmp	1b
2:	popw	%bx
	popw	%ax
	ret

boot_drive:	.byte	0
msg_disk_error:	.asciz	"demo: cannot read the rest of the program from the boot disk\r\n"

	.org	510
	.byte	0x55, 0xAA

# ---------------------------------------------------------------------------------------------
# Sector 1 on: real mode, then protected mode.
# ---------------------------------------------------------------------------------------------
stage2:
	movw	$msg_hello, %si
	call	puts16
	movb	boot_drive, %al
	call	put_hex8_16
	movw	$msg_hello2, %si
	call	puts16

	movw	$0x2401, %ax			# INT 15h AX=2401h: enable A20
	int	$0x15
	jnc	1f
	movw	$msg_a20_error, %si
	call	puts16
	jmp	halt16

1:	cli					# no interrupts from here on: there is no IDT for them
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax			# CR0.PE
	movl	%eax, %cr0
	ljmpl	$0x08, $pm32			# loads CS with the 32-bit code segment

# put_hex8_16: AL as two hex digits through INT 10h.
put_hex8_16:
	pushw	%ax
	shrb	$4, %al
	call	1f
	popw	%ax
1:	pushw	%ax
	pushw	%bx
	andb	$0x0F, %al
	addb	$'0', %al
	cmpb	$'9', %al
	jbe	2f
	addb	$('A' - '9' - 1), %al
2:	movb	$0x0E, %ah
	movw	$0x0007, %bx
	int	$0x10
	popw	%bx
	popw	%ax
	ret

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$STACK_TOP, %esp
	movl	$msg_pm, %esi
	call	puts32

	# Sieve of Eratosthenes over 0..SIEVE_N-1 (as in firmware/demo.S): mark composites, count
	# what is left.
	movl	$SIEVE, %edi
	movl	$SIEVE_N, %ecx
	movb	$1, %al
	rep stosb
	movb	$0, SIEVE
	movb	$0, SIEVE + 1
	movl	$2, %ebx
1:	movl	%ebx, %eax
	imull	%ebx, %eax
	cmpl	$SIEVE_N, %eax
	jae	4f
	cmpb	$0, SIEVE(%ebx)
	je	3f
2:	movb	$0, SIEVE(%eax)
	addl	%ebx, %eax
	cmpl	$SIEVE_N, %eax
	jb	2b
3:	incl	%ebx
	jmp	1b
4:	xorl	%edx, %edx
	xorl	%ebx, %ebx
5:	movzbl	SIEVE(%ebx), %eax
	addl	%eax, %edx
	incl	%ebx
	cmpl	$SIEVE_N, %ebx
	jb	5b
	movl	$msg_primes, %esi
	call	puts32
	movl	%edx, %eax
	call	putdec32
	movl	$msg_crlf, %esi
	call	puts32

	movw	$COM1_MSR, %dx
	inb	%dx, %al
	testb	$MSR_DCD, %al
	jnz	ask
	movl	$msg_no_terminal, %esi
	call	puts32
	jmp	finish

# ask: read a line from COM1, echoing it, until Enter; then print it reversed.
# EDI = the next free byte of LINE, EBP = rising edges of PIT OUT2 seen since the last key,
# BL = OUT2 as last read.
ask:
	movl	$msg_prompt, %esi
	call	puts32
	movb	$0xB6, %al			# counter 2, low then high byte, mode 3, binary
	outb	%al, $0x43
	xorb	%al, %al
	outb	%al, $0x42			# count 0 = 65536
	outb	%al, $0x42
	inb	$0x61, %al
	andb	$0xFC, %al			# speaker data off (bit 1) ...
	orb	$0x01, %al			# ... GATE2 on (bit 0): counter 2 runs
	outb	%al, $0x61
	movl	$LINE, %edi
	xorl	%ebp, %ebp
	movb	$0x20, %bl
1:	movw	$COM1_LSR, %dx
	inb	%dx, %al
	testb	$LSR_DR, %al
	jnz	got_key
	inb	$0x61, %al
	andb	$0x20, %al			# counter 2's OUT
	cmpb	%bl, %al
	je	1b
	movb	%al, %bl
	testb	%al, %al
	jz	1b				# a falling edge: half a period
	incl	%ebp
	cmpl	$IDLE_EDGES, %ebp
	jb	1b
	movl	$msg_no_input, %esi
	call	puts32
	jmp	finish

got_key:
	xorl	%ebp, %ebp			# the idle time starts again
	movw	$COM1, %dx
	inb	%dx, %al
	cmpb	$0x0D, %al			# Enter (CR in a raw terminal) or LF ends the line
	je	line_done
	cmpb	$0x0A, %al
	je	line_done
	cmpb	$0x7F, %al			# DEL or BS: erase the last character
	je	erase
	cmpb	$0x08, %al
	je	erase
	cmpl	$(LINE + LINE_MAX), %edi
	jae	1b				# the line is full: ignore the key
	movb	%al, (%edi)
	incl	%edi
	call	putvis32
	jmp	1b

erase:
	cmpl	$LINE, %edi
	je	1b
	decl	%edi
	cmpb	$0x20, (%edi)			# a control character was echoed as two: ^X
	jae	2f
	movl	$msg_erase, %esi
	call	puts32
2:	movl	$msg_erase, %esi
	call	puts32
	jmp	1b

line_done:
	movl	$msg_reversed, %esi
	call	puts32
3:	cmpl	$LINE, %edi
	je	4f
	decl	%edi
	movb	(%edi), %al
	call	putvis32
	jmp	3b
4:	movl	$msg_quote_crlf, %esi
	call	puts32

finish:
	movl	$msg_bye, %esi
	call	puts32
	# Wait until the UART has sent the last bit (LSR.TEMT): exiting earlier would cut the output.
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_TEMT, %al
	jz	1b
	xorb	%al, %al
	outb	%al, $EXIT_PORT
2:	cli
	hlt
	jmp	2b

# puts32: the NUL-terminated string at ESI to COM1. Advances ESI.
puts32:
	lodsb
	testb	%al, %al
	jz	1f
	call	putc32
	jmp	puts32
1:	ret

# putvis32: AL to COM1 as a terminal shows it: control characters as ^X, DEL as ^?.
putvis32:
	cmpb	$0x20, %al
	jae	2f
	pushl	%eax
	movb	$'^', %al
	call	putc32
	popl	%eax
	addb	$0x40, %al			# 03h -> 'C'
	jmp	putc32
2:	cmpb	$0x7F, %al
	jne	putc32
	movb	$'^', %al
	call	putc32
	movb	$'?', %al
	# fall through

# putc32: AL to COM1 (once THR is empty) and to the 0xE9 console. Preserves every register.
putc32:
	pushl	%edx
	pushl	%eax
	movw	$COM1_LSR, %dx
1:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	outb	%al, $0xE9
	popl	%edx
	ret

# putdec32: EAX in decimal.
putdec32:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divl	%ebx
	pushl	%edx
	incl	%ecx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	putc32
	loop	2b
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

msg_hello:	.asciz	"ts386 demo disk: hello from the boot sector (booted from drive "
msg_hello2:	.asciz	"h)\r\n"
msg_a20_error:	.asciz	"demo: INT 15h AX=2401h could not enable A20\r\n"
msg_pm:		.asciz	"ts386 demo disk: now in 32-bit protected mode\r\n"
msg_primes:	.asciz	"ts386 demo disk: primes below 10000: "
msg_prompt:	.asciz	"type a line and press Enter (Ctrl-A X quits): "
msg_erase:	.asciz	"\b \b"
msg_reversed:	.asciz	"\r\nreversed: \""
msg_quote_crlf:	.asciz	"\"\r\n"
msg_crlf:	.asciz	"\r\n"
msg_no_terminal: .asciz	"(no terminal on COM1: carrier detect is off)\r\n"
msg_no_input:	.asciz	"\r\n(no input)\r\n"
msg_bye:	.asciz	"ts386 demo disk: done\r\n"

	.p2align 3
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF		# 0x08: code, base 0, 4 GiB, 32-bit, DPL 0
	.quad	0x00CF92000000FFFF		# 0x10: data, base 0, 4 GiB, writable
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	# Fills the sectors the boot sector reads; "attempt to move .org backwards" means the program
	# outgrew them: raise STAGE2_SECTORS.
	.org	(1 + STAGE2_SECTORS) * 512
