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
#   08 is the last step of POST: only STI and INT 19h follow it. A Multiboot kernel (`ts386
#   --kernel`, Machine.bootMultiboot) is started there, in INT 19h's place, so it finds the
#   machine as a boot sector would; a step added to POST goes before it.
#   0A no bootable disk, but a hosted kernel is attached: boot-info block built, calling it
#   E1 no disk, E2 no 55AA signature, E3 boot sector unreadable, E4 INT 18h, EE CPU exception
#
# Boot order: the first disk's boot sector when it has the 55AA signature; otherwise, when the
# host-call device answers (port E0h reads 'TS38'), the TypeScript kernel: the BIOS writes the
# boot-info block at 8000h, opens A20, enters flat 32-bit protected mode and calls the kernel with
# an OUT to port E0h (see hosted_boot below and kernel/bootinfo.ts).
#
# Memory the BIOS owns:
#   0000:0000  IVT (256 vectors)         9FC0:0000  EBDA, 1 KiB (INT 12h reports 639 KiB):
#   0040:0000  BDA                         00 size in KiB; 3D/4D fixed-disk parameter tables
#   0000:7C00  boot sector; POST stack     (INT 41h/46h); 60+ private variables; 80/A0 the two
#   F000:0000  this ROM                    drive records; 200-3FF the IDENTIFY buffer
#
# Services: INT 10h teletype (every character goes to COM1 and to the 0xE9 console) and cursor
# state; INT 11h, 12h; INT 13h hard disks 80h/81h (CHS and EDD 1.1 LBA) over ATA PIO; INT 14h;
# INT 15h E820/E801/88h/86h/24xxh; INT 16h keyboard from COM1; INT 18h, 19h; INT 1Ah; a message
# (and HLT) for divide errors and invalid opcodes, which would otherwise restart forever.
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
	movw	$EBDA_SEG, %bx
	movw	%bx, %es
	movl	%eax, %es:V_RAMTOP
	POST	0x06

	call	serial_init
	# COM2, when a UART answers at 2F8h (its scratch register keeps what is written), goes in the
	# BDA and the equipment word's serial port count.
	movw	$0x2FF, %dx
	movb	$0x5A, %al
	outb	%al, %dx
	inb	%dx, %al
	cmpb	$0x5A, %al
	jne	1f
	movw	$BDA_SEG, %ax
	movw	%ax, %es
	movw	$0x2F8, %es:0x02
	addw	$0x0200, %es:0x10
1:	POST	0x07

	call	disks_init
	POST	0x08				# the end of POST (see the list above)

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
# The receive trigger is one byte, so the INT 16h wait (kbd_sleep) wakes at each key.
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
	movb	$0x07, %al
	outb	%al, %dx			# FCR: enable, clear both FIFOs, receive trigger 1 byte
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
	xorb	%dl, %dl			# wrap to the next line
	jmp	2f
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

# halt_forever: the end of the road for a message: once COM1 has sent it (LSR.TEMT, with a bounded
# wait), interrupts off and HLT.
halt_forever:
	cli
	movw	$(COM1 + 5), %dx
	movw	$0xFFFF, %cx
1:	inb	%dx, %al
	testb	$0x40, %al
	jnz	2f
	loop	1b
2:	hlt
	jmp	2b

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

# AH=02h/03h/04h: AL sectors from cylinder CH + CL[7:6]<<8, head DH, sector CL[5:0], to or from
# ES:BX. AL = the sectors transferred on return.
d13_read_chs:
	movb	$ATA_CMD_READ, V_CMD
	jmp	d13_chs
d13_write_chs:
	movb	$ATA_CMD_WRITE, V_CMD
	jmp	d13_chs
d13_verify_chs:
	movb	$0, V_CMD
d13_chs:
	movzbw	F_AL(%bp), %cx
	movb	$0, F_AL(%bp)
	movb	$0x01, %al			# no sectors asked for: invalid
	testw	%cx, %cx
	jz	d13_done
	movw	%cx, V_COUNT
	movb	$0x04, %al			# sector not found
	movzbl	F_CL(%bp), %ebx
	andb	$0x3F, %bl			# sector, counted from 1
	jz	d13_done
	cmpw	D_LSPT(%si), %bx
	ja	d13_done
	movzbl	F_DH(%bp), %edi			# head
	cmpw	D_LHEADS(%si), %di
	jae	d13_done
	movzbw	F_CL(%bp), %ax
	shlw	$2, %ax
	andw	$0x300, %ax
	movb	F_CH(%bp), %al			# cylinder
	movzwl	%ax, %eax
	movzwl	D_LHEADS(%si), %ecx		# LBA = (C * heads + H) * spt + S - 1
	mull	%ecx
	addl	%edi, %eax
	movzwl	D_LSPT(%si), %ecx
	mull	%ecx
	decl	%ebx
	addl	%ebx, %eax
	movl	%eax, V_LBA
	movw	F_ES(%bp), %ax
	movw	%ax, V_SEG
	movw	F_BX(%bp), %ax
	movw	%ax, V_OFF
	call	xfer
	movb	V_DONE, %ah
	movb	%ah, F_AL(%bp)
	jmp	d13_done

# AH=08h: CH = maximum cylinder (low 8 bits), CL = sectors per track | cylinder bits 8-9 << 6,
# DH = maximum head, DL = number of hard disks.
d13_params:
	movw	D_LCYL(%si), %ax
	decw	%ax
	cmpw	$1023, %ax
	jbe	1f
	movw	$1023, %ax
1:	movb	%al, F_CH(%bp)
	movb	%ah, %cl
	shlb	$6, %cl
	orb	D_LSPT(%si), %cl
	movb	%cl, F_CL(%bp)
	movb	D_LHEADS(%si), %al
	decb	%al
	movb	%al, F_DH(%bp)
	movb	%fs:0x75, %al
	movb	%al, F_DL(%bp)
	movb	$0, F_AL(%bp)
	xorb	%al, %al
	jmp	d13_done

# AH=41h: BX = 55AAh -> BX = AA55h, AH = 21h (EDD 1.1), CX bit 0: functions 42h-44h, 47h, 48h.
d13_ext_check:
	movb	$0x01, %al
	cmpw	$0x55AA, F_BX(%bp)
	jne	d13_done
	movw	$0xAA55, F_BX(%bp)
	movw	$0x0001, F_CX(%bp)
	movb	$0x21, F_AH(%bp)
	movb	$0, %fs:0x74
	jmp	ret_cf_clear

# AH=42h/43h/44h: the disk address packet at DS:SI: byte size (10h or more), word count (updated
# to the sectors transferred), dword buffer offset:segment, qword LBA.
d13_ext_read:
	movb	$ATA_CMD_READ, V_CMD
	jmp	d13_ext
d13_ext_write:
	movb	$ATA_CMD_WRITE, V_CMD
	jmp	d13_ext
d13_ext_verify:
	movb	$0, V_CMD
