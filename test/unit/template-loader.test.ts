// The template loader: a precompiled bundle entry is used only for the exact source it was compiled
// from; anything else (an edited template, a new one, one outside templates/, a bundle compiled with
// other options) is compiled from its current text — with the same options (no escaping, strict).
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMPILE_OPTIONS,
  createTemplateLoader,
  type PrecompiledBundle,
  sourceHash,
  templateKey,
  type TemplateSpec,
} from '../../src/generate/template-loader.js';
import { TEMPLATES_DIR } from '../../src/generate/templates-dir.js';

const Handlebars = createRequire(import.meta.url)('handlebars') as typeof import('handlebars');

/** What scripts/precompile-templates.mjs puts into the bundle for `text`, as an object. */
function specOf(text: string, options: object = COMPILE_OPTIONS): TemplateSpec {
  return new Function(`return ${Handlebars.precompile(text, { ...options }) as unknown as string};`)() as TemplateSpec;
}

const FILE = path.join(TEMPLATES_DIR, 'base', 'sections', 'example.md.hbs');
const KEY = 'base/sections/example.md.hbs';
const SOURCE = 'Hello {{name}} {{shout name}}\n';

/** A bundle whose entry for FILE was compiled from `compiledFrom` but claims the hash of `hashOf`. */
function bundleFor(compiledFrom: string, hashOf: string, options: unknown = COMPILE_OPTIONS): PrecompiledBundle {
  return { options, templates: { [KEY]: { hash: sourceHash(hashOf), spec: specOf(compiledFrom) } } };
}

async function render(bundle: PrecompiledBundle | null, file = FILE, source = SOURCE, context: unknown = { name: 'a<b>&"c"' }): Promise<string> {
  const loader = await createTemplateLoader({ bundle });
  loader.env.registerHelper('shout', (value: unknown) => String(value).toUpperCase());
  return loader.template(file, source)(context);
}

describe('createTemplateLoader', () => {
  it('keys entries by the path below templates/, with /', () => {
    expect(templateKey(FILE)).toBe(KEY);
    expect(templateKey(path.join(TEMPLATES_DIR, '..', 'x.hbs'))).toBeUndefined();
    expect(templateKey(TEMPLATES_DIR)).toBeUndefined();
  });

  it('a fresh template renders: without a bundle it is compiled, unescaped, with the helpers of env', async () => {
    expect(await render(null)).toBe('Hello a<b>&"c" A<B>&"C"\n');
  });

  it('uses the bundle entry when the source hashes the same', async () => {
    // The entry's spec says PRECOMPILED, so the output shows which path ran.
    const bundle = bundleFor('PRECOMPILED {{name}} {{shout name}}\n', SOURCE);
    expect(await render(bundle)).toBe('PRECOMPILED a<b>&"c" A<B>&"C"\n');
  });

  it('a stale bundle entry is not used: an edited template is compiled from its current text', async () => {
    const bundle = bundleFor('STALE {{name}}\n', 'Hello {{name}}, as it was at build time\n');
    expect(await render(bundle)).toBe('Hello a<b>&"c" A<B>&"C"\n');
  });

  it('ignores a bundle compiled with other options, and entries for other files', async () => {
    expect(await render(bundleFor('STALE\n', SOURCE, { noEscape: false, strict: true }))).toBe('Hello a<b>&"c" A<B>&"C"\n');
    const outside = path.join(path.dirname(TEMPLATES_DIR), 'elsewhere', KEY);
    expect(await render(bundleFor('STALE\n', SOURCE), outside)).toBe('Hello a<b>&"c" A<B>&"C"\n');
    const other = path.join(TEMPLATES_DIR, 'base', 'other.md.hbs');
    expect(await render(bundleFor('STALE\n', SOURCE), other)).toBe('Hello a<b>&"c" A<B>&"C"\n');
  });

  it('strict lookups on both paths: a misspelt variable throws', async () => {
    const source = 'Hi {{nmae}}\n';
    await expect(render(null, FILE, source)).rejects.toThrow(/"nmae" not defined/);
    await expect(render(bundleFor(source, source), FILE, source)).rejects.toThrow(/"nmae" not defined/);
  });

  it('a template edited while a loader lives is compiled again', async () => {
    const loader = await createTemplateLoader({ bundle: null });
    expect(loader.template(FILE, 'one {{name}}')({ name: 'x' })).toBe('one x');
    expect(loader.template(FILE, 'two {{name}}')({ name: 'x' })).toBe('two x');
  });

  it('string partials compile on the runtime environment, with the same options', async () => {
    const loader = await createTemplateLoader({ bundle: bundleFor('[{{> part}}]', SOURCE) });
    loader.env.registerPartial('part', '{{name}}');
    expect(loader.template(FILE, SOURCE)({ name: '<x>' })).toBe('[<x>]');
    expect(() => loader.template(FILE, SOURCE)({})).toThrow(/"name" not defined/);
  });
});
