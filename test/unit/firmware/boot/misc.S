# misc.S -- INT 10h AH=13h, INT 14h, setting the RTC, and the BIOS's message for a CPU exception.
#   prints "[13h]" with AH=13h (cursor left alone: slot 0 = AH=03h after it), then "S" with
#   INT 14h AH=01h (slot 1) and "\r\n" with AH=0Eh; slot 2: INT 14h AH=03h
#   slot 3: INT 1Ah AH=03h 12:34:56     slot 4: AH=02h
#   slot 5: INT 1Ah AH=05h 2024-02-29   slot 6: AH=04h
#   then divides by zero: the BIOS says where, and halts
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movw	$0x1300, %ax
	movw	$0x0007, %bx
	movw	$5, %cx
	xorw	%dx, %dx
	movw	$text, %bp
	int	$0x10
	movb	$0x03, %ah
	xorb	%bh, %bh
	int	$0x10
	call	save
	movw	$0x0153, %ax			# INT 14h AH=01h 'S'
	xorw	%dx, %dx
	int	$0x14
	call	save
	movw	$0x0E0D, %ax
	int	$0x10
	movw	$0x0E0A, %ax
	int	$0x10
	movb	$0x03, %ah
	xorw	%dx, %dx
	int	$0x14
	call	save
	movb	$0x03, %ah
	movw	$0x1234, %cx
	movw	$0x5600, %dx
	int	$0x1A
	call	save
	movb	$0x02, %ah
	int	$0x1A
	call	save
	movb	$0x05, %ah
	movw	$0x2024, %cx
	movw	$0x0229, %dx
	int	$0x1A
	call	save
	movb	$0x04, %ah
	int	$0x1A
	call	save
	movw	$0x3FD, %dx			# let COM1 drain, so the transcript is in order
1:	inb	%dx, %al
	testb	$0x40, %al
	jz	1b
	xorw	%ax, %ax
	xorb	%bl, %bl
divide:	divb	%bl
	EXIT

	SAVE_ROUTINE
text:	.ascii	"[13h]"
	.org	0x1FC
	.word	divide
	SIGNATURE
