// Stack traces of the built entries (src/stack-traces.ts). Guards against a log whose traces point
// into a minified bundle: a frame inside dist/bundle/ names its src/…ts file and line; frames elsewhere,
// and bundles without a readable map, stay exactly as V8 wrote them; formatting a stack never throws.
// The first test runs tsc's output of src/stack-traces.ts with node, on a bundle made as scripts/bundle.mjs makes one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { mappedFrame, mapLoader, type CallSite } from '../src/stack-traces.js';
import { tempDir } from './helpers.js';

/** A module whose `boom` throws on line 4 of its TypeScript source. */
const SOURCE = ['// fixture', 'export function boom(): never {', '  const reason: string = "boom";', '  throw new Error(reason);', '}', ''].join('\n');

/** Bundles SOURCE as scripts/bundle.mjs does (ESM, minified whitespace, linked map without sources). */
async function bundleFixture(root: string, outfile: string): Promise<string> {
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'boom.ts'), SOURCE);
  await build({ absWorkingDir: root, entryPoints: ['src/boom.ts'], outfile, bundle: true, platform: 'node', format: 'esm', sourcemap: 'linked', sourcesContent: false, minifyWhitespace: true, logLevel: 'silent' });
  return path.join(root, outfile);
}

function site(file: string | null, line: number | null, column: number | null): CallSite {
  return { getFileName: () => file ?? undefined, getLineNumber: () => line, getColumnNumber: () => column, toString: () => `f (${file}:${line}:${column})` } as CallSite;
}

describe('stack traces of the bundles', () => {
  test('run by node as a launcher runs it: frames in the bundle folder are mapped; others, and a bundle whose map is broken, are not', async () => {
    const root = tempDir('stack-traces-');
    const mapped = await bundleFixture(root, 'dist/bundle/boom.js');
    const outside = await bundleFixture(root, 'elsewhere/boom.js'); // a map, but not in the bundle folder
    const broken = await bundleFixture(root, 'dist/bundle/broken.js');
    fs.writeFileSync(`${broken}.map`, '{ not json');
    // Run by node itself, as a launcher runs it: tsc's output of src/stack-traces.ts (the test script builds first).
    const installer = pathToFileURL(path.join(import.meta.dirname, '..', 'dist', 'stack-traces.js')).href;
    const script = `
      const { mapBundleStackTraces } = await import(${JSON.stringify(installer)});
      mapBundleStackTraces(${JSON.stringify(path.join(root, 'dist', 'bundle'))});
      const stacks = [];
      for (const file of ${JSON.stringify([mapped, outside, broken].map((f) => pathToFileURL(f).href))}) {
        try { (await import(file)).boom(); } catch (error) { stacks.push(error.stack); }
      }
      const odd = new Error('x');
      Object.defineProperty(odd, 'name', { get() { throw new Error('no name'); } });
      stacks.push(odd.stack);
      process.stdout.write(JSON.stringify(stacks));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const [inBundle, notInBundle, brokenMap, oddError] = JSON.parse(run.stdout) as string[];

    expect(inBundle!.split('\n')[0]).toBe('Error: boom');
    expect(inBundle!.split('\n')[1]).toMatch(/^ {4}at (Module\.)?boom \(/);
    expect(inBundle!.split('\n')[1]).toContain(`(${path.join(root, 'src', 'boom.ts')}:4:9)`);
    expect(inBundle).not.toContain('dist/bundle/boom.js');
    expect(notInBundle).toMatch(/elsewhere\/boom\.js:\d+:\d+/);
    expect(notInBundle).not.toContain('boom.ts');
    expect(brokenMap).toMatch(/dist\/bundle\/broken\.js:\d+:\d+/);
    expect(oddError!.split('\n')[0]).toBe('Error'); // a name getter that throws: still a stack, no crash
    expect(oddError!.split('\n').length).toBeGreaterThan(1);
  });

  test('frames without a file, line or column, or outside the bundle folder, are left as they are', async () => {
    const root = tempDir('stack-traces-');
    const bundle = await bundleFixture(root, 'dist/bundle/boom.js');
    const load = mapLoader(path.join(root, 'dist', 'bundle'));
    expect(mappedFrame(site(null, 1, 1), load)).toBe('f (null:1:1)');
    expect(mappedFrame(site(bundle, null, 5), load)).toBe(`f (${bundle}:null:5)`);
    expect(mappedFrame(site('node:internal/x', 1, 1), load)).toBe('f (node:internal/x:1:1)');
    expect(mappedFrame(site('file:///%', 1, 1), load)).toBe('f (file:///%:1:1)'); // not a valid file URL
  });
});
