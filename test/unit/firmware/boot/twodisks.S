# twodisks.S -- disk 81h, the primary channel's slave (a 4032-sector disk: 4 cylinders).
#   slot 0: AH=08h DL=81h   slot 1: AH=02h DL=81h 1 sector at C0 H0 S1 to 1000:0000
#   slot 2: AH=15h DL=81h
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movb	$0x08, %ah
	movb	$0x81, %dl
	int	$0x13
	call	save
	movw	$0x1000, %ax
	movw	%ax, %es
	xorw	%bx, %bx
	movw	$0x0201, %ax
	movw	$0x0001, %cx
	movw	$0x0081, %dx
	int	$0x13
	call	save
	movb	$0x15, %ah
	movb	$0x81, %dl
	int	$0x13
	call	save
	EXIT

	SAVE_ROUTINE
	SIGNATURE
