# time.S -- INT 1Ah tick count and RTC, INT 15h AH=86h.
#   slot 0: AH=00h                    slot 1: AH=00h after five HLTs (five timer interrupts)
#   slot 2: AH=01h CX:DX = 1800AFh (one tick before midnight)
#   slot 3: AH=00h after two HLTs (AL = 1: midnight passed)   slot 4: AH=00h again (AL = 0)
#   slot 5: AH=02h (time)             slot 6: AH=04h (date)
#   slot 7: AH=00h                    slot 8: AH=86h CX:DX = 1:86A0h (100 ms)
#   slot 9: AH=00h                    slot 10: AH=0FFh (unsupported)
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	xorb	%ah, %ah
	int	$0x1A
	call	save
	movw	$5, %cx
1:	hlt
	loop	1b
	xorb	%ah, %ah
	int	$0x1A
	call	save
	movb	$0x01, %ah
	movw	$0x0018, %cx
	movw	$0x00AF, %dx
	int	$0x1A
	call	save
	hlt
	hlt
	xorb	%ah, %ah
	int	$0x1A
	call	save
	xorb	%ah, %ah
	int	$0x1A
	call	save
	movb	$0x02, %ah
	int	$0x1A
	call	save
	movb	$0x04, %ah
	int	$0x1A
	call	save
	xorb	%ah, %ah
	int	$0x1A
	call	save
	movb	$0x86, %ah
	movw	$0x0001, %cx
	movw	$0x86A0, %dx
	int	$0x15
	call	save
	xorb	%ah, %ah
	int	$0x1A
	call	save
	movb	$0xFF, %ah
	int	$0x1A
	call	save
	EXIT

	SAVE_ROUTINE
	SIGNATURE