d13_ext:
	movw	$0, V_DONE
	movw	F_DS(%bp), %es
	movw	F_SI(%bp), %di
	movb	$0x01, %al
	cmpb	$0x10, %es:(%di)
	jb	d13_done			# not a packet: leave it alone
	movw	%es:2(%di), %cx
	movw	%cx, V_COUNT
	cmpl	$0xFFFFFFFF, %es:4(%di)
	je	1f				# FFFF:FFFF asks for a 64-bit flat buffer: not supported
	movw	%es:4(%di), %cx
	movw	%cx, V_OFF
	movw	%es:6(%di), %cx
	movw	%cx, V_SEG
	movb	$0x04, %al
	cmpl	$0, %es:12(%di)
	jne	1f				# beyond LBA28
	movl	%es:8(%di), %ecx
	movl	%ecx, V_LBA
	call	xfer
1:	movw	F_DS(%bp), %es
	movw	F_SI(%bp), %di
	movw	V_DONE, %cx
	movw	%cx, %es:2(%di)
	jmp	d13_done

# AH=48h: the result buffer at DS:SI (its first word says how big it is, at least 1Ah):
# flags, cylinders, heads, sectors per track (IDENTIFY's), total sectors, bytes per sector;
# from 1Eh bytes on, the DPTE pointer FFFF:FFFF (none).
d13_ext_params:
	movw	F_DS(%bp), %es
	movw	F_SI(%bp), %di
	movb	$0x01, %al
	movw	%es:(%di), %cx
	cmpw	$0x1A, %cx
	jb	d13_done
	movw	$0x1A, %ax
	cmpw	$0x1E, %cx
	jb	1f
	movl	$0xFFFFFFFF, %es:0x1A(%di)
	movw	$0x1E, %ax
1:	movw	%ax, %es:(%di)
	movl	D_TOTAL(%si), %eax
	xorw	%cx, %cx
	cmpl	$16514064, %eax			# 16383 * 16 * 63: CHS describes the whole disk
	ja	2f
	movw	$0x0002, %cx			# the geometry fields are valid
2:	movw	%cx, %es:2(%di)
	movl	%eax, %es:16(%di)
	movl	$0, %es:20(%di)
	movzwl	D_PCYL(%si), %eax
	movl	%eax, %es:4(%di)
	movzwl	D_PHEADS(%si), %eax
	movl	%eax, %es:8(%di)
	movzwl	D_PSPT(%si), %eax
	movl	%eax, %es:12(%di)
	movw	$512, %es:24(%di)
	xorb	%al, %al
	jmp	d13_done

# ---------------------------------------------------------------------------------------------
# ATA PIO by polling (ATA/ATAPI-6, "PIO data-in" and "PIO data-out" protocols). Device
# interrupts are off (nIEN) and IRQ14 is masked at the slave PIC.
# ---------------------------------------------------------------------------------------------

# xfer: V_COUNT sectors from V_LBA to/from V_SEG:V_OFF on the drive at DS:SI; V_CMD is
# ATA_CMD_READ, ATA_CMD_WRITE or 0 (verify: the bounds only). Returns AL = status, V_DONE.
xfer:
	cld
	movw	$0, V_DONE
	movl	V_LBA, %eax
	movzwl	V_COUNT, %ecx
	addl	%ecx, %eax
	jc	8f
	cmpl	D_TOTAL(%si), %eax
	ja	8f
	cmpb	$0, V_CMD
	jne	1f
	movw	%cx, V_DONE
	jmp	7f
1:	movw	V_OFF, %ax			# seg:off with off < 16, so 128 sectors fit one segment
	movw	%ax, %bx
	shrw	$4, %bx
	addw	%bx, V_SEG
	andw	$0x0F, %ax
	movw	%ax, V_OFF
2:	movw	V_COUNT, %cx			# one ATA command per 128 sectors
	subw	V_DONE, %cx
	jz	7f
	cmpw	$128, %cx
	jbe	3f
	movw	$128, %cx
3:	movw	%cx, V_CHUNK
	movl	V_LBA, %eax
	movzwl	V_DONE, %edx
	addl	%edx, %eax
	movb	V_CMD, %ch
	call	ata_issue
	testb	%al, %al
	jnz	9f
4:	call	ata_wait_data			# each sector: BSY clear, then DRQ (or an error)
	jnz	9f
	pushw	%si
	movw	$256, %cx
	movw	$ATA_DATA, %dx
	cmpb	$ATA_CMD_WRITE, V_CMD
	je	5f
	movw	V_SEG, %ax
	movw	%ax, %es
	movw	V_OFF, %di
	rep insw
	jmp	6f
5:	movw	V_OFF, %si
	movw	V_SEG, %ax
	pushw	%ds
	movw	%ax, %ds
	rep outsw
	popw	%ds
6:	popw	%si
	addw	$0x20, V_SEG
	incw	V_DONE
	decw	V_CHUNK
	jnz	4b
	cmpb	$ATA_CMD_WRITE, V_CMD
	jne	2b
	call	ata_wait_bsy			# the last sector written: wait for it to be committed
	movb	$0x80, %ah
	jc	10f
	testb	$(ST_ERR | ST_DF), %al
	jz	2b
	call	ata_error_code
	decw	V_DONE
	ret
7:	xorb	%al, %al
	ret
8:	movb	$0x04, %al			# past the end of the disk
9:	ret
10:	movb	%ah, %al
	ret

# ata_issue: sends command CH for CL sectors (1-128) from LBA EAX to the drive at DS:SI.
# Returns AL = 0, or 80h when the channel stays busy.
ata_issue:
	pushl	%eax
	call	ata_wait_bsy
	popl	%eax
	jc	1f
	movl	%eax, %ebx
	shrl	$24, %eax
	andb	$0x0F, %al
	orb	$0xE0, %al			# LBA mode
	movb	D_SEL(%si), %ah
	andb	$0x10, %ah			# DEV: master or slave
	orb	%ah, %al
	movw	$ATA_DRIVE, %dx
	outb	%al, %dx
	call	ata_delay
	call	ata_wait_bsy
	jc	1f
	movw	$ATA_COUNT, %dx
	movb	%cl, %al
	outb	%al, %dx
	incw	%dx
	movb	%bl, %al
	outb	%al, %dx			# LBA 7:0
	incw	%dx
	movb	%bh, %al
	outb	%al, %dx			# LBA 15:8
	incw	%dx
	shrl	$16, %ebx
	movb	%bl, %al
	outb	%al, %dx			# LBA 23:16
	movw	$ATA_STATUS, %dx
	movb	%ch, %al
	outb	%al, %dx
	call	ata_delay
	xorb	%al, %al
	ret
1:	movb	$0x80, %al
	ret

# ata_wait_data: waits for the drive to be ready to move a sector. Returns AL = 0 with ZF set,
# or AL = status with ZF clear (80h timeout, or the error the drive reports).
ata_wait_data:
	call	ata_wait_bsy
	jc	2f
	testb	$(ST_ERR | ST_DF), %al
	jnz	ata_error_code
	testb	$ST_DRQ, %al
	jz	3f
	xorb	%al, %al
	ret
2:	movb	$0x80, %al
	testb	%al, %al
	ret
3:	movb	$0xBB, %al			# neither data nor an error: undefined error
	testb	%al, %al
	ret

# ata_error_code: AL = the drive's status with ERR or DF set -> AL = INT 13h status (ZF clear):
# DF 20h (controller failure); error register IDNF 04h, UNC 10h, AMNF 02h, BBK 0Ah; else BBh.
ata_error_code:
	testb	$ST_DF, %al
	movb	$0x20, %al
	jnz	1f
	movw	$ATA_ERROR, %dx
	inb	%dx, %al
	movb	%al, %ah
	movb	$0x04, %al
	testb	$0x10, %ah
	jnz	1f
	movb	$0x10, %al
	testb	$0x40, %ah
	jnz	1f
	movb	$0x02, %al
	testb	$0x01, %ah
	jnz	1f
	movb	$0x0A, %al
	testb	$0x80, %ah
	jnz	1f
	movb	$0xBB, %al
