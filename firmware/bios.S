# bios.S -- the real-mode BIOS that ts386 boots by default.
#
# A 64 KiB ROM linked at F0000 (one section; `label - ROM` is a label's offset in segment F000),
# with the reset vector in its last 16 bytes (F000:FFF0). Built by build.sh with GNU as/ld/objcopy;
# bios.bin is committed and test/unit/firmware.test.ts checks it is current.
#
# POST (codes on port 80h, in this order):
#   01 reset vector taken           06 memory sized (CMOS 30h/31h, 34h/35h, else probed)
#   02 IVT and BDA built            07 COM1 at 115200 8N1 with FIFOs
#   03 8259A pair initialised       08 ATA disks identified (primary channel, polled PIO)
#   04 PIT channel 0 at 18.2 Hz     09 INT 19h: reading the boot sector
#   05 EBDA built                   00 jumping to the boot sector at 0000:7C00
#   E1 no disk, E2 no 55AA signature, E3 boot sector unreadable, E4 INT 18h, EE CPU exception
#
# Memory the BIOS owns:
#   0000:0000  IVT (256 vectors)         9FC0:0000  EBDA, 1 KiB (INT 12h reports 639 KiB):
#   0040:0000  BDA                         00 size in KiB; 3D/4D fixed-disk parameter tables
#   0000:7C00  boot sector; POST stack     (INT 41h/46h); 60+ private variables; 80/A0 the two
#   F000:0000  this ROM                    drive records; 200-3FF the IDENTIFY buffer
#
# Services: INT 10h teletype (every character goes to COM1 and to the 0xE9 console) and cursor
# state; INT 11h, 12h; INT 13h hard disks 80h/81h (CHS and EDD 1.1 LBA) over ATA PIO; INT 14h;
# INT 15h E820/E801/88h/86h/24xxh; INT 16h keyboard from COM1; INT 17h; INT 18h, 19h; INT 1Ah.
# References: IBM PC AT Technical Reference (BIOS listing, BDA); Phoenix "Enhanced Disk Drive
# Specification" 1.1/3.0 (INT 13h 41h-48h); ACPI 1.0 "INT 15H E820H" (memory map); ATA/ATAPI-6
# (PIO data-in/out protocols, IDENTIFY DEVICE); Intel 8259A and 8254 data sheets; 16550D data sheet.

	.set	COM1, 0x3F8
	.set	BDA_SEG, 0x40
	.set	EBDA_SEG, 0x9FC0		# 9FC00: the top KiB of conventional memory
	.set	BASE_KIB, 639
	.set	BOOT_ADDR, 0x7C00
	.set	TICKS_PER_DAY, 0x1800B0		# 18.2065 Hz * 86400 s (IBM AT BIOS, TIMER_INT)

	# ATA primary channel task file (ATA/ATAPI-6, "Register addressing").
	.set	ATA_DATA, 0x1F0
	.set	ATA_ERROR, 0x1F1
	.set	ATA_COUNT, 0x1F2
	.set	ATA_LBA0, 0x1F3
	.set	ATA_LBA1, 0x1F4
	.set	ATA_LBA2, 0x1F5
	.set	ATA_DRIVE, 0x1F6
	.set	ATA_STATUS, 0x1F7		# read: status; write: command
	.set	ATA_CTRL, 0x3F6			# read: alternate status; write: device control
	.set	ST_BSY, 0x80
	.set	ST_DF, 0x20
	.set	ST_DRQ, 0x08
	.set	ST_ERR, 0x01
	.set	ATA_CMD_READ, 0x20		# READ SECTORS (LBA28, PIO)
	.set	ATA_CMD_WRITE, 0x30		# WRITE SECTORS
	.set	ATA_CMD_IDENTIFY, 0xEC
	.set	ATA_TIMEOUT, 0x200000		# status polls before a command is given up (AH=80h)

	# EBDA layout (offsets in segment EBDA_SEG).
	.set	E_FDPT0, 0x3D			# fixed disk parameter tables, IBM PS/2 EBDA offsets
	.set	E_FDPT1, 0x4D
	.set	V_RAMTOP, 0x60			# dword: end of RAM (bytes)
	.set	V_LBA, 0x64			# dword: first sector of the current transfer
	.set	V_COUNT, 0x68			# word: sectors requested
	.set	V_DONE, 0x6A			# word: sectors transferred
	.set	V_SEG, 0x6C			# word: buffer segment (advanced 20h per sector)
	.set	V_OFF, 0x6E			# word: buffer offset (normalised below 16)
	.set	V_CMD, 0x70			# byte: ATA_CMD_READ or ATA_CMD_WRITE
	.set	V_CHUNK, 0x72			# word: sectors left in the current ATA command
	.set	E_DRIVES, 0x80			# two drive records of D_SIZE bytes: 80h, 81h
	.set	E_IDENTIFY, 0x200		# 512-byte IDENTIFY DEVICE buffer

	# A drive record.
	.set	D_PRESENT, 0			# byte: 1 when the drive answered IDENTIFY
	.set	D_SEL, 1			# byte: A0h (master) or B0h (slave)
	.set	D_PCYL, 2			# words: IDENTIFY geometry (words 1, 3, 6)
	.set	D_PHEADS, 4
	.set	D_PSPT, 6
	.set	D_LCYL, 8			# words: the geometry INT 13h CHS calls use
	.set	D_LHEADS, 10
	.set	D_LSPT, 12
	.set	D_TOTAL, 16			# dword: LBA28 sectors (IDENTIFY words 60-61)
	.set	D_SIZE, 32

	# The register frame ENTER_FRAME builds on the caller's stack (BP points at it).
	.set	F_EDI, 0
	.set	F_DI, 0
	.set	F_ESI, 4
	.set	F_SI, 4
	.set	F_EBX, 16
	.set	F_BX, 16
	.set	F_BL, 16
	.set	F_BH, 17
	.set	F_EDX, 20
	.set	F_DX, 20
	.set	F_DL, 20
	.set	F_DH, 21
	.set	F_ECX, 24
	.set	F_CX, 24
	.set	F_CL, 24
	.set	F_CH, 25
	.set	F_EAX, 28
	.set	F_AX, 28
	.set	F_AL, 28
	.set	F_AH, 29
	.set	F_ES, 32
	.set	F_DS, 34
	.set	F_FLAGS, 42			# the caller's FLAGS in the IRET frame
	.set	FL_CF, 0x01
	.set	FL_ZF, 0x40

	.macro	POST code
	movb	$\code, %al
	outb	%al, $0x80
	.endm

	# Saves every register a service may touch and points BP at them (the F_* offsets).
	.macro	ENTER_FRAME
	pushw	%fs
	pushw	%ds
	pushw	%es
	pushal
	movw	%sp, %bp
	.endm

	.macro	LEAVE_FRAME
	popal
	popw	%es
	popw	%ds
	popw	%fs
	iret
	.endm

	.code16
	.section .text
	.globl	_start
