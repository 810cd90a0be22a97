# demo.S -- a demo ROM (`ts386 --bios firmware/demo.bin`): a guest that needs no disk and no BIOS.
#
# A 64 KiB ROM: the processor starts at F000:FFF0 (physical FFFFFFF0, the ROM's alias below
# 4 GiB), jumps into the ROM's copy at F0000, prints over COM1 in real mode, loads a GDT,
# sets CR0.PE, far-jumps into a 32-bit code segment, prints again, runs a small sieve of
# Eratosthenes in RAM, prints the prime count, and ends the run through the exit port (0xF4).
# Everything is in one section linked at F0000, so `label - _start` is the offset in the ROM
# that real-mode code (CS = F000) uses. Built by build.sh with GNU as/ld/objcopy; demo.bin is committed.

	.set	COM1, 0x3F8
	.set	EXIT_PORT, 0xF4
	.set	SIEVE, 0x100000		# 1 MiB: the sieve's bytes live in extended memory
	.set	SIEVE_N, 10000

	.code16
	.section .text
	.globl	_start
_start:
	cli
	cld
	mov	$0xF000, %ax
	mov	%ax, %ds
	xor	%ax, %ax
	mov	%ax, %ss
	mov	$0x7000, %sp
	# COM1: 115200 baud (divisor 1), 8 data bits, no parity, 1 stop bit, FIFOs on. A 16550
	# comes out of reset with 5-bit words, so a guest that skips this prints garbage.
	mov	$(COM1 + 3), %dx
	mov	$0x80, %al			# DLAB
	out	%al, %dx
	mov	$COM1, %dx
	mov	$1, %al
	out	%al, %dx
	inc	%dx
	xor	%al, %al
	out	%al, %dx
	mov	$(COM1 + 3), %dx
	mov	$0x03, %al			# 8N1, DLAB off
	out	%al, %dx
	dec	%dx
	mov	$0xC7, %al			# FCR: enable and clear FIFOs
	out	%al, %dx

	mov	$(msg_real - _start), %si
	call	puts16

	# Open A20 through the fast gate (port 0x92) so that 1 MiB and above is reachable.
	in	$0x92, %al
	or	$2, %al
	out	%al, $0x92

	lgdtl	%cs:(gdt_desc - _start)
	mov	%cr0, %eax
	or	$1, %eax			# PE
	mov	%eax, %cr0
	ljmpl	$0x08, $pm32

# puts16: print the NUL-terminated string at DS:SI to COM1 and the 0xE9 console.
puts16:
	lodsb
	test	%al, %al
	jz	1f
	call	putc16
	jmp	puts16
1:	ret

putc16:
	mov	%al, %ah
	mov	$(COM1 + 5), %dx
2:	in	%dx, %al			# wait for THR empty (LSR bit 5)
	test	$0x20, %al
	jz	2b
	mov	%ah, %al
	mov	$COM1, %dx
	out	%al, %dx
	out	%al, $0xE9
	ret

	.code32
pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x90000, %esp
	mov	$msg_pm, %esi
	call	puts32

	# Sieve of Eratosthenes over 0..SIEVE_N-1: mark composites, count what is left.
	mov	$SIEVE, %edi
	mov	$SIEVE_N, %ecx
	mov	$1, %al
	rep stosb
	movb	$0, SIEVE
	movb	$0, SIEVE+1
	mov	$2, %ebx
3:	mov	%ebx, %eax
	imul	%ebx, %eax
	cmp	$SIEVE_N, %eax
	jae	5f
	cmpb	$0, SIEVE(%ebx)
	je	4f
6:	movb	$0, SIEVE(%eax)
	add	%ebx, %eax
	cmp	$SIEVE_N, %eax
	jb	6b
4:	inc	%ebx
	jmp	3b
5:	xor	%edx, %edx
	xor	%ebx, %ebx
7:	movzbl	SIEVE(%ebx), %eax
	add	%eax, %edx
	inc	%ebx
	cmp	$SIEVE_N, %ebx
	jb	7b

	mov	$msg_primes, %esi
	call	puts32
	mov	%edx, %eax
	call	putdec32
	mov	$msg_bye, %esi
	call	puts32

	# Wait until the UART has sent the last bit (LSR.TEMT): exiting earlier would cut the output.
	mov	$(COM1 + 5), %dx
9:	in	%dx, %al
	test	$0x40, %al
	jz	9b
	xor	%eax, %eax
	out	%al, $EXIT_PORT
8:	cli
	hlt
	jmp	8b

puts32:
	lodsb
	test	%al, %al
	jz	1f
	call	putc32
	jmp	puts32
1:	ret

putc32:
	push	%edx
	mov	%al, %ah
	mov	$(COM1 + 5), %dx
2:	in	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	%ah, %al
	mov	$COM1, %dx
	out	%al, %dx
	out	%al, $0xE9
	pop	%edx
	ret

# putdec32: print EAX in decimal.
putdec32:
	push	%ebx
	push	%ecx
	push	%edx
	mov	$10, %ebx
	xor	%ecx, %ecx
1:	xor	%edx, %edx
	div	%ebx
	push	%edx
	inc	%ecx
	test	%eax, %eax
	jnz	1b
2:	pop	%eax
	add	$'0', %al
	call	putc32
	loop	2b
	pop	%edx
	pop	%ecx
	pop	%ebx
	ret

msg_real:	.asciz	"ts386 demo: hello from real mode (CS=F000)\r\n"
msg_pm:		.asciz	"ts386 demo: now in 32-bit protected mode\r\n"
msg_primes:	.asciz	"ts386 demo: primes below 10000: "
msg_bye:	.asciz	"\r\nts386 demo: done; the kernel and shell come with the next issues\r\n"

	.p2align 3
gdt:	.quad	0
	.quad	0x00CF9A000000FFFF		# 0x08: code, base 0, 4 GiB, 32-bit, DPL 0
	.quad	0x00CF92000000FFFF		# 0x10: data, base 0, 4 GiB, writable
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	# The reset vector: the last 16 bytes of the ROM (the section starts at F0000).
	.code16
	.org	0xFFF0, 0xFF
reset:
	ljmp	$0xF000, $(_start - _start)
	.balign	16, 0xF4
