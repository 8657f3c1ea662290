#!/usr/bin/env node
// The published package always ships dist/; a clone of the repository has it only after `npm run build`.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bundle/create-secure-mcp.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('create-secure-mcp: dist/bundle/create-secure-mcp.js is missing. In a clone of the repository, run `npm install && npm run build` first.\n');
  process.exit(2);
}
await import(bundle.href);
