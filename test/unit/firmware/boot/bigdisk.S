# bigdisk.S -- INT 13h on a 1 GiB disk (2097152 sectors; IDENTIFY: 2080 cylinders, 16 heads, 63
# sectors), which CHS reaches through LBA-assisted translation: 520 cylinders, 64 heads, 63 sectors.
#   slot 0: AH=08h
#   slot 1: AH=02h 1 sector at C519 H63 S63 (the last CHS sector, LBA 2096639) to 1000:0000
#   slot 2: AH=42h 1 sector at LBA 2097151 (the last sector) to 2000:0000
#   slot 3: AH=48h into 0000:0580
	.code16
	.include "probe.inc"
	.globl	_start
_start:
	START
	movb	$0x08, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x1000, %ax
	movw	%ax, %es
	xorw	%bx, %bx
	movw	$0x0201, %ax
	movw	$((519 & 0xFF) << 8) | ((519 >> 8) << 6) | 63, %cx
	movw	$0x3F80, %dx
	int	$0x13
	call	save
	movw	$dap, %si
	movb	$0x42, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	movw	$0x001A, 0x580
	movw	$0x580, %si
	movb	$0x48, %ah
	movb	$0x80, %dl
	int	$0x13
	call	save
	EXIT

	SAVE_ROUTINE
	.p2align 2
dap:	.byte	0x10, 0
	.word	1
	.word	0x0000, 0x2000
	.quad	2097151
	SIGNATURE