_start:
ROM:

# ---------------------------------------------------------------------------------------------
# POST
# ---------------------------------------------------------------------------------------------
post:
	cli
	cld
	POST	0x01
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$BOOT_ADDR, %sp
	movw	%ax, %ds
	movw	%ax, %es

	# Clear the IVT, the BDA and the first bytes after it (0000:0000-0000:05FF).
	xorw	%di, %di
	movw	$0x300, %cx
	rep stosw

	# Every vector to an IRET first, then the IRQ lines to handlers that end the interrupt.
	xorw	%di, %di
	movw	$256, %cx
1:	movw	$(default_iret - ROM), %es:(%di)
	movw	$0xF000, %es:2(%di)
	addw	$4, %di
	loop	1b
	movw	$(0x09 * 4), %di
	movw	$7, %cx
2:	movw	$(irq_master - ROM), %es:(%di)
	addw	$4, %di
	loop	2b
	movw	$(0x70 * 4), %di
	movw	$8, %cx
3:	movw	$(irq_slave - ROM), %es:(%di)
	addw	$4, %di
	loop	3b
	movw	$(ivt_table - ROM), %si
4:	movw	%cs:(%si), %di
	cmpw	$0xFFFF, %di
	je	5f
	shlw	$2, %di
	movw	%cs:2(%si), %ax
	movw	%ax, %es:(%di)
	addw	$4, %si
	jmp	4b