1:	testb	%al, %al
	ret

# ata_wait_bsy: polls the status register until BSY clears. Returns AL = status, CF set on
# timeout (a channel whose status reads FFh, with nothing on it, times out). Clobbers DX.
ata_wait_bsy:
	pushl	%ecx
	movw	$ATA_STATUS, %dx
	movl	$ATA_TIMEOUT, %ecx
1:	inb	%dx, %al
	testb	$ST_BSY, %al
	jz	2f
	decl	%ecx
	jnz	1b
	popl	%ecx
	stc
	ret
2:	popl	%ecx
	clc
	ret

# ata_delay: the 400 ns a drive may take to show a new status after a command or a drive select:
# four reads of the alternate status register.
ata_delay:
	pushw	%ax
	pushw	%dx
	movw	$ATA_CTRL, %dx
	inb	%dx, %al
	inb	%dx, %al
	inb	%dx, %al
	inb	%dx, %al
	popw	%dx
	popw	%ax
	ret

# ata_identify: IDENTIFY DEVICE on the drive BL (A0h master, B0h slave) into ES:E_IDENTIFY.
# CF set when no ATA drive answers (floating bus, status 0, an abort as ATAPI gives, a timeout).
ata_identify:
	movb	%bl, %al
	movw	$ATA_DRIVE, %dx
	outb	%al, %dx
	call	ata_delay
	movw	$ATA_STATUS, %dx
	inb	%dx, %al
	cmpb	$0xFF, %al
	je	1f
	testb	%al, %al
	jz	1f
	call	ata_wait_bsy
	jc	1f
	movb	$ATA_CMD_IDENTIFY, %al
	outb	%al, %dx
	call	ata_delay
	inb	%dx, %al
	testb	%al, %al
	jz	1f
	call	ata_wait_bsy
	jc	1f
	testb	$(ST_ERR | ST_DF), %al
	jnz	1f
	testb	$ST_DRQ, %al
	jz	1f
	movw	$E_IDENTIFY, %di
	movw	$256, %cx
	movw	$ATA_DATA, %dx
	cld
	rep insw
	clc
	ret
1:	stc
	ret

# disks_init: finds the primary channel's drives; each one that answers IDENTIFY becomes the next
# BIOS drive (80h, 81h). Sets the count at 0040:0075 and INT 41h/46h (the parameter tables).
disks_init:
	movw	$EBDA_SEG, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	$E_DRIVES, %si
	movw	$ATA_STATUS, %dx
	inb	%dx, %al
	cmpb	$0xFF, %al			# nothing drives the bus: no controller
	je	2f
	movw	$ATA_CTRL, %dx
	movb	$0x02, %al			# nIEN: no INTRQ, the BIOS polls
	outb	%al, %dx
	movb	$0xA0, %bl
	call	ata_identify
	jc	1f
	call	drive_record
	addw	$D_SIZE, %si
1:	movb	$0xB0, %bl
	call	ata_identify
	jc	2f
	call	drive_record
	addw	$D_SIZE, %si
2:	movw	%si, %ax
	subw	$E_DRIVES, %ax
	shrw	$5, %ax
	movw	$BDA_SEG, %bx
	movw	%bx, %es
	movb	%al, %es:0x75
	xorw	%bx, %bx
	movw	%bx, %es
	movw	$E_FDPT0, %es:(0x41 * 4)
	movw	$EBDA_SEG, %es:(0x41 * 4 + 2)
	movw	$E_FDPT1, %es:(0x46 * 4)
	movw	$EBDA_SEG, %es:(0x46 * 4 + 2)
	xorw	%ax, %ax
	movw	%ax, %ds
	ret

# drive_record: fills the record at DS:SI from the IDENTIFY data for drive BL, and its FDPT.
# Geometry: IDENTIFY words 1, 3, 6 (16 heads, 63 sectors when they are missing); INT 13h's CHS
# uses them unchanged up to 1024 cylinders, else LBA-assisted translation (63 sectors, 16-255
# heads, at most 1024 cylinders). Size: words 60-61 (LBA28), else C * H * S.
drive_record:
	movb	$1, D_PRESENT(%si)
	movb	%bl, D_SEL(%si)
	movl	E_IDENTIFY + 120, %eax
	andl	$0x0FFFFFFF, %eax
	movw	E_IDENTIFY + 2, %cx		# cylinders
	movw	E_IDENTIFY + 6, %bx		# heads
	movw	E_IDENTIFY + 12, %di		# sectors per track
	testw	%cx, %cx
	jz	1f
	testw	%bx, %bx
	jz	1f
	cmpw	$16, %bx
	ja	1f
	testw	%di, %di
	jz	1f
	cmpw	$63, %di
	jbe	2f
1:	movw	$16, %bx			# no usable geometry: derive it from the size
	movw	$63, %di
	pushl	%eax
	xorl	%edx, %edx
	movl	$(16 * 63), %ecx
	divl	%ecx
	cmpl	$16383, %eax
	jbe	3f
	movl	$16383, %eax
3:	movw	%ax, %cx
	popl	%eax
2:	testw	%cx, %cx
	jnz	4f
	incw	%cx
4:	movw	%cx, D_PCYL(%si)
	movw	%bx, D_PHEADS(%si)
	movw	%di, D_PSPT(%si)
	testl	%eax, %eax
	jnz	5f
	movzwl	%cx, %eax			# no LBA size: the CHS capacity
	movzwl	%bx, %edx
	imull	%edx, %eax
	movzwl	%di, %edx
	imull	%edx, %eax
5:	movl	%eax, D_TOTAL(%si)
	cmpw	$1024, %cx
	ja	6f
	movw	%cx, D_LCYL(%si)
	movw	%bx, D_LHEADS(%si)
	movw	%di, D_LSPT(%si)
	jmp	9f
6:	movw	$16, %bx			# the fewest heads whose 1024 x H x 63 covers the disk
7:	movl	%ebx, %ecx
	andl	$0xFFFF, %ecx
	imull	$(1024 * 63), %ecx
	cmpl	%ecx, %eax
	jbe	8f
	shlw	$1, %bx
	cmpw	$256, %bx
	jb	7b
	movw	$255, %bx
8:	movw	%bx, D_LHEADS(%si)
	movw	$63, D_LSPT(%si)
	movzwl	%bx, %ecx
	imull	$63, %ecx
	xorl	%edx, %edx
	pushl	%eax
	divl	%ecx
	cmpl	$1024, %eax
	jbe	10f
	movl	$1024, %eax
10:	movw	%ax, D_LCYL(%si)
	popl	%eax
9:	# The fixed disk parameter table (IBM AT Technical Reference, "Fixed disk parameter table").
	movw	%si, %di
	subw	$E_DRIVES, %di
	shrw	$1, %di				# 32-byte records -> 16-byte tables
	addw	$E_FDPT0, %di
	movw	D_LCYL(%si), %ax
	movw	%ax, (%di)			# cylinders
	movw	%ax, 12(%di)			# landing zone
	movb	D_LHEADS(%si), %al
	movb	%al, 2(%di)			# heads
	movw	$0xFFFF, 5(%di)			# write precompensation: none
	movb	$0, 8(%di)
	cmpb	$8, %al
	jbe	11f
	movb	$0x08, 8(%di)			# control byte: more than 8 heads
