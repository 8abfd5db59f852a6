#!/usr/bin/env node
// The installed `phonehome` command (package.json "bin" → dist/harness/bin.js): the compiled CLI,
// no tsx. A clone runs the TypeScript sources through harness/phonehome.js instead.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));
