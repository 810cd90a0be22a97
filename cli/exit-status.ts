// The exit statuses of `ts386` and `ts386 compare` (documented in their --help).

import { constants as osConstants } from 'node:os';

/** `ts386 compare`: a run failed (the kernel refused or killed it, or it did not finish); the rest are reported. */
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_TRIPLE_FAULT = 3;
export const EXIT_MAX_CYCLES = 4;
export const EXIT_HALTED_WITH_INTERRUPTS = 5;
export const EXIT_QUIT = 6;
/** An internal error (a bug in ts386): sysexits.h's EX_SOFTWARE. */
export const EXIT_INTERNAL_ERROR = 70;
/** An output could not be written (a full disk): sysexits.h's EX_IOERR, beside 70 (EX_SOFTWARE) for an internal error. */
export const EXIT_OUTPUT_ERROR = 74;
/** The reader of stdout went away (`ts386 | head`): the status of a process SIGPIPE ended, which is what a shell shows for the others in such a pipeline. */
export const EXIT_READER_GONE = 128 + osConstants.signals.SIGPIPE;