11:	movb	D_LSPT(%si), %al
	movb	%al, 14(%di)
	ret

# ---------------------------------------------------------------------------------------------
# INT 14h serial port (port 0 = COM1 only): 00h init (the POST setting stays), 01h send AL,
# 02h receive (AH = line status, 80h on timeout), 03h status (AH = LSR, AL = MSR).
# ---------------------------------------------------------------------------------------------
int14:
	sti
	ENTER_FRAME
	movb	$0x80, F_AH(%bp)
	cmpw	$0, F_DX(%bp)
	jne	9f
	cmpb	$0x01, %ah
	je	1f
	cmpb	$0x02, %ah
	je	2f
	cmpb	$0x00, %ah
	je	3f
	cmpb	$0x03, %ah
	je	3f
	jmp	9f
1:	call	com_tx			# AH = line status; AL stays the character sent
	movw	$(COM1 + 5), %dx
	inb	%dx, %al
	andb	$0x7F, %al
	movb	%al, F_AH(%bp)
	jmp	9f
2:	movl	$0x100000, %ecx
4:	call	com_rx
	jnc	5f
	decl	%ecx
	jnz	4b
	jmp	9f
5:	movb	%al, F_AL(%bp)
	movw	$(COM1 + 5), %dx
	inb	%dx, %al
	andb	$0x1E, %al
	movb	%al, F_AH(%bp)
	jmp	9f
3:	movw	$(COM1 + 5), %dx
	inb	%dx, %al
	movb	%al, F_AH(%bp)
	incw	%dx
	inb	%dx, %al
	movb	%al, F_AL(%bp)
9:	LEAVE_FRAME

# com_tx: AL to COM1 only (bounded wait for THRE). Preserves every register.
com_tx:
	pushw	%ax
	pushw	%cx
	pushw	%dx
	movb	%al, %ah
	movw	$(COM1 + 5), %dx
	movw	$0xFFFF, %cx
1:	inb	%dx, %al
	testb	$0x20, %al
	jnz	2f
	loop	1b
2:	movb	%ah, %al
	movw	$COM1, %dx
	outb	%al, %dx
	popw	%dx
	popw	%cx
	popw	%ax
	ret

# com_rx: CF clear with AL = the next received byte, or CF set when COM1 has none.
com_rx:
	pushw	%dx
	movw	$(COM1 + 5), %dx
	inb	%dx, %al
	cmpb	$0xFF, %al			# no UART
	je	1f
	testb	$0x01, %al			# LSR.DR
	jz	1f
	movw	$COM1, %dx
	inb	%dx, %al
	popw	%dx
	clc
	ret
1:	popw	%dx
	stc
	ret

# ---------------------------------------------------------------------------------------------
# INT 15h system services.
# ---------------------------------------------------------------------------------------------
int15:
	sti
	ENTER_FRAME
	movw	$BDA_SEG, %bx
	movw	%bx, %fs
	movw	%fs:0x0E, %bx
	movw	%bx, %ds			# DS = EBDA (V_RAMTOP)
	cmpw	$0xE820, %ax
	je	int15_e820
	cmpw	$0xE801, %ax
	je	int15_e801
	cmpb	$0x88, %ah
	je	int15_88
	cmpb	$0x24, %ah
	je	int15_a20
	cmpb	$0x86, %ah
	je	int15_wait
	cmpb	$0x4F, %ah
	je	ret_cf_set			# keyboard intercept: let the scan code through
	cmpb	$0x90, %ah
	je	1f
	cmpb	$0x91, %ah
	je	1f
	jmp	ret_unsupported			# C0h, 87h, 89h, ... : not supported
1:	movb	$0, F_AH(%bp)			# device busy / interrupt complete: nothing to wait for
	jmp	ret_cf_clear

# AX=E820h, EDX='SMAP', EBX = continuation (0 first), ES:DI a buffer of ECX >= 20 bytes:
# one address range descriptor (base, length, type) per call; EBX = 0 after the last one.
int15_e820:
	cmpl	$0x534D4150, %edx
	jne	ret_unsupported
	cmpl	$20, %ecx
	jb	ret_unsupported
	movl	V_RAMTOP, %eax
	movw	F_ES(%bp), %es
	movw	F_DI(%bp), %di
	movl	F_EBX(%bp), %ebx
	cmpl	$3, %ebx
	ja	ret_unsupported
	jb	1f
	cmpl	$0x100000, %eax			# entry 3: 1 MiB to the end of RAM, usable
	jbe	ret_unsupported
	movl	$0x100000, %es:(%di)
	movl	$0, %es:4(%di)
	subl	$0x100000, %eax
	movl	%eax, %es:8(%di)
	movl	$0, %es:12(%di)
	movl	$1, %es:16(%di)
	xorl	%ebx, %ebx
	jmp	3f
1:	movw	%bx, %si			# entries 0-2 come from the ROM table
	imulw	$20, %si, %si
	addw	$(e820_table - ROM), %si
	pushw	%ds
	pushw	%cs
	popw	%ds
	movw	$20, %cx
	cld
	rep movsb
	popw	%ds
	incl	%ebx
	cmpl	$3, %ebx
	jb	3f
	cmpl	$0x100000, %eax
	ja	3f
	xorl	%ebx, %ebx			# no extended memory: entry 2 was the last
3:	movl	%ebx, F_EBX(%bp)
	movl	$0x534D4150, F_EAX(%bp)
	movl	$20, F_ECX(%bp)
	jmp	ret_cf_clear

# AX=E801h: AX = CX = KiB between 1 and 16 MiB, BX = DX = 64 KiB blocks above 16 MiB.
int15_e801:
	movl	V_RAMTOP, %eax
	xorw	%bx, %bx
	cmpl	$0x1000000, %eax
	jbe	1f
	movl	%eax, %ebx
	subl	$0x1000000, %ebx
	shrl	$16, %ebx
	movl	$0x1000000, %eax
1:	subl	$0x100000, %eax
	shrl	$10, %eax
	movw	%ax, F_AX(%bp)
	movw	%ax, F_CX(%bp)
	movw	%bx, F_BX(%bp)
	movw	%bx, F_DX(%bp)
	jmp	ret_cf_clear

# AH=88h: AX = KiB of extended memory above 1 MiB (at most FFFFh).
int15_88:
	movl	V_RAMTOP, %eax
	subl	$0x100000, %eax
	shrl	$10, %eax
	cmpl	$0xFFFF, %eax
	jbe	1f
	movw	$0xFFFF, %ax
1:	movw	%ax, F_AX(%bp)
	jmp	ret_cf_clear

