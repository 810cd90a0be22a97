# a20.S -- the INT 15h A20 functions, seen through the wrap at 1 MiB.
#   slot 0: AX=2403h (support)        slot 1: AX=2402h (state at boot)
#   slot 2: AX=2400h (disable)        slot 3: AX=2402h
#   then FFFF:7010 (1 MiB + 7000h) is written with 5Ah: with A20 off it is 0000:7000
#   slot 4: AX=2401h (enable)         slot 5: AX=2402h
#   then FFFF:7010 is written with A5h: with A20 on 0000:7000 keeps 5Ah
#   slot 6: AL = the byte at 0000:7000 after each write (AL first, AH second); slot 7: AX=2404h
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movb	$0, 0x7000
	movw	$0x2403, %ax
	int	$0x15
	call	save
	movw	$0x2402, %ax
	int	$0x15
	call	save
	movw	$0x2400, %ax
	int	$0x15
	call	save
	movw	$0x2402, %ax
	int	$0x15
	call	save
	movw	$0xFFFF, %ax
	movw	%ax, %es
	movb	$0x5A, %es:0x7010
	movb	0x7000, %cl
	movw	$0x2401, %ax
	int	$0x15
	call	save
	movw	$0x2402, %ax
	int	$0x15
	call	save
	movw	$0xFFFF, %ax
	movw	%ax, %es
	movb	$0xA5, %es:0x7010
	movb	0x7000, %ch
	movw	%cx, %ax
	call	save
	movw	$0x2404, %ax
	int	$0x15
	call	save
	EXIT

	SAVE_ROUTINE
	SIGNATURE
