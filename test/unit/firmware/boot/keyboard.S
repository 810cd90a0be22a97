# keyboard.S -- INT 16h from COM1. The test sends bytes to COM1 while the program waits.
#   slot 0: AH=01h before anything was typed (ZF = 1)
#   slot 1: AH=00h, waiting for the first key with the timer masked: only COM1's IRQ4 can wake it
#   then 1 ms (INT 15h AH=86h) for the other bytes to arrive at the line rate
#   slot 2: AH=01h (the next key, left queued)
#   slot 3: AH=00h                                slot 4: AH=10h (an arrow key, ESC [ A)
#   slot 5: AH=00h (DEL)                          slot 6: AH=02h
#   slot 7: AH=05h CX = 1234h                     slot 8: AH=00h
#   slot 9: AH=12h with the BDA as POST left it
#   then 0040:0017 = 40h (Caps Lock on), 0040:0018 = CEh (Insert, Caps Lock, Pause, SysRq and left
#   Alt held), 0040:0096 = 1Ah (101-key keyboard, right Alt held, E0h last)
#   slot 10: AH=12h                               slot 11: AH=02h
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movb	$0x01, %ah
	int	$0x16
	call	save
	inb	$0x21, %al
	orb	$0x01, %al
	outb	%al, $0x21
	xorb	%ah, %ah
	int	$0x16
	call	save
	inb	$0x21, %al
	andb	$0xFE, %al
	outb	%al, $0x21
	movb	$0x86, %ah
	xorw	%cx, %cx
	movw	$1000, %dx
	int	$0x15
	movb	$0x01, %ah
	int	$0x16
	call	save
	xorb	%ah, %ah
	int	$0x16
	call	save
	movb	$0x10, %ah
	int	$0x16
	call	save
	xorb	%ah, %ah
	int	$0x16
	call	save
	movb	$0x02, %ah
	int	$0x16
	call	save
	movb	$0x05, %ah
	movw	$0x1234, %cx
	int	$0x16
	call	save
	xorb	%ah, %ah
	int	$0x16
	call	save
	movb	$0x12, %ah
	int	$0x16
	call	save
	movb	$0x40, 0x417
	movb	$0xCE, 0x418
	movb	$0x1A, 0x496
	movb	$0x12, %ah
	int	$0x16
	call	save
	movb	$0x02, %ah
	int	$0x16
	call	save
	EXIT

	SAVE_ROUTINE
	SIGNATURE