# AX=2400h disable A20, 2401h enable, 2402h AL = state, 2403h BX = 3 (8042 and port 92h).
# The board opens A20 when either gate does, so both are driven; the state comes from memory:
# whether 1 MiB + 4F0h is a different byte from 0000:04F0.
int15_a20:
	cmpb	$0x03, %al
	ja	ret_unsupported
	movb	$0, F_AH(%bp)
	cmpb	$0x02, %al
	je	2f
	cmpb	$0x03, %al
	je	3f
	movb	%al, %bl			# 0: off, 1: on
	inb	$0x92, %al
	andb	$0xFC, %al			# A20 off, and never the reset bit
	movb	$0xDD, %bh			# 8042 output port: A20 off, reset high
	testb	%bl, %bl
	jz	1f
	orb	$0x02, %al
	movb	$0xDF, %bh			# ... A20 on
1:	outb	%al, $0x92
	call	kbc_wait
	movb	$0xD1, %al			# write the output port
	outb	%al, $0x64
	call	kbc_wait
	movb	%bh, %al
	outb	%al, $0x60
	call	kbc_wait
	jmp	ret_cf_clear
2:	call	a20_state
	movb	%al, F_AL(%bp)
	jmp	ret_cf_clear
3:	movw	$0x0003, F_BX(%bp)
	jmp	ret_cf_clear

# kbc_wait: waits (boundedly) until the 8042 has taken the last byte (status IBF clear).
kbc_wait:
	pushw	%ax
	pushw	%cx
	movw	$0xFFFF, %cx
1:	inb	$0x64, %al
	testb	$0x02, %al
	jz	2f
	loop	1b
2:	popw	%cx
	popw	%ax
	ret

# a20_state: AL = 1 when A20 is open: a byte written at 1 MiB + 4F0h does not appear at 0000:04F0.
a20_state:
	pushw	%ds
	pushw	%es
	pushw	%bx
	pushw	%cx
	xorw	%ax, %ax
	movw	%ax, %ds
	decw	%ax
	movw	%ax, %es			# FFFF:0500 = 1004F0h
	movb	0x4F0, %bl
	movb	%es:0x500, %bh
	movb	$0x00, 0x4F0
	movb	$0xFF, %es:0x500
	movb	0x4F0, %cl
	movb	%bh, %es:0x500			# put back the high byte first: it may be the low one
	movb	%bl, 0x4F0
	xorb	%al, %al
	cmpb	$0xFF, %cl
	je	1f
	incb	%al
1:	popw	%cx
	popw	%bx
	popw	%es
	popw	%ds
	ret

# AH=86h: wait CX:DX microseconds, timed by PIT counter 2 as a one-shot (mode 0) in pieces of at
# most 50 ms, its OUT read at port 61h bit 5 (the AT's way of timing short delays).
int15_wait:
	movw	F_CX(%bp), %ax
	shll	$16, %eax
	movw	F_DX(%bp), %ax
	movl	%eax, %esi			# microseconds left
	inb	$0x61, %al
	movb	%al, %bl			# port 61h as it was
1:	testl	%esi, %esi
	jz	4f
	movl	$50000, %eax
	cmpl	%eax, %esi
	jae	2f
	movl	%esi, %eax
2:	subl	%eax, %esi
	movl	$1193, %ecx			# PIT clocks = us * 1.193182
	mull	%ecx
	movl	$1000, %ecx
	divl	%ecx
	incl	%eax
	movw	%ax, %cx
	movb	%bl, %al
	andb	$0xFC, %al			# speaker off, gate 2 low while it is programmed
	outb	%al, $0x61
	movb	$0xB0, %al			# counter 2, lobyte/hibyte, mode 0, binary
	outb	%al, $0x43
	movb	%cl, %al
	outb	%al, $0x42
	movb	%ch, %al
	outb	%al, $0x42
	movb	%bl, %al
	andb	$0xFC, %al
	orb	$0x01, %al			# gate 2 high: count
	outb	%al, $0x61
3:	inb	$0x61, %al
	testb	$0x20, %al			# OUT2 rises at the terminal count
	jz	3b
	jmp	1b
4:	movb	%bl, %al
	andb	$0x0F, %al
	outb	%al, $0x61
	movb	$0, F_AH(%bp)
	jmp	ret_cf_clear

	.p2align 2
e820_table:
	.quad	0x00000000, 0x0009FC00		# conventional memory: usable
	.long	1
	.quad	0x0009FC00, 0x00000400		# the EBDA: reserved
	.long	2
	.quad	0x000F0000, 0x00010000		# this ROM: reserved
	.long	2

# ---------------------------------------------------------------------------------------------
# INT 16h keyboard, from COM1: bytes received are translated to (scan code, ASCII) words and
# queued in the BDA's keyboard buffer (0040:001E-003D), so AH=01h can look without taking.
# ANSI cursor sequences (ESC [ A ...) become the extended keys' scan codes with ASCII 0.
# ---------------------------------------------------------------------------------------------
int16:
	sti
	ENTER_FRAME
	movw	$BDA_SEG, %bx
	movw	%bx, %ds
	cmpb	$0x12, %ah
	je	int16_shift_ext
	cmpb	$0x10, %ah			# 10h, 11h: the enhanced keyboard's versions of 00h, 01h
	jb	1f
	cmpb	$0x11, %ah
	ja	1f
	subb	$0x10, %ah
1:	cmpb	$0x00, %ah
	je	int16_read
	cmpb	$0x01, %ah
	je	int16_check
	cmpb	$0x02, %ah
	je	int16_shift
	cmpb	$0x05, %ah
	je	int16_store
	LEAVE_FRAME

# AH=00h: wait for a key; AX = scan code, ASCII.
int16_read:
	cli
	call	kbd_fill
	movw	0x1A, %bx
	cmpw	0x1C, %bx
	jne	1f
	call	kbd_sleep
	jmp	int16_read
1:	movw	(%bx), %ax
	addw	$2, %bx
	cmpw	0x82, %bx
	jb	2f
	movw	0x80, %bx
2:	movw	%bx, 0x1A
	movw	%ax, F_AX(%bp)
	LEAVE_FRAME

# AH=01h: ZF clear with AX = the next key (left in the buffer), or ZF set when there is none.
int16_check:
	cli
	call	kbd_fill
	movw	0x1A, %bx
	cmpw	0x1C, %bx
	je	1f
	movw	(%bx), %ax
	movw	%ax, F_AX(%bp)
	andb	$~FL_ZF, F_FLAGS(%bp)
	LEAVE_FRAME
1:	orb	$FL_ZF, F_FLAGS(%bp)
	LEAVE_FRAME

# AH=02h: AL = the shift flags at 0040:0017 (none are set: a serial terminal has no shift state
# to report); AH is left as it was.
int16_shift:
	movb	0x17, %al
	movb	%al, F_AL(%bp)
	LEAVE_FRAME

# AH=12h: AL = the shift flags, as AH=02h; AH = the extended shift flags, as the IBM PC XT-286
# BIOS listing builds them (KEYBOARD_IO_1, "GET THE EXTENDED SHIFT STATUS FLAGS"): 0040:0018's
# SysRq held (bit 2) moved to bit 7, its Caps/Num/Scroll Lock held (bits 6-4) and left Alt and
# Ctrl held (bits 1-0) kept, and 0040:0096's right Alt and Ctrl held (bits 3-2). Insert held and
# Pause active (0040:0018 bits 7, 3) are not part of it.
int16_shift_ext:
	movb	0x18, %al
	movb	%al, %ah
	andb	$0x04, %ah
	shlb	$5, %ah
	andb	$0x73, %al
	orb	%al, %ah
	movb	0x96, %al
	andb	$0x0C, %al
	orb	%al, %ah
	movb	0x17, %al
	movw	%ax, F_AX(%bp)
	LEAVE_FRAME

