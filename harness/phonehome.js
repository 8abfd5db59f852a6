#!/usr/bin/env node
// Entry point of the `phonehome` command: runs the TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
(await import('./closedPipes.ts')).dropOutputOnClosedPipes();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
