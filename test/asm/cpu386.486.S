# cpu386.S on the 486 model (asm.test.ts runs *.486 programs with `cpu: 486`): the 486's side of
# each behaviour where the 386 differs.

.set CPU486, 1
  .include "cpu386.S"