# AH=05h: queue CX as a key; AL = 0, or 1 when the buffer is full.
int16_store:
	cli
	movw	%cx, %ax
	call	kbd_push
	movb	$0, F_AL(%bp)
	jnc	1f
	movb	$1, F_AL(%bp)
1:	LEAVE_FRAME

# kbd_sleep: HLT until COM1 receives a byte or the timer ticks. The receive interrupt is turned
# on (and IRQ4 unmasked) only for this wait; irq4_com1 turns it off again. Called with IF clear:
# STI's one-instruction delay keeps an interrupt from slipping in before the HLT.
kbd_sleep:
	inb	$0x21, %al
	movb	%al, %ah
	andb	$0xEF, %al
	outb	%al, $0x21
	movw	$(COM1 + 1), %dx
	movb	$0x01, %al			# IER: received data available
	outb	%al, %dx
	sti
	hlt
	cli
	xorb	%al, %al
	outb	%al, %dx
	movb	%ah, %al
	outb	%al, $0x21
	ret

# kbd_fill: moves the bytes COM1 has received into the keyboard buffer (DS = BDA), while it has
# room for two more keys (an ESC and the key after it). What does not fit stays in the UART: its
# FIFO fills and the terminal is held back (RTS/CTS), so a key typed ahead waits instead of being
# lost, where a PC's BIOS would beep and drop it.
kbd_fill:
	call	kbd_room
	jc	9f
	call	com_rx
	jc	9f
	cmpb	$0x1B, %al
	je	1f
	call	kbd_translate
	call	kbd_push
	jmp	kbd_fill
1:	call	com_rx_soon			# ESC: alone, or the start of a sequence?
	jc	8f
	cmpb	$'[', %al
	je	2f
	cmpb	$'O', %al
	je	2f
	pushw	%ax				# ESC then an ordinary key
	movw	$0x011B, %ax
	call	kbd_push
	popw	%ax
	call	kbd_translate
	call	kbd_push
	jmp	kbd_fill
2:	xorb	%bl, %bl			# BL = the first parameter digit
3:	call	com_rx_soon
	jc	kbd_fill
	cmpb	$'0', %al
	jb	4f
	cmpb	$'9', %al
	ja	4f
	testb	%bl, %bl
	jnz	3b
	movb	%al, %bl
	jmp	3b
4:	cmpb	$';', %al
	je	3b
	cmpb	$'~', %al
	jne	5f
	movb	%bl, %al			# ESC [ n ~: the editing keys
	subb	$'1', %al
	cmpb	$7, %al
	ja	kbd_fill
	movzbw	%al, %bx
	movb	%cs:(tilde_scan - ROM)(%bx), %ah
	jmp	6f
5:	subb	$'A', %al			# ESC [ A-H: the arrows, End, Home
	cmpb	$7, %al
	ja	kbd_fill
	movzbw	%al, %bx
	movb	%cs:(csi_scan - ROM)(%bx), %ah
6:	testb	%ah, %ah
	jz	kbd_fill
	xorb	%al, %al
	call	kbd_push
	jmp	kbd_fill
8:	movw	$0x011B, %ax
	call	kbd_push
9:	ret

# com_rx_soon: like com_rx, but waits a little for the rest of an escape sequence.
com_rx_soon:
	pushw	%cx
	movw	$2000, %cx
1:	call	com_rx
	jnc	2f
	loop	1b
	stc
2:	popw	%cx
	ret

# kbd_translate: AL = ASCII -> AX = scan code, ASCII (US layout); DEL is the backspace key.
kbd_translate:
	cmpb	$0x7F, %al
	jne	1f
	movw	$0x0E08, %ax
	ret
1:	xorb	%ah, %ah
	testb	$0x80, %al
	jnz	2f
	pushw	%bx
	movzbw	%al, %bx
	movb	%cs:(ascii_scan - ROM)(%bx), %ah
	popw	%bx
2:	ret

# kbd_room: CF set when the keyboard buffer has fewer than two free slots (DS = BDA).
kbd_room:
	pushw	%bx
	movw	0x1C, %bx
	call	kbd_next
	cmpw	0x1A, %bx
	je	1f
	call	kbd_next
	cmpw	0x1A, %bx
	je	1f
	popw	%bx
	clc
	ret
1:	popw	%bx
	stc
	ret

# kbd_next: BX = the keyboard buffer slot after BX, wrapping at its end (DS = BDA).
kbd_next:
	addw	$2, %bx
	cmpw	0x82, %bx
	jb	1f
	movw	0x80, %bx
1:	ret

# kbd_push: AX into the keyboard buffer (DS = BDA); CF set when it is full.
kbd_push:
	pushw	%bx
	pushw	%si
	movw	0x1C, %bx
	movw	%bx, %si
	addw	$2, %si
	cmpw	0x82, %si
	jb	1f
	movw	0x80, %si
1:	cmpw	0x1A, %si
	je	2f
	movw	%ax, (%bx)
	movw	%si, 0x1C
	popw	%si
	popw	%bx
	clc
	ret
2:	popw	%si
	popw	%bx
	stc
	ret

csi_scan:	.byte	0x48, 0x50, 0x4D, 0x4B, 0, 0x4F, 0, 0x47	# A B C D E F G H
tilde_scan:	.byte	0x47, 0x52, 0x53, 0x4F, 0x49, 0x51, 0x47, 0x4F	# 1 Home 2 Ins 3 Del 4 End 5 PgUp 6 PgDn 7 8

# US-layout scan codes for ASCII 00h-7Fh (control characters get their letter's key).
ascii_scan:
	.byte	0x03, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22	# 00 ^A-^G
	.byte	0x0E, 0x0F, 0x1C, 0x25, 0x26, 0x1C, 0x31, 0x18	# BS TAB LF ^K ^L CR ^N ^O
	.byte	0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11	# ^P-^W
	.byte	0x2D, 0x15, 0x2C, 0x01, 0x2B, 0x1B, 0x07, 0x0C	# ^X ^Y ^Z ESC ^\ ^] ^^ ^_
	.byte	0x39, 0x02, 0x28, 0x04, 0x05, 0x06, 0x08, 0x28	# space ! " # $ % & '
	.byte	0x0A, 0x0B, 0x09, 0x0D, 0x33, 0x0C, 0x34, 0x35	# ( ) * + , - . /
	.byte	0x0B, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08	# 0-7
	.byte	0x09, 0x0A, 0x27, 0x27, 0x33, 0x0D, 0x34, 0x35	# 8 9 : ; < = > ?
	.byte	0x03, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22	# @ A-G
	.byte	0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18	# H-O
	.byte	0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11	# P-W
	.byte	0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x07, 0x0C	# X Y Z [ \ ] ^ _
	.byte	0x29, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22	# ` a-g
	.byte	0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18	# h-o
	.byte	0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11	# p-w
	.byte	0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x29, 0x0E	# x y z { | } ~ DEL

# ---------------------------------------------------------------------------------------------
# INT 18h: no bootable device. INT 19h: the bootstrap loader.
# ---------------------------------------------------------------------------------------------
int18:
	POST	0xE4
	movw	$(msg_int18 - ROM), %si
	call	puts
	jmp	halt_forever

