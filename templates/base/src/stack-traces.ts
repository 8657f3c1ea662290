// Stack traces of the bundled entries, mapped back to this project's src/…ts files and lines. Guards
// against unreadable traces in the operational log (a bundle is one long minified file) without paying
// Node's own source-map support at every start: that reads the map and measures every line of the
// bundle as it loads (about 10 ms of a 140 ms start, measured on Node 24). Here nothing is read until a
// stack is first formatted (an error logged or printed); each bundle's map is then read once.
// The launchers scripts/bundle.mjs writes (dist/<entry>.js) install it; `npm run dev` and the in-process
// tests run src/ directly and do not need it.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A V8 call site (NodeJS.CallSite): the parts read here. Its toString() is the frame as V8 writes it. */
export interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

/** Reads and parses `<file>.map` once per file; null when there is none or it is not a source map. */
export function mapLoader(bundleDir: string): (file: string) => { map: SourceMap; dir: string } | null {
  const root = path.resolve(bundleDir) + path.sep;
  const cache = new Map<string, { map: SourceMap; dir: string } | null>();
  return (file) => {
    if (!file.startsWith(root)) return null; // only the bundles this project built
    let entry = cache.get(file);
    if (entry === undefined) {
      try {
        const payload = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload;
        entry = { map: new SourceMap(payload), dir: path.resolve(path.dirname(file), payload.sourceRoot ?? '') };
      } catch {
        entry = null; // no map, unreadable or malformed: frames stay as V8 wrote them
      }
      cache.set(file, entry);
    }
    return entry;
  };
}

/** One frame as V8 writes it, with a bundle position replaced by the original file, line and column. */
export function mappedFrame(site: CallSite, load: ReturnType<typeof mapLoader>): string {
  const text = String(site);
  const name = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!name || line === null || column === null) return text;
  let file: string;
  try {
    file = name.startsWith('file:') ? fileURLToPath(name) : name;
  } catch {
    return text;
  }
  const loaded = load(file);
  if (loaded === null) return text;
  const found = loaded.map.findEntry(line - 1, column - 1);
  if (!('originalSource' in found) || typeof found.originalSource !== 'string') return text;
  const source = found.originalSource.startsWith('file:') ? fileURLToPath(found.originalSource) : path.resolve(loaded.dir, found.originalSource);
  const position = `${name}:${line}:${column}`;
  return text.includes(position) ? text.replace(position, `${source}:${found.originalLine + 1}:${found.originalColumn + 1}`) : text;
}

/**
 * Formats every stack as V8 does (`Name: message` then `    at …` lines), with frames inside
 * `bundleDir` mapped through the bundle's source map. A formatting failure never throws.
 */
export function mapBundleStackTraces(bundleDir: string): void {
  const load = mapLoader(bundleDir);
  Error.prepareStackTrace = (error: unknown, sites: CallSite[]): string => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    return header + sites.map((site) => {
      try {
        return `\n    at ${mappedFrame(site, load)}`;
      } catch {
        return `\n    at ${String(site)}`;
      }
    }).join('');
  };
}
