/**
 * Where compiled templates come from. Templates are compiled with HTML escaping off (this is code, and
 * `&quot;` in TypeScript is a bug) and strict lookups on (a misspelt variable fails the run instead of
 * rendering as nothing). render.ts registers its helpers on `env` and asks `template()` for each file;
 * nothing else depends on how templates are compiled.
 *
 * Fast path: `npm run build` precompiles every `.hbs` under templates/ into
 * dist/generate/precompiled-templates.js (scripts/precompile-templates.mjs), and a run loads only
 * `handlebars/runtime` (a fraction of the compiler's load and compile time). An entry is keyed by its
 * path relative to templates/ and carries the SHA-256 of the source it was compiled from: it is used
 * only when the text render.ts just read hashes the same, so a template edited after the build (or a
 * run from src/, where no bundle sits) is compiled from its current text with the full handlebars,
 * which is loaded only then.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES_DIR } from './templates-dir.js';

type HandlebarsModule = typeof import('handlebars');
export type CompiledTemplate = (context: unknown) => string;

/** A precompiled template spec (the object `Handlebars.precompile` prints as JavaScript). */
export type TemplateSpec = object;

/**
 * The runtime environment helpers are registered on: handlebars/runtime's, plus a `compile` that loads
 * the full compiler on first use (string partials, stale templates).
 */
export type HandlebarsEnv = Pick<
  HandlebarsModule,
  | 'registerHelper'
  | 'unregisterHelper'
  | 'registerPartial'
  | 'unregisterPartial'
  | 'registerDecorator'
  | 'unregisterDecorator'
  | 'template'
  | 'helpers'
  | 'partials'
  | 'decorators'
  | 'SafeString'
  | 'Utils'
  | 'createFrame'
  | 'escapeExpression'
  | 'log'
  | 'logger'
> & { compile(source: string, options?: object): CompiledTemplate };

export interface TemplateLoader {
  /** The handlebars environment the helpers are registered on. */
  readonly env: HandlebarsEnv;
  /** The compiled template of `file` (absolute path under templates/); `source` is its text. */
  template(file: string, source: string): CompiledTemplate;
}

/** The compile options of every template, at build time and at run time alike. */
export const COMPILE_OPTIONS: Readonly<{ noEscape: true; strict: true }> = Object.freeze({ noEscape: true, strict: true });

export interface PrecompiledEntry {
  /** sourceHash() of the text the spec was compiled from. */
  readonly hash: string;
  readonly spec: TemplateSpec;
}

/** What scripts/precompile-templates.mjs writes (the module's exports). */
export interface PrecompiledBundle {
  readonly options: unknown;
  /** Keyed by templateKey(): the path relative to templates/, with `/`. */
  readonly templates: Readonly<Record<string, PrecompiledEntry>>;
}

export interface TemplateLoaderOptions {
  /** The precompiled bundle; default: the one the build wrote beside this module (if any). null: none. */
  readonly bundle?: PrecompiledBundle | null;
  /** Where bundle keys are relative to (default: templates/). */
  readonly templatesDir?: string;
}

/** Hash that ties a precompiled entry to the exact source text it was compiled from. */
export function sourceHash(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/** The bundle key of `file`: its path relative to templatesDir with `/`, or undefined outside it. */
export function templateKey(file: string, templatesDir: string = TEMPLATES_DIR): string | undefined {
  const relative = path.relative(templatesDir, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

/** The bundle the build wrote beside this module (dist/generate/); none beside src/generate/. */
export const DEFAULT_BUNDLE_URL = new URL('../generate/precompiled-templates.js', import.meta.url);

const require = createRequire(import.meta.url);

/**
 * handlebars/runtime: its single-file build when present (the same runtime of the same release, loaded
 * in ~3.5 ms instead of ~7 ms for the ~20 CommonJS files behind `handlebars/runtime`), else the
 * package's `handlebars/runtime` entry.
 */
function loadRuntime(): HandlebarsModule {
  try {
    return require('handlebars/dist/handlebars.runtime.js') as HandlebarsModule;
  } catch {
    return require('handlebars/runtime') as HandlebarsModule;
  }
}

export async function createTemplateLoader(options: TemplateLoaderOptions = {}): Promise<TemplateLoader> {
  const runtime = loadRuntime();
  const env = runtime.create() as unknown as HandlebarsEnv;
  const bundle = options.bundle === undefined ? await loadDefaultBundle() : usable(options.bundle);
  const templatesDir = options.templatesDir ?? TEMPLATES_DIR;

  const compileFresh = (source: string, compileOptions: object = COMPILE_OPTIONS): CompiledTemplate => {
    // The same spec the build would have written, evaluated the way a precompiled module is; the full
    // compiler (and its parser) loads only here. precompile() writes to its options: pass a copy.
    const compiler = require('handlebars') as HandlebarsModule;
    const specSource = compiler.precompile(source, { ...compileOptions }) as unknown as string;
    const spec = new Function(`return ${specSource};`)() as TemplateSpec;
    return env.template(spec as never) as CompiledTemplate;
  };
  // handlebars/runtime has no compile(); give it one so a string partial still works (runtime.js
  // calls env.compile for those), with the same options as the templates.
  env.compile = (source, compileOptions) => compileFresh(source, { ...compileOptions, ...COMPILE_OPTIONS });

  /** The bundle's template for file, only when it was compiled from exactly this source. */
  const precompiled = (file: string, source: string): CompiledTemplate | undefined => {
    const key = bundle ? templateKey(file, templatesDir) : undefined;
    if (!bundle || key === undefined || !Object.hasOwn(bundle.templates, key)) return undefined;
    const entry = bundle.templates[key];
    if (!entry || entry.hash !== sourceHash(source)) return undefined;
    return env.template(entry.spec as never) as CompiledTemplate;
  };

  const cache = new Map<string, { readonly source: string; readonly compiled: CompiledTemplate }>();
  return {
    env,
    template(file, source) {
      const cached = cache.get(file);
      if (cached && cached.source === source) return cached.compiled;
      const compiled = precompiled(file, source) ?? compileFresh(source);
      cache.set(file, { source, compiled });
      return compiled;
    },
  };
}

/** A bundle compiled with other options is not ours to use. */
function usable(bundle: PrecompiledBundle | null): PrecompiledBundle | undefined {
  if (!bundle || typeof bundle.templates !== 'object' || bundle.templates === null) return undefined;
  return JSON.stringify(bundle.options) === JSON.stringify(COMPILE_OPTIONS) ? bundle : undefined;
}

async function loadDefaultBundle(): Promise<PrecompiledBundle | undefined> {
  if (!existsSync(fileURLToPath(DEFAULT_BUNDLE_URL))) return undefined;
  return usable((await import(DEFAULT_BUNDLE_URL.href)) as PrecompiledBundle);
}
