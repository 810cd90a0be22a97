// The error for a mistake in what the user gave ts386: main.ts prints its message as one line and
// exits with status 2 (EXIT_BAD_INPUT).

export class BadInput extends Error {}