5:	# INT 1Eh points at the floppy parameter table (data, not code).
	movw	$(floppy_dpt - ROM), %es:(0x1E * 4)

	# The BIOS data area (IBM PC AT Technical Reference, "BIOS data area").
	movw	$BDA_SEG, %ax
	movw	%ax, %es
	movw	$COM1, %es:0x00			# COM1 base
	movw	$EBDA_SEG, %es:0x0E		# EBDA segment
	movw	$0x0220, %es:0x10		# equipment: 1 serial port, 80x25 colour, no floppy
	movw	$BASE_KIB, %es:0x13		# base memory in KiB
	movw	$0x1E, %es:0x1A			# keyboard buffer head
	movw	$0x1E, %es:0x1C			# keyboard buffer tail
	movw	$0x1E, %es:0x80			# keyboard buffer start
	movw	$0x3E, %es:0x82			# keyboard buffer end
	movb	$0x03, %es:0x49			# video mode 3
	movw	$80, %es:0x4A			# columns
	movw	$0x1000, %es:0x4C		# page size
	movw	$0x0607, %es:0x60		# cursor shape
	movw	$0x3D4, %es:0x63		# CRTC port
	movb	$24, %es:0x84			# rows - 1
	movw	$16, %es:0x85			# character height
	movb	$0x10, %es:0x96			# enhanced (101-key) keyboard: INT 16h 10h-12h
	movb	$1, %es:0x7C			# COM1 timeout
	POST	0x02

	# The 8259A pair (8259A data sheet, "Initialization command words"): edge triggered, cascade,
	# ICW4; master vectors 08h-0Fh with the slave on IR2, slave vectors 70h-77h with ID 2; 8086 mode.
	movb	$0x11, %al
	outb	%al, $0x20
	outb	%al, $0xA0
	movb	$0x08, %al
	outb	%al, $0x21
	movb	$0x70, %al
	outb	%al, $0xA1
	movb	$0x04, %al
	outb	%al, $0x21
	movb	$0x02, %al
	outb	%al, $0xA1
	movb	$0x01, %al
	outb	%al, $0x21
	outb	%al, $0xA1
	movb	$0xFA, %al			# master: only IRQ0 (timer) and IRQ2 (cascade)
	outb	%al, $0x21
	movb	$0xFF, %al			# slave: all masked (IRQ14 too: the disk is polled)
	outb	%al, $0xA1
	POST	0x03

	# PIT channel 0 (8254 data sheet): lobyte/hibyte, mode 3, divisor 0 = 65536 -> 18.2065 Hz.
	movb	$0x36, %al
	outb	%al, $0x43
	xorb	%al, %al
	outb	%al, $0x40
	outb	%al, $0x40
	POST	0x04

	# The EBDA: cleared, its size in its first byte.
	movw	$EBDA_SEG, %ax
	movw	%ax, %es
	xorw	%di, %di
	xorw	%ax, %ax
	movw	$512, %cx
	rep stosw
	movb	$1, %es:0
	POST	0x05

	call	size_memory
	movw	$EBDA_SEG, %ax
	movw	%ax, %es
	movl	%eax, %es:V_RAMTOP
	POST	0x06

	call	serial_init
	POST	0x07

	call	disks_init
	POST	0x08

	sti
	int	$0x19

