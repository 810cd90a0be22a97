// Lint enforces the import boundaries drawn in ARCHITECTURE.md ("Which folder may import which").
import tseslint from 'typescript-eslint';

const restrict = (patterns, allowTypeImports = false) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((p) => ({ ...p, allowTypeImports })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/conformance/sample/**', 'images/**', 'firmware/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  // 1. The emulator imports nothing outside emulator/, and only emulator/host/ may touch node:*.
  {
    files: ['emulator/**/*.ts'],
    ignores: ['emulator/host/**'],
    rules: restrict([
      { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'only emulator/host/ may use the Node runtime: the machine is deterministic' },
      { group: ['**/kernel/**', '**/cli/**', '**/test/**'], message: 'the emulator imports nothing outside emulator/' },
    ]),
  },
  {
    files: ['emulator/host/**/*.ts'],
    rules: restrict([{ group: ['**/kernel/**', '**/cli/**', '**/test/**'], message: 'the emulator imports nothing outside emulator/' }]),
  },
  // 2. The CPU never sees a device; devices never see the CPU. Only machine.ts sees both.
  {
    files: ['emulator/cpu/**/*.ts'],
    rules: restrict([
      { group: ['**/devices/**', '**/machine.ts', '**/host/**'], message: 'the CPU may import memory/, clock.ts and irq.ts, never a device' },
      { group: ['node:*'], message: 'only emulator/host/ may use the Node runtime' },
      { group: ['**/kernel/**', '**/cli/**', '**/test/**'], message: 'the emulator imports nothing outside emulator/' },
    ]),
  },
  {
    files: ['emulator/devices/**/*.ts'],
    rules: restrict([
      { group: ['**/cpu/**', '**/machine.ts', '**/host/**'], message: 'devices may import memory/ioports.ts, clock.ts and irq.ts, never the CPU' },
      { group: ['node:*'], message: 'only emulator/host/ may use the Node runtime' },
      { group: ['**/kernel/**', '**/cli/**', '**/test/**'], message: 'the emulator imports nothing outside emulator/' },
    ]),
  },
  // 3. The kernel imports only HostPort, and only as a type.
  {
    files: ['kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/emulator/**', '!**/emulator/hostport.ts'], message: 'kernel/ may import only emulator/hostport.ts' },
          { group: ['**/emulator/hostport.ts'], allowTypeImports: true, message: 'kernel/ imports HostPort with `import type` only' },
          { group: ['**/cli/**', '**/test/**', 'node:*'], message: 'kernel/ touches the machine only through HostPort' },
        ],
      }],
    },
  },
  // The kernel's one door to the machine is Hw (kernel/hw.ts): only hw.ts holds the HostPort, so no
  // other kernel file reaches past Hw to it (`hw.port.copyPhys(...)`) or keeps a port of its own.
  {
    files: ['kernel/**/*.ts'],
    ignores: ['kernel/hw.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[property.name='port']",
        message: 'the kernel reaches the machine through Hw (kernel/hw.ts) only',
      }],
    },
  },
  // 4 and 5. Nothing but the CLI wires emulator and kernel together; nothing imports cli/ or test/.
  // cli/ and bench/ see the emulator through its public API, emulator/index.ts, and nothing else
  // of it (types included); test/ may reach inside.
  {
    files: ['cli/**/*.ts'],
    rules: restrict([
      { group: ['**/emulator/**', '!**/emulator/index.ts'], message: 'cli/ imports the emulator through emulator/index.ts only' },
      { group: ['**/test/**'], message: 'nothing imports test/' },
    ]),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict([
      { group: ['**/emulator/**', '!**/emulator/index.ts'], message: 'the benchmark drives the emulator through emulator/index.ts only' },
      { group: ['**/kernel/**', '**/cli/**', '**/test/**'], message: 'the benchmark drives the emulator through emulator/index.ts' },
    ]),
  },
);
