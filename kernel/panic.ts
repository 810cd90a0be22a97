// panic(): an invariant of the kernel broke (xv6's panic("remap")). The kernel entry catches
// KernelPanic, prints the reason, the trap frame and this TypeScript stack on the console, and stops
// the machine with the panic exit status.

export class KernelPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelPanic';
  }
}

export function panic(message: string): never {
  throw new KernelPanic(message);
}