# ---------------------------------------------------------------------------------------------
# Memory sizing. Returns EAX = the end of RAM in bytes.
# CMOS 34h/35h count 64 KiB blocks above 16 MiB; 30h/31h count KiB above 1 MiB (IBM AT CMOS map).
# When the CMOS has no plausible answer (no chip: its port reads FFh), RAM is probed in 64 KiB
# steps from 1 MiB through a 4 GiB FS limit (unreal mode) with A20 open.
# ---------------------------------------------------------------------------------------------
size_memory:
	movb	$0x35, %al
	call	cmos_read
	movb	%al, %bh
	movb	$0x34, %al
	call	cmos_read
	movb	%al, %bl
	cmpw	$0xFFFF, %bx
	je	probe_memory
	testw	%bx, %bx
	jz	1f
	movzwl	%bx, %eax
	shll	$16, %eax
	addl	$0x1000000, %eax
	ret
1:	movb	$0x31, %al
	call	cmos_read
	movb	%al, %bh
	movb	$0x30, %al
	call	cmos_read
	movb	%al, %bl
	cmpw	$0xFFFF, %bx
	je	probe_memory
	testw	%bx, %bx
	jz	probe_memory
	movzwl	%bx, %eax
	shll	$10, %eax
	addl	$0x100000, %eax
	ret

probe_memory:
	inb	$0x92, %al
	pushw	%ax
	orb	$0x02, %al
	andb	$0xFE, %al
	outb	%al, $0x92
	movw	$0x08, %bx			# FS: base 0, limit 4 GiB
	call	load_fs_pm
	movl	$0x100000, %ebx
1:	cmpl	$0xF0000000, %ebx		# stop well below the ROM alias at the top of 4 GiB
	jae	2f
	movl	%fs:(%ebx), %ecx		# keep what is there, write a pattern, read it back
	movl	$0xA55A5AA5, %fs:(%ebx)
	movl	%fs:(%ebx), %eax
	movl	%ecx, %fs:(%ebx)
	cmpl	$0xA55A5AA5, %eax
	jne	2f
	addl	$0x10000, %ebx
	jmp	1b
2:	pushl	%ebx
	movw	$0x10, %bx			# FS: back to a 64 KiB limit
	call	load_fs_pm
	xorw	%bx, %bx
	movw	%bx, %fs
	popl	%eax
	popw	%bx
	pushw	%ax
	movb	%bl, %al
	andb	$0xFE, %al
	outb	%al, $0x92
	popw	%ax
	ret

# load_fs_pm: loads FS from GDT selector BX in protected mode and returns to real mode; FS keeps
# the descriptor's limit (i386 PRM 14.1: real mode does not reload the hidden limit).
load_fs_pm:
	lgdtl	%cs:(gdt_desc - ROM)
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	jmp	1f
1:	movw	%bx, %fs
	andb	$0xFE, %al
	movl	%eax, %cr0
	jmp	2f
2:	ret

	.p2align 3
gdt:	.quad	0
	.quad	0x00CF92000000FFFF		# 08h: data, base 0, 4 GiB
	.quad	0x000092000000FFFF		# 10h: data, base 0, 64 KiB (the real-mode limit)
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

# cmos_read: AL = CMOS index -> AL = value.
cmos_read:
	outb	%al, $0x70
	inb	$0x71, %al
	ret

# cmos_write: AL = index, AH = value.
cmos_write:
	outb	%al, $0x70
	movb	%ah, %al
	outb	%al, $0x71
	ret

# ---------------------------------------------------------------------------------------------
# COM1 and the console
# ---------------------------------------------------------------------------------------------