# INT 19h: sector 0 of disk 80h to 0000:7C00 and, if it ends in 55h AAh, jump there with
# DL = 80h, CS = DS = ES = SS = 0, SP = 7C00h, interrupts on.
int19:
	POST	0x09
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$BOOT_ADDR, %sp
	sti
	movw	$BDA_SEG, %ax
	movw	%ax, %fs
	cmpb	$0, %fs:0x75
	je	3f
	movw	$3, %di				# tries
1:	movw	$0x0201, %ax
	movw	$0x0001, %cx
	movw	$0x0080, %dx
	movw	$BOOT_ADDR, %bx
	int	$0x13
	jnc	2f
	movb	%ah, %bl
	decw	%di
	jz	4f
	xorb	%ah, %ah
	movb	$0x80, %dl
	int	$0x13
	jmp	1b
2:	cmpw	$0xAA55, (BOOT_ADDR + 510)
	jne	5f
	POST	0x00
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	movl	$0x80, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	movw	%ax, %fs
	movw	%ax, %gs
	ljmp	$0, $BOOT_ADDR
3:	call	try_hosted
	POST	0xE1
	movw	$(msg_no_disk - ROM), %si
	call	puts
	jmp	halt_forever
4:	call	try_hosted
	POST	0xE3
	movw	$(msg_read_error - ROM), %si
	call	puts
	movb	%bl, %al
	call	put_hex8
	movw	$(msg_read_error2 - ROM), %si
	call	puts
	jmp	halt_forever
5:	call	try_hosted
	POST	0xE2
	movw	$(msg_no_signature - ROM), %si
	call	puts
	jmp	halt_forever

# ---------------------------------------------------------------------------------------------
# The hosted kernel. try_hosted returns when no kernel is attached to the host-call device;
# otherwise it does not return: it builds the boot-info block (layout in kernel/bootinfo.ts),
# opens A20, switches to flat 32-bit protected mode and calls the kernel (OUT to port E0h with
# EAX = the block's address). The kernel sets up its GDT, IDT, page tables and first context and
# names, through the stack pointer, a trap frame to pop; the code after the OUT pops it and IRETs,
# exactly as the kernel's own trap stubs end.
# ---------------------------------------------------------------------------------------------
	.set	BI, 0x8000			# boot-info block
	.set	BI_E820, 0x8100			# E820 entries, 20 bytes each, at most 32
	.set	BI_CMDLINE, 0x8800		# NUL-terminated command line, at most 1023 bytes
	.set	HOSTCALL, 0xE0
	.set	HOSTCALL_CMDLINE, 0xE4

try_hosted:
	inl	$HOSTCALL, %eax
	cmpl	$0x38335354, %eax		# 'TS38'
	je	hosted_boot
	ret

hosted_boot:
	POST	0x0A
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	$BI, %di
	movw	$0x800, %cx			# 4 KiB
	rep stosw
	movl	$0x49425354, BI			# 'TSBI'

	# 386 or 486: only a 486 lets EFLAGS.AC (bit 18) be set (i486 PRM, "Identifying the processor").
	pushfl
	popl	%eax
	movl	%eax, %ecx
	xorl	$0x40000, %eax
	pushl	%eax
	popfl
	pushfl
	popl	%eax
	pushl	%ecx
	popfl
	xorl	%ecx, %eax
	movl	$386, %edx
	testl	$0x40000, %eax
	jz	1f
	movl	$486, %edx
1:	movl	%edx, BI + 0x04

	# The memory map, through this BIOS's own INT 15h E820h.
	movl	$BI_E820, BI + 0x0C
	movw	$BI_E820, %di
	xorl	%ebx, %ebx
	xorw	%si, %si
2:	movl	$0xE820, %eax
	movl	$20, %ecx
	movl	$0x534D4150, %edx
	int	$0x15
	jc	3f
	cmpl	$0x534D4150, %eax
	jne	3f
	incw	%si
	addw	$20, %di
	testl	%ebx, %ebx
	jz	3f
	cmpw	$32, %si
	jb	2b
3:	movzwl	%si, %eax
	movl	%eax, BI + 0x08

	# The command line, streamed from the host-call device.
	movl	$BI_CMDLINE, BI + 0x10
	outb	%al, $HOSTCALL_CMDLINE		# rewind
	movw	$BI_CMDLINE, %di
	movw	$1023, %cx
4:	inb	$HOSTCALL_CMDLINE, %al
	testb	%al, %al
	jz	5f
	stosb
	loop	4b

	# The disks INT 13h found: count, then per disk its sectors and its drive-select byte (A0h/B0h).
5:	movw	$BDA_SEG, %ax
	movw	%ax, %fs
	movzbl	%fs:0x75, %eax
	movl	%eax, BI + 0x14
	movw	$EBDA_SEG, %ax
	movw	%ax, %fs
	movl	%fs:(E_DRIVES + D_TOTAL), %eax
	movl	%eax, BI + 0x18
	movzbl	%fs:(E_DRIVES + D_SEL), %eax
	movl	%eax, BI + 0x1C
	movl	%fs:(E_DRIVES + D_SIZE + D_TOTAL), %eax
	movl	%eax, BI + 0x20
	movzbl	%fs:(E_DRIVES + D_SIZE + D_SEL), %eax
	movl	%eax, BI + 0x24
	movl	%fs:V_RAMTOP, %eax
	movl	%eax, BI + 0x28

	# A20 open (port 92h), then flat 32-bit protected mode.
	inb	$0x92, %al
	orb	$0x02, %al
	andb	$0xFE, %al
	outb	%al, $0x92
	lgdtl	%cs:(hosted_gdt_desc - ROM)
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	$0x08, $hosted_pm

	.code32
hosted_pm:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$BOOT_ADDR, %esp
	movl	$BI, %eax
	outl	%eax, $HOSTCALL
	# The kernel's first trap frame (kernel/trap.ts): registers, segments, vector and error code, IRET.
	popal
	popl	%gs
	popl	%fs
	popl	%es
	popl	%ds
	addl	$8, %esp
	iret
	.code16

	.p2align 3
hosted_gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF		# 08h: code, base 0, 4 GiB, 32-bit
	.quad	0x00CF92000000FFFF		# 10h: data, base 0, 4 GiB
hosted_gdt_desc:
	.word	hosted_gdt_desc - hosted_gdt - 1
	.long	hosted_gdt

# ---------------------------------------------------------------------------------------------
# INT 1Ah time of day: 00h/01h the tick count, 02h-05h the RTC (BCD, as the CMOS keeps it or
# converted when register B says binary).
# ---------------------------------------------------------------------------------------------
int1a:
	sti
	ENTER_FRAME
	movw	$BDA_SEG, %bx
	movw	%bx, %ds
	cmpb	$0x00, %ah
	je	int1a_get_ticks
	cmpb	$0x01, %ah
	je	int1a_set_ticks
	cmpb	$0x02, %ah
	je	int1a_get_time
	cmpb	$0x03, %ah
	je	int1a_set_time
	cmpb	$0x04, %ah
	je	int1a_get_date
	cmpb	$0x05, %ah
	je	int1a_set_date
	jmp	ret_unsupported

