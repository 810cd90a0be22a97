# pagefault.pm.S on the 486 model (asm.test.ts runs *.486.pm programs with `cpu: 486`): CR0.WP
# makes supervisor writes to read-only pages fault, and INVLPG flushes one page.

.set CPU486, 1
  .include "pagefault.pm.S"