# serial_init: 115200 baud (divisor 1), 8N1, FIFOs on and cleared, DTR RTS OUT2, no interrupts.
serial_init:
	movw	$(COM1 + 1), %dx
	xorb	%al, %al
	outb	%al, %dx			# IER = 0
	movw	$(COM1 + 3), %dx
	movb	$0x80, %al
	outb	%al, %dx			# LCR.DLAB
	movw	$COM1, %dx
	movb	$0x01, %al
	outb	%al, %dx			# DLL
	incw	%dx
	xorb	%al, %al
	outb	%al, %dx			# DLM
	movw	$(COM1 + 3), %dx
	movb	$0x03, %al
	outb	%al, %dx			# 8N1
	movw	$(COM1 + 2), %dx
	movb	$0xC7, %al
	outb	%al, %dx			# FCR: enable, clear both FIFOs, trigger 14
	movw	$(COM1 + 4), %dx
	movb	$0x0B, %al
	outb	%al, %dx			# MCR: DTR, RTS, OUT2 (gates IRQ4 on the PC)
	ret

# serial_putc: AL to COM1 (when THR is empty, with a bounded wait) and to the 0xE9 console.
# Preserves every register.
serial_putc:
	pushw	%ax
	pushw	%cx
	pushw	%dx
	outb	%al, $0xE9
	movb	%al, %ah
	movw	$(COM1 + 5), %dx
	movw	$0xFFFF, %cx
1:	inb	%dx, %al
	testb	$0x20, %al			# LSR.THRE
	jnz	2f
	loop	1b
2:	movb	%ah, %al
	movw	$COM1, %dx
	outb	%al, %dx
	popw	%dx
	popw	%cx
	popw	%ax
	ret

# tty_putc: AL as teletype output: to COM1/0xE9, and the page 0 cursor in the BDA moves as it
# would on screen (CR, LF, BS, BEL, wrap at 80 columns, the last row scrolls).
tty_putc:
	call	serial_putc
	pushw	%ds
	pushw	%dx
	pushw	%bx
	movw	$BDA_SEG, %bx
	movw	%bx, %ds
	movw	0x50, %dx			# DL = column, DH = row
	cmpb	$0x0D, %al
	je	1f
	cmpb	$0x0A, %al
	je	2f
	cmpb	$0x08, %al
	je	3f
	cmpb	$0x07, %al
	je	5f
	incb	%dl
	cmpb	$80, %dl
	jb	4f
1:	xorb	%dl, %dl
	jmp	4f
2:	incb	%dh
	cmpb	$24, %dh
	jbe	4f
	movb	$24, %dh
	jmp	4f
3:	testb	%dl, %dl
	jz	4f
	decb	%dl
4:	movw	%dx, 0x50
5:	popw	%bx
	popw	%dx
	popw	%ds
	ret

# puts: the NUL-terminated string at CS:SI as teletype output. Advances SI.
puts:
	pushw	%ax
1:	movb	%cs:(%si), %al
	incw	%si
	testb	%al, %al
	jz	2f
	call	tty_putc
	jmp	1b
2:	popw	%ax
	ret

# put_hex16 / put_hex8: AX / AL in hex.
put_hex16:
	xchgb	%al, %ah
	call	put_hex8
	xchgb	%al, %ah
put_hex8:
	pushw	%ax
	shrb	$4, %al
	call	put_nibble
	popw	%ax
	pushw	%ax
	call	put_nibble
	popw	%ax
	ret
put_nibble:
	andb	$0x0F, %al
	addb	$'0', %al
	cmpb	$'9', %al
	jbe	1f
	addb	$('A' - '9' - 1), %al
1:	jmp	tty_putc

# halt_forever: the end of the road for a message: interrupts off and HLT.
halt_forever:
	cli
1:	hlt
	jmp	1b

# ---------------------------------------------------------------------------------------------
# Interrupt handlers: defaults, the timer, CPU exceptions
# ---------------------------------------------------------------------------------------------
default_iret:
	iret

# IRQ1-7 without a handler: end the interrupt at the master.
irq_master:
	pushw	%ax
	movb	$0x20, %al
	outb	%al, $0x20
	popw	%ax
	iret

