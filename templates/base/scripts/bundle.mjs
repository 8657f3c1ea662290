// Bundles each production entry into one file, so a start reads and compiles one module instead of
// resolving hundreds (paid at every start: by an MCP client launching a stdio server, by each restart of
// an HTTP one). Guards against slow cold starts and against unreadable stack traces: each bundle has a
// source map that names this project's src/…ts files and lines, and the launcher installs
// src/stack-traces.ts, which maps a stack through it when the stack is first formatted (Node's own
// source-map support would read the map at every start).
//
// Run by the `build` and `test` scripts, after `tsc -p tsconfig.build.json` (which type-checks and
// compiles src/ to dist/, module by module). For every script that runs `node dist/<entry>.js`:
//   dist/bundle/<entry>.js (+ .map)  the entry with its dependencies, one ES module;
//   dist/<entry>.js                  a launcher replacing tsc's output: it enables the module compile
//                                    cache (Node >= 22.1; src/compile-cache.ts) and source-mapped stack
//                                    traces (src/stack-traces.ts; both as tsc compiled them to dist/),
//                                    then imports the bundle.
// Dependencies with a native addon (binding.gyp or prebuilds/) stay in node_modules, loaded with require(),
// and any package that is not installed (an optional one a dependency only tries to load) stays an import.
// The maps hold no source text (sourcesContent off: the files are in src/ and node_modules/), which
// keeps them small; whitespace and syntax are minified, names are not, so a frame still names its function.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** `transports/stdio`, `cli/keys`, …: every `node dist/<entry>.js` a script runs. */
const entries = [...new Set(Object.values(pkg.scripts ?? {}).flatMap((command) => [...command.matchAll(/\bnode dist\/([\w/.-]+)\.js\b/g)].map((m) => m[1])))].sort();

const nativeDependencies = Object.keys(pkg.dependencies ?? {}).filter((name) => ['binding.gyp', 'prebuilds'].some((file) => existsSync(path.join(root, 'node_modules', name, file))));

/**
 * Dependencies with a native addon stay in node_modules and load with require(), as the CommonJS they are:
 * an import of CommonJS from an ES module makes Node start its exports parser first (a few ms of every start).
 */
const nativeByRequire = {
  name: 'native-by-require',
  setup(b) {
    const names = new Set(nativeDependencies);
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/'); // a subpath is the package's too
      if (!names.has(name)) return undefined;
      if (args.kind === 'require-call') return { path: args.path, external: true };
      return { path: args.path, namespace: 'native-by-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'native-by-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** A package that is not installed stays an import (loaded, and failing, only if the code runs), as unbundled. */
const missingStaysExternal = {
  name: 'missing-stays-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'retry' || args.path.startsWith('node:')) return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'retry' });
      return resolved.errors.length > 0 ? { path: args.path, external: true } : resolved;
    });
  },
};

/** The launcher: tiny and uncached itself, so the bundle it imports afterwards gets the compile cache and mapped stack traces. */
function launcher(entry) {
  const from = path.posix.dirname(`dist/${entry}`);
  const relative = (target) => `./${path.posix.relative(from, target)}`;
  return `// Built by scripts/bundle.mjs from src/${entry}.ts (edit that, then run the build script). Turns on two things, then
// loads the entry's bundle, dist/bundle/${entry}.js:
// 1. the module compile cache (Node >= 22.1), in a folder of this user's own under the OS temp directory, never in
//    the project (src/compile-cache.ts: it refuses a folder anyone else controls), and
// 2. stack traces (in the operational log too) that name src/…ts files and lines: frames inside dist/bundle/ are
//    mapped through the bundle's source map when a stack is first formatted, not at start (src/stack-traces.ts).
import { fileURLToPath } from 'node:url';
import { enableOwnCompileCache } from ${JSON.stringify(relative('dist/compile-cache.js'))};
import { mapBundleStackTraces } from ${JSON.stringify(relative('dist/stack-traces.js'))};

enableOwnCompileCache();
mapBundleStackTraces(fileURLToPath(new URL(${JSON.stringify(`${relative('dist/bundle')}/`)}, import.meta.url)));
await import(${JSON.stringify(relative(`dist/bundle/${entry}.js`))});
`;
}

const started = Date.now();
const engines = /(\d+)(?:\.(\d+))?/.exec(pkg.engines?.node ?? '20')?.slice(1) ?? ['20'];
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(entries.map((entry) => [`bundle/${entry}`, `src/${entry}.ts`])),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${engines.filter(Boolean).join('.')}`,
  plugins: [nativeByRequire, missingStaysExternal],
  sourcemap: 'linked',
  sourcesContent: false,
  minifyWhitespace: true,
  minifySyntax: true, // ~3% less code to compile, ~5% faster starts measured here; names stay as written
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
for (const entry of entries) {
  mkdirSync(path.dirname(path.join(root, 'dist', entry)), { recursive: true });
  writeFileSync(path.join(root, 'dist', `${entry}.js`), launcher(entry));
  rmSync(path.join(root, 'dist', `${entry}.js.map`), { force: true }); // tsc's map of the module the launcher replaced
}
process.stdout.write(`bundled ${entries.length} entries → dist/bundle/ (${Date.now() - started} ms)\n`);
