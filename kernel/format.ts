// How the kernel writes numbers in its messages: addresses and register values as eight hex digits,
// or, in the frame allocators' panics, as short 0x numbers.

export const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** A number as the allocators' panics give it: 0x and only the digits it needs. */
export const hex0x = (n: number): string => '0x' + (n >>> 0).toString(16);