# IRQ8-15 without a handler: end it at the slave, then at the master's cascade input.
irq_slave:
	pushw	%ax
	movb	$0x20, %al
	outb	%al, $0xA0
	outb	%al, $0x20
	popw	%ax
	iret

# IRQ8, the RTC: reading register C acknowledges the chip's interrupt.
irq8_rtc:
	pushw	%ax
	movb	$0x0C, %al
	call	cmos_read
	popw	%ax
	jmp	irq_slave

# IRQ0 (vector 08h): the BDA tick count at 0040:006C, midnight at 1800B0h ticks (the flag at
# 0040:0070), the user hook INT 1Ch, then EOI (IBM AT BIOS, TIMER_INT).
irq0_timer:
	pushw	%ds
	pushw	%ax
	movw	$BDA_SEG, %ax
	movw	%ax, %ds
	incl	0x6C
	cmpl	$TICKS_PER_DAY, 0x6C
	jb	1f
	movl	$0, 0x6C
	movb	$1, 0x70
1:	int	$0x1C
	movb	$0x20, %al
	outb	%al, $0x20
	popw	%ax
	popw	%ds
	iret

# IRQ4 (vector 0Ch), COM1: only taken while INT 16h waits for a byte with HLT. It turns the
# receive interrupt off again (the line falls) and ends the interrupt; INT 16h reads the byte.
irq4_com1:
	pushw	%ax
	pushw	%dx
	movw	$(COM1 + 1), %dx
	xorb	%al, %al
	outb	%al, %dx
	movb	$0x20, %al
	outb	%al, $0x20
	popw	%dx
	popw	%ax
	iret

# Divide error and invalid opcode: a real-mode fault would restart forever through an IRET, so
# say where it happened and stop.
exc_divide:
	pushw	$0x00
	jmp	exc_common
exc_invalid:
	pushw	$0x06
exc_common:
	movw	%sp, %bp
	POST	0xEE
	movw	$(msg_exception - ROM), %si
	call	puts
	movw	(%bp), %ax
	call	put_hex8
	movw	$(msg_at - ROM), %si
	call	puts
	movw	4(%bp), %ax			# CS
	call	put_hex16
	movb	$':', %al
	call	tty_putc
	movw	2(%bp), %ax			# IP
	call	put_hex16
	movw	$(msg_crlf - ROM), %si
	call	puts
	jmp	halt_forever

# ---------------------------------------------------------------------------------------------
# Frame exits: set or clear the caller's CF or ZF, restore, IRET.
# ---------------------------------------------------------------------------------------------
ret_cf_clear:
	andb	$~FL_CF, F_FLAGS(%bp)
	LEAVE_FRAME
ret_cf_set:
	orb	$FL_CF, F_FLAGS(%bp)
	LEAVE_FRAME

# Unsupported INT 15h/1Ah functions: CF set, AH = 86h ("function not supported").
ret_unsupported:
	movb	$0x86, F_AH(%bp)
	jmp	ret_cf_set

# ---------------------------------------------------------------------------------------------
# INT 10h video: teletype to COM1, the cursor kept in the BDA, and the state queries.
# ---------------------------------------------------------------------------------------------
int10:
	cmpb	$0x0E, %ah
	jne	1f
	call	tty_putc			# AH=0Eh: teletype output of AL
	iret
1:	pushw	%ds
	pushw	%si
	pushw	%bx
	movw	$BDA_SEG, %si
	movw	%si, %ds
	cmpb	$0x03, %ah
	je	int10_get_cursor
	cmpb	$0x02, %ah
	je	int10_set_cursor
	cmpb	$0x0F, %ah
	je	int10_get_mode
	cmpb	$0x00, %ah
	je	int10_set_mode
	cmpb	$0x01, %ah
	je	int10_set_shape
	cmpb	$0x05, %ah
	je	int10_done			# select page: page 0 only
	cmpb	$0x08, %ah
	je	int10_read_char
	cmpb	$0x13, %ah
	je	int10_write_string
int10_done:
	popw	%bx
	popw	%si
	popw	%ds
	iret

