/* Process entry. The kernel starts us SysV i386 style: ESP -> argc, argv[0..argc-1], NULL,
 * envp NULL, with the strings above. We call main(argc, argv) and exit with what it returns. */
        .text
        .globl  _start
        .type   _start, @function
_start:
        xorl    %ebp, %ebp              /* the outermost frame, for anyone walking frames */
        movl    (%esp), %eax            /* argc */
        leal    4(%esp), %edx           /* argv */
        andl    $-16, %esp              /* the alignment gcc assumes at a call */
        subl    $8, %esp
        pushl   %edx
        pushl   %eax
        call    main
        movl    %eax, (%esp)
        call    exit
1:      jmp     1b                      /* exit does not return */
        .size   _start, . - _start

        .section .note.GNU-stack, "", @progbits
