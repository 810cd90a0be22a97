# A minimal Multiboot v1 kernel for the loader's tests: checks the boot magic and the memory
# fields, prints its command line to port 0xE9 and exits through port 0xF4 with mem_upper / 1024
# (the MiB above 1 MiB), or 0xEE if the magic is wrong.
	.set	MAGIC, 0x1BADB002
	.set	FLAGS, 0x00000003		# page-align modules, want memory information
	.section .text
	.globl	_start
	.p2align 2
mbheader:
	.long	MAGIC
	.long	FLAGS
	.long	-(MAGIC + FLAGS)
_start:
	cmp	$0x2BADB002, %eax
	jne	bad
	mov	16(%ebx), %esi			# cmdline
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, $0xE9
	jmp	1b
2:	mov	8(%ebx), %eax			# mem_upper in KiB
	shr	$10, %eax
	out	%al, $0xF4
	hlt
bad:	mov	$0xEE, %al
	out	%al, $0xF4
	hlt
	.section .note.GNU-stack,"",@progbits