# AH=03h: DH, DL = row, column of page BH; CX = cursor shape.
int10_get_cursor:
	andw	$0x0700, %bx
	movb	%bh, %bl
	xorb	%bh, %bh
	shlw	$1, %bx
	movw	0x50(%bx), %dx
	movw	0x60, %cx
	jmp	int10_done

# AH=02h: cursor of page BH to row DH, column DL.
int10_set_cursor:
	andw	$0x0700, %bx
	movb	%bh, %bl
	xorb	%bh, %bh
	shlw	$1, %bx
	movw	%dx, 0x50(%bx)
	jmp	int10_done

# AH=0Fh: AL = mode, AH = columns, BH = active page.
int10_get_mode:
	popw	%bx
	movb	0x62, %bh
	movb	0x49, %al
	movb	0x4A, %ah
	popw	%si
	popw	%ds
	iret

# AH=00h: set mode AL (remembered; the cursors go home).
int10_set_mode:
	andb	$0x7F, %al
	movb	%al, 0x49
	movw	$0, 0x50
	movw	$0, 0x52
	movb	$0, 0x62
	jmp	int10_done

# AH=01h: cursor shape CX.
int10_set_shape:
	movw	%cx, 0x60
	jmp	int10_done

# AH=08h: character and attribute at the cursor: there is no screen, so a blank in light grey.
int10_read_char:
	movw	$0x0720, %ax
	jmp	int10_done

# AH=13h: write CX characters from ES:BP (AL bit 1: character/attribute pairs), as teletype.
# The cursor stays where it was unless AL bit 0 asks for it to move.
int10_write_string:
	pushw	%cx
	pushw	%bp
	pushw	0x50
	pushw	%ax
	movb	%al, %bl
	jcxz	3f
1:	movb	%es:(%bp), %al
	call	tty_putc
	incw	%bp
	testb	$0x02, %bl
	jz	2f
	incw	%bp
2:	loop	1b
3:	popw	%ax
	popw	%cx				# the cursor before
	testb	$0x01, %al
	jnz	4f
	movw	%cx, 0x50
4:	popw	%bp
	popw	%cx
	jmp	int10_done

# ---------------------------------------------------------------------------------------------
# INT 11h equipment word, INT 12h base memory in KiB.
# ---------------------------------------------------------------------------------------------
int11:
	pushw	%ds
	movw	$BDA_SEG, %ax
	movw	%ax, %ds
	movw	0x10, %ax
	popw	%ds
	iret

int12:
	pushw	%ds
	movw	$BDA_SEG, %ax
	movw	%ax, %ds
	movw	0x13, %ax
	popw	%ds
	iret

# ---------------------------------------------------------------------------------------------
# INT 13h disk services: hard disks 80h and 81h are the primary ATA channel's drives, in the order
# they answered IDENTIFY. There is no floppy controller: 00h and 01h answer 80h (timeout).
# Every function returns AH = status with CF = (AH != 0), kept in 0040:0074 for AH=01h.
# ---------------------------------------------------------------------------------------------
int13:
	sti
	cld
	ENTER_FRAME
	movw	$BDA_SEG, %ax
	movw	%ax, %fs
	movw	%fs:0x0E, %ax
	movw	%ax, %ds			# DS = EBDA for the whole call
	movb	F_AH(%bp), %ah
	cmpb	$0x01, %ah
	je	d13_status
	cmpb	$0x15, %ah
	je	d13_type
	call	drive_entry			# SI = the drive record, or CF with AL = status
	jc	d13_done
	movb	F_AH(%bp), %ah
	cmpb	$0x00, %ah
	je	d13_reset
	cmpb	$0x02, %ah
	je	d13_read_chs
	cmpb	$0x03, %ah
	je	d13_write_chs
	cmpb	$0x04, %ah
	je	d13_verify_chs
	cmpb	$0x08, %ah
	je	d13_params
	cmpb	$0x41, %ah
	je	d13_ext_check
	cmpb	$0x42, %ah
	je	d13_ext_read
	cmpb	$0x43, %ah
	je	d13_ext_write
	cmpb	$0x44, %ah
	je	d13_ext_verify
	cmpb	$0x48, %ah
	je	d13_ext_params
	# Functions with nothing to do on an ATA disk: initialise parameters, seek, reset, test ready,
	# recalibrate, diagnostics, extended seek.
	xorb	%al, %al
	cmpb	$0x09, %ah
	je	d13_done
	cmpb	$0x0C, %ah
	je	d13_done
	cmpb	$0x0D, %ah
	je	d13_reset
	cmpb	$0x10, %ah
	je	d13_done
	cmpb	$0x11, %ah
	je	d13_done
	cmpb	$0x14, %ah
	je	d13_done
	cmpb	$0x47, %ah
	je	d13_done
	movb	$0x01, %al			# invalid function
	# fall through

