# disk.S -- INT 13h on hard disk 80h (a 2016-sector disk: 2 cylinders, 16 heads, 63 sectors).
#   slot 0:  AH=08h              slot 9:  AH=02h at C2 H0 S1 (LBA 2016, past the end)
#   slot 1:  AH=41h BX=55AAh     slot 10: AH=02h at sector 0
#   slot 2:  AH=02h 2 sectors at C0 H0 S2 (LBA 1) to 1000:0000
#   slot 3:  AH=02h 1 sector at C1 H2 S5 (LBA 1138) to 1000:0400
#   slot 4:  AH=42h 3 sectors at LBA 5 to 2000:0010 (packet dap1)
#   slot 5:  AH=02h with DL=90h  slot 11: AH=15h
#   slot 6:  AH=01h              slot 12: AH=48h into 0000:0580
#   slot 7:  AH=02h with DL=81h  slot 13: AH=03h this sector to C0 H0 S11 (LBA 10)
#   slot 8:  AH=42h 2 sectors at LBA 2015 (packet dap2)
#   slot 14: AH=43h 2 sectors from 1000:0000 to LBA 20 (packet dap3)
#   slot 15: AH=77h              slot 16: AH=00h      slot 17: AH=08h with DL=00h
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movb	$0x08, %ah
	movb	$0x80, %dl
	xorw	%di, %di
	int	$0x13
	call	save
	movb	$0x41, %ah
	movw	$0x55AA, %bx
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x1000, %ax
	movw	%ax, %es
	xorw	%bx, %bx
	movw	$0x0202, %ax
	movw	$0x0002, %cx
	movw	$0x0080, %dx
	int	$0x13
	call	save
	movw	$0x0400, %bx
	movw	$0x0201, %ax
	movw	$0x0105, %cx
	movw	$0x0280, %dx
	int	$0x13
	call	save
	xorw	%ax, %ax
	movw	%ax, %es
	movw	$dap1, %si
	movb	$0x42, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x7000, %bx
	movw	$0x0201, %ax
	movw	$0x0001, %cx
	movw	$0x0090, %dx
	int	$0x13
	call	save
	movb	$0x01, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x0201, %ax
	movw	$0x0001, %cx
	movw	$0x0081, %dx
	int	$0x13
	call	save
	movw	$dap2, %si
	movb	$0x42, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x0201, %ax
	movw	$0x0201, %cx
	movw	$0x0080, %dx
	int	$0x13
	call	save
	movw	$0x0201, %ax
	movw	$0x0000, %cx
	movw	$0x0080, %dx
	int	$0x13
	call	save
	movb	$0x15, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x001E, 0x580
	movw	$0x580, %si
	movb	$0x48, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x7C00, %bx
	movw	$0x0301, %ax
	movw	$0x000B, %cx
	movw	$0x0080, %dx
	int	$0x13
	call	save
	movw	$dap3, %si
	movb	$0x43, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movb	$0x77, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movb	$0x00, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movb	$0x08, %ah
	movb	$0x00, %dl
	int	$0x13
	call	save
	EXIT

	SAVE_ROUTINE
	.p2align 2
dap1:	.byte	0x10, 0
	.word	3
	.word	0x0010, 0x2000
	.quad	5
dap2:	.byte	0x10, 0
	.word	2
	.word	0x0000, 0x3000
	.quad	2015
dap3:	.byte	0x10, 0
	.word	2
	.word	0x0000, 0x1000
	.quad	20
	SIGNATURE
