# typeahead.S -- INT 16h under type-ahead: the test pastes 200 characters into COM1 at once while
# this program takes them one at a time through INT 16h AH=00h, waiting 2 ms (INT 15h AH=86h,
# about seven character times at 115200 baud) after each, so the UART's 16-byte FIFO would
# overflow if the terminal did not hold back. Every key is stored at 0000:1000 in the order it
# came, and the count in slot 0 (AX), then the exit port.
	.code16
	.include "probe.inc"
	.globl	_start
	.set	KEYS, 200
	.set	BUF, 0x1000
_start:
	START
	movw	$BUF, %di
	movw	$KEYS, %si
1:	xorb	%ah, %ah
	int	$0x16
	movb	%al, (%di)
	incw	%di
	pushw	%si
	movb	$0x86, %ah
	xorw	%cx, %cx
	movw	$2000, %dx
	int	$0x15
	popw	%si
	decw	%si
	jnz	1b
	movw	%di, %ax
	subw	$BUF, %ax
	call	save
	EXIT
	SAVE_ROUTINE
	SIGNATURE