# d13_done: AL = status -> AH, the BDA's last status, CF.
d13_done:
	movb	%al, F_AH(%bp)
	movb	%al, %fs:0x74
	testb	%al, %al
	jz	ret_cf_clear
	jmp	ret_cf_set

# AH=01h: AH = the status of the last operation (CF set if it failed).
d13_status:
	movb	%fs:0x74, %al
	movb	%al, F_AH(%bp)
	testb	%al, %al
	jz	ret_cf_clear
	jmp	ret_cf_set

# AH=15h: AH = 03h (fixed disk) with CX:DX = sectors, or 00h (no such drive); CF clear.
d13_type:
	call	drive_entry
	jnc	1f
	movb	$0, F_AH(%bp)
	jmp	ret_cf_clear
1:	movl	D_TOTAL(%si), %eax
	movw	%ax, F_DX(%bp)
	shrl	$16, %eax
	movw	%ax, F_CX(%bp)
	movb	$0x03, F_AH(%bp)
	movb	$0, %fs:0x74
	jmp	ret_cf_clear

# drive_entry: DL of the caller -> DS:SI = its drive record. CF set with AL = 80h (timeout) for
# 00h/01h and for an absent 80h/81h, AL = 01h for any other drive number.
drive_entry:
	movb	F_DL(%bp), %dl
	movb	$0x80, %al
	cmpb	$0x02, %dl
	jb	2f
	cmpb	$0x80, %dl
	jb	1f
	cmpb	$0x82, %dl
	jae	1f
	movzbw	%dl, %si
	andw	$1, %si
	shlw	$5, %si				# * D_SIZE
	addw	$E_DRIVES, %si
	cmpb	$1, D_PRESENT(%si)
	jne	2f
	clc
	ret
1:	movb	$0x01, %al
2:	stc
	ret

# AH=00h/0Dh: reset. The drive only has to be idle; device interrupts stay off (nIEN).
d13_reset:
	movw	$ATA_CTRL, %dx
	movb	$0x02, %al
	outb	%al, %dx
	call	ata_wait_bsy
	movb	$0x80, %al
	jc	d13_done
	xorb	%al, %al
	jmp	d13_done

# AH=02h/03h/04h: AL sectors at cylinder CH + CL[7:6]<<8, head DH, sector CL[5:0], ES:BX.
# AL = sectors transferred on return.
d13_read_chs:
	movb	$ATA_CMD_READ, V_CMD
	jmp	d13_chs
d13_write_chs:
	movb	$ATA_CMD_WRITE, V_CMD
	jmp	d13_chs
d13_verify_chs:
	movb	$0, V_CMD
d13_chs:
	movb	$0, F_AL(%bp)
	movzbw	F_AL + 0x100 - 0x100(%bp), %cx	# placeholder replaced below
	jmp	d13_chs_go
d13_chs_go:
	movzbw	%cl, %cx
	movzbw	F_CL(%bp), %ax
	jmp	d13_chs_body
