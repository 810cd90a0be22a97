# memory.S -- INT 15h memory sizes and the E820 map.
#   slots 0..n-1: one AX=E820h call each (ES:DI = 0000:1000 + 24 i, ECX = 24), until EBX = 0
#                 or CF; the slot after the last holds AX = FFFFh and BX = the number of calls
#   then: AX=E801h; AH=88h; AX=E820h with EBX = 9 (past the end); AX=E820h with EDX not 'SMAP';
#         AH=C0h
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movw	$0x1000, %di
	xorl	%ebx, %ebx
	xorw	%si, %si			# calls made
1:	movl	$0xE820, %eax
	movl	$0x534D4150, %edx
	movl	$24, %ecx
	int	$0x15
	pushf
	incw	%si
	popf
	call	save
	jc	2f
	addw	$24, %di
	testl	%ebx, %ebx
	jz	2f
	cmpw	$8, %si
	jb	1b
2:	movw	$0xFFFF, %ax
	movw	%si, %bx
	call	save
	movw	$0xE801, %ax
	int	$0x15
	call	save
	movb	$0x88, %ah
	int	$0x15
	call	save
	movl	$0xE820, %eax
	movl	$0x534D4150, %edx
	movl	$9, %ebx
	movl	$20, %ecx
	movw	$0x1200, %di
	int	$0x15
	call	save
	movl	$0xE820, %eax
	movl	$0x12345678, %edx
	xorl	%ebx, %ebx
	movl	$20, %ecx
	int	$0x15
	call	save
	movb	$0xC0, %ah
	int	$0x15
	call	save
	EXIT

	SAVE_ROUTINE
	SIGNATURE
