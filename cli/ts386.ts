// The `ts386` command's entry point (the bundle dist/ts386-main.mjs, scripts/build.mjs): runs
// cli/main.ts's command with the process's arguments and standard streams, and exits with its
// status once the event loop is empty. Importing cli/main.ts runs nothing, so that the tests can
// run the command in their own process (test/harness/cli.ts).

import { runCommand } from './main.ts';

void runCommand(process.argv.slice(2)).then((status) => { process.exitCode = status; });
