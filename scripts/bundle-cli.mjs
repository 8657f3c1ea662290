#!/usr/bin/env node
// Build step after tsc: bundles the CLI (dist/cli/main.js and every module of ours it reaches) into one
// ES module, dist/bundle/create-secure-mcp.js, which bin/ runs. Loading one file instead of ~35 saves
// about a tenth of a scaffold run. Packages stay external (loaded from node_modules, and the heavy ones —
// inquirer, execa, the handlebars compiler — still only when needed). Modules that locate files use
// paths that hold from dist/cli/, dist/generate/ and dist/bundle/ alike (two levels below the root).
import { build } from 'esbuild';

const started = performance.now();
await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/bundle/create-secure-mcp.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
});
process.stderr.write(`bundled the CLI → dist/bundle/create-secure-mcp.js (${(performance.now() - started).toFixed(0)} ms)\n`);
