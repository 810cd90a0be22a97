// How the kernel writes numbers in its messages: addresses and register values as eight hex digits.

export const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