# AH=00h: CX:DX = ticks since midnight, AL = midnight passed since the last read (then cleared).
int1a_get_ticks:
	cli
	movw	0x6C, %ax
	movw	%ax, F_DX(%bp)
	movw	0x6E, %ax
	movw	%ax, F_CX(%bp)
	movb	0x70, %al
	movb	%al, F_AL(%bp)
	movb	$0, 0x70
	jmp	ret_cf_clear

# AH=01h: ticks = CX:DX.
int1a_set_ticks:
	cli
	movw	%dx, 0x6C
	movw	%cx, 0x6E
	movb	$0, 0x70
	jmp	ret_cf_clear

# AH=02h: CH = hours, CL = minutes, DH = seconds (BCD), DL = 1 with daylight saving time.
int1a_get_time:
	call	rtc_wait
	jc	ret_cf_set
	movb	$0x04, %al
	call	rtc_read_bcd
	movb	%al, F_CH(%bp)
	movb	$0x02, %al
	call	rtc_read_bcd
	movb	%al, F_CL(%bp)
	movb	$0x00, %al
	call	rtc_read_bcd
	movb	%al, F_DH(%bp)
	movb	$0x0B, %al
	call	cmos_read
	andb	$0x01, %al
	movb	%al, F_DL(%bp)
	jmp	ret_cf_clear

# AH=04h: CH = century, CL = year, DH = month, DL = day (BCD).
int1a_get_date:
	call	rtc_wait
	jc	ret_cf_set
	movb	$0x32, %al
	call	rtc_read_bcd
	testb	%al, %al
	jnz	1f
	movb	$0x20, %al			# no century byte: assume the 2000s
1:	movb	%al, F_CH(%bp)
	movb	$0x09, %al
	call	rtc_read_bcd
	movb	%al, F_CL(%bp)
	movb	$0x08, %al
	call	rtc_read_bcd
	movb	%al, F_DH(%bp)
	movb	$0x07, %al
	call	rtc_read_bcd
	movb	%al, F_DL(%bp)
	jmp	ret_cf_clear

# AH=03h: set the time from CH, CL, DH (BCD) and DL (daylight saving time).
int1a_set_time:
	call	rtc_set_begin
	movb	F_CH(%bp), %ah
	movb	$0x04, %al
	call	rtc_write_bcd
	movb	F_CL(%bp), %ah
	movb	$0x02, %al
	call	rtc_write_bcd
	movb	F_DH(%bp), %ah
	movb	$0x00, %al
	call	rtc_write_bcd
	movb	F_DL(%bp), %ah
	andb	$0x01, %ah
	andb	$0xFE, %bl
	orb	%ah, %bl
	jmp	rtc_set_end

# AH=05h: set the date from CH (century), CL (year), DH (month), DL (day), BCD.
int1a_set_date:
	call	rtc_set_begin
	movb	F_CH(%bp), %ah
	movb	$0x32, %al
	call	rtc_write_bcd
	movb	F_CL(%bp), %ah
	movb	$0x09, %al
	call	rtc_write_bcd
	movb	F_DH(%bp), %ah
	movb	$0x08, %al
	call	rtc_write_bcd
	movb	F_DL(%bp), %ah
	movb	$0x07, %al
	call	rtc_write_bcd
	# fall through

# rtc_set_end: register B = BL with SET cleared: the clock runs again.
rtc_set_end:
	movb	%bl, %ah
	andb	$0x7F, %ah
	movb	$0x0B, %al
	call	cmos_write
	jmp	ret_cf_clear

# rtc_set_begin: BL = register B; SET stops the updates while the registers are written.
rtc_set_begin:
	movb	$0x0B, %al
	call	cmos_read
	movb	%al, %bl
	movb	%al, %ah
	orb	$0x80, %ah
	movb	$0x0B, %al
	jmp	cmos_write

# rtc_wait: waits while the RTC's update is in progress (register A bit 7). CF set if it never
# ends (no RTC: the port reads FFh).
rtc_wait:
	pushw	%cx
	movw	$0xFFFF, %cx
1:	movb	$0x0A, %al
	call	cmos_read
	testb	$0x80, %al
	jz	2f
	loop	1b
	popw	%cx
	stc
	ret
2:	popw	%cx
	clc
	ret

# rtc_read_bcd: AL = RTC register -> AL = its value in BCD.
rtc_read_bcd:
	pushw	%bx
	movb	%al, %bl
	movb	$0x0B, %al
	call	cmos_read
	xchgb	%al, %bl			# BL = register B
	call	cmos_read
	testb	$0x04, %bl			# DM: binary
	jz	1f
	aam					# AH = tens, AL = units
	shlb	$4, %ah
	orb	%ah, %al
1:	popw	%bx
	ret

# rtc_write_bcd: RTC register AL = AH given in BCD (stored in binary when register B, in BL,
# has its DM bit set).
rtc_write_bcd:
	testb	$0x04, %bl
	jz	cmos_write
	pushw	%cx
	movb	%al, %cl			# the index
	movb	%ah, %al
	shrb	$4, %ah
	andb	$0x0F, %al
	aad					# AL = AH * 10 + AL
	movb	%al, %ah
	movb	%cl, %al
	popw	%cx
	jmp	cmos_write

# ---------------------------------------------------------------------------------------------
# Tables and messages
# ---------------------------------------------------------------------------------------------

# The vectors POST points at the services (vector, offset in F000); FFFFh ends the list.
ivt_table:
	.word	0x00, exc_divide - ROM
	.word	0x06, exc_invalid - ROM
	.word	0x08, irq0_timer - ROM
	.word	0x0C, irq4_com1 - ROM
	.word	0x10, int10 - ROM
	.word	0x11, int11 - ROM
	.word	0x12, int12 - ROM
	.word	0x13, int13 - ROM
	.word	0x14, int14 - ROM
	.word	0x15, int15 - ROM
	.word	0x16, int16 - ROM
	.word	0x18, int18 - ROM
	.word	0x19, int19 - ROM
	.word	0x1A, int1a - ROM
	.word	0x70, irq8_rtc - ROM
	.word	0xFFFF

# INT 1Eh: diskette parameters for a 1.44 MB drive (IBM's values), for software that reads them.
floppy_dpt:
	.byte	0xAF, 0x02, 0x25, 0x02, 0x12, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08

msg_no_disk:	.asciz	"ts386 BIOS: no disk attached\r\n"
msg_no_signature:
	.asciz	"ts386 BIOS: no bootable disk (sector 0 of disk 80h has no 55AA signature)\r\n"
msg_read_error:	.asciz	"ts386 BIOS: cannot read sector 0 of disk 80h (INT 13h status "
msg_read_error2: .asciz	"h)\r\n"
msg_int18:	.asciz	"ts386 BIOS: no bootable disk (INT 18h)\r\n"
msg_exception:	.asciz	"ts386 BIOS: unhandled CPU exception "
msg_at:		.asciz	"h at "
msg_crlf:	.asciz	"\r\n"

# ---------------------------------------------------------------------------------------------
# The reset vector (F000:FFF0, the last 16 bytes), the BIOS date at F000:FFF5 and the model byte
# at F000:FFFE (FCh, AT class), where software has always looked for them.
# ---------------------------------------------------------------------------------------------
	.org	0xFFF0, 0xFF
reset:
	ljmp	$0xF000, $(post - ROM)
	.ascii	"01/01/25"
	.byte	0
	.byte	0xFC
	.byte	0
