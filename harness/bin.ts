#!/usr/bin/env node
// The installed `phonehome` command (package.json "bin" → dist/harness/bin.js): the compiled CLI,
// no tsx. A clone runs the TypeScript sources through harness/phonehome.js instead; both entries
// do the same before main() (a closed stdout, `phonehome ca | head`, ends the command quietly).
import { dropOutputOnClosedPipes } from './closedPipes.js';
import { main } from './cli/main.js';

dropOutputOnClosedPipes();
process.exitCode = await main(process.argv.slice(2));
