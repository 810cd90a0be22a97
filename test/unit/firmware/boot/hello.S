# hello.S -- the state the BIOS boots with, INT 10h output and cursor, INT 11h and INT 12h.
#   slot 0: the registers at entry (before anything changes them)
#   slot 1: AX = SP, BX = SS, CX = DS, DX = CS at entry
#   slot 2: INT 10h AH=03h after the greeting (DH = row, DL = column, CX = cursor shape)
#   slot 3: INT 10h AH=03h after AH=02h moved the cursor to row 5, column 7
#   slot 4: INT 10h AH=0Fh (AL = mode, AH = columns, BH = page)
#   slot 5: INT 12h (AX = base memory KiB)
#   slot 6: INT 11h (AX = equipment word)
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	movw	$SLOTS, SLOT_PTR		# DS = 0 at entry (checked in slot 1)
	call	save
	movw	%sp, %ax
	movw	%ss, %bx
	movw	%ds, %cx
	movw	%cs, %dx
	call	save
	cld
	movw	$msg, %si
1:	lodsb
	testb	%al, %al
	jz	2f
	movb	$0x0E, %ah
	movw	$0x0007, %bx
	int	$0x10
	jmp	1b
2:	movb	$0x03, %ah
	xorb	%bh, %bh
	int	$0x10
	call	save
	movb	$0x02, %ah
	xorb	%bh, %bh
	movw	$0x0507, %dx
	int	$0x10
	movb	$0x03, %ah
	xorw	%dx, %dx
	int	$0x10
	call	save
	movb	$0x0F, %ah
	int	$0x10
	call	save
	int	$0x12
	call	save
	int	$0x11
	call	save
	EXIT

	SAVE_ROUTINE
msg:	.asciz	"Hello from the boot sector\r\nline two\r\n"
	SIGNATURE
