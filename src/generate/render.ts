/**
 * Plan → file contents. Handlebars renders `.hbs` templates with HTML escaping OFF (this is code, and
 * `&quot;` in TypeScript is a bug) and strict lookups ON (a misspelt variable fails the run instead of
 * rendering as nothing). Values reach code through the `json` helper, never raw interpolation.
 * Features' section files are rendered first; their blocks fill the `{{slot}}`s of the shared files.
 */
import { readFileSync } from 'node:fs';
import { CliError } from '../errors.js';
import { packageManagerInfo } from '../package-managers.js';
import type { ProjectSpec } from '../options/project-spec.js';
import type { Plan, RenderedFile } from './plan-types.js';
import { dropEmptySlots, FileSlots, parseSections } from './slots.js';
import { type TemplateContext, templateContext } from './template-context.js';
import { createTemplateLoader, type HandlebarsEnv, type TemplateLoader } from './template-loader.js';

/** What one file's template sees: the shared context, plus the slots of that file. */
interface FileContext extends TemplateContext {
  readonly slots: FileSlots;
}

export async function renderPlan(plan: Plan, spec: ProjectSpec, generatorVersion: string): Promise<RenderedFile[]> {
  const context = templateContext(spec, plan.features, generatorVersion);
  const needsHandlebars = plan.sections.length > 0 || plan.files.some((file) => file.source.kind !== 'content' && file.source.render);
  const loader = needsHandlebars ? await createTemplateLoader() : undefined;
  if (loader) registerHelpers(loader.env, spec);
  // Synchronous reads: ~100 small files are read faster than the promise round trips would take.
  const sources = plan.files.map((file) => (file.source.kind === 'template' ? readFileSync(file.source.file) : undefined));
  const sectionSources = plan.sections.map((section) => readFileSync(section.file, 'utf8'));

  const slots = new Map<string, FileSlots>();
  const slotsOf = (file: string): FileSlots => {
    let entry = slots.get(file);
    if (!entry) {
      entry = new FileSlots(file);
      slots.set(file, entry);
    }
    return entry;
  };
  // Sections and computed slot text, merged in feature order (sections first within a feature).
  const blocks = [
    ...plan.sections.map((section, i) => ({
      feature: section.feature,
      target: section.target,
      blocks: parseSections(section.render && loader ? run(loader, section.file, sectionSources[i] as string, { ...context, slots: new FileSlots(section.file) }, section.file) : (sectionSources[i] as string), section.file),
    })),
    ...plan.slotTexts.map((text) => ({ feature: text.feature, target: text.file, blocks: [{ slot: text.slot, content: text.content }] })),
  ];
  const order = (feature: string): number => plan.features.indexOf(feature as never);
  blocks.sort((a, b) => order(a.feature) - order(b.feature));
  for (const { target, blocks: list } of blocks) {
    // A preset's verbatim replacement of a shared file takes the whole file: the features' blocks go.
    if (plan.files.some((file) => file.path === target && file.source.kind === 'preset' && !file.source.render)) continue;
    if (!plan.files.some((file) => file.path === target && file.source.kind !== 'content' && file.source.render)) {
      throw new CliError('INTERNAL', `A feature fills slots of ${target}, which is not a rendered template of this project.`);
    }
    for (const block of list) slotsOf(target).add(block.slot, block.content);
  }

  return plan.files.map((file, i): RenderedFile => {
    const { source } = file;
    let content: Buffer;
    if (source.kind === 'content') {
      content = Buffer.from(source.content, 'utf8');
    } else if (source.kind === 'preset') {
      // A preset's template may use the slots of the file it replaces; it need not use them all.
      content = source.render && loader ? Buffer.from(dropEmptySlots(run(loader, `preset:${file.path}`, source.content.toString('utf8'), { ...context, slots: slotsOf(file.path) }, `${file.path} (preset)`)), 'utf8') : source.content;
    } else if (!source.render || !loader) {
      content = sources[i] as Buffer;
    } else {
      const fileSlots = slotsOf(file.path);
      const text = run(loader, source.file, (sources[i] as Buffer).toString('utf8'), { ...context, slots: fileSlots }, file.path);
      fileSlots.assertAllUsed();
      content = Buffer.from(dropEmptySlots(text), 'utf8');
    }
    if (file.path === 'SECURITY.md' && plan.preset) content = Buffer.concat([content, Buffer.from(presetSection(plan.preset), 'utf8')]);
    return { path: file.path, content, mode: file.mode, secret: file.secret };
  });
}

/** SECURITY.md's last section when a team preset made the project: what it replaced, core files first. */
function presetSection(preset: NonNullable<Plan['preset']>): string {
  const list = (paths: readonly string[]): string => (paths.length === 0 ? 'none.\n' : `\n\n${paths.map((p) => `- \`${p}\``).join('\n')}\n`);
  const nonCore = preset.replaced.filter((p) => !preset.core.includes(p));
  return [
    '',
    '## Team preset',
    '',
    `This project was made with the team preset \`${preset.name}@${preset.version}\` (content hash \`${preset.hash}\`, recorded in`,
    '`secure-mcp.json`). The controls above are the generator\'s; where the preset replaced a file, the',
    'preset\'s version is what runs, and a reviewer should read it instead.',
    '',
    `**Security core files replaced by the preset** (\`allowCoreOverrides\`): ${list(preset.core)}`,
    `**Other generated files replaced by the preset:** ${list(nonCore)}`,
    `**Files the preset adds:** ${list(preset.added)}`,
  ].join('\n');
}

/**
 * One template at a time, outside a plan (`add tool`): the same loader (precompiled when unchanged, else
 * compiled with noEscape and strict), the same helpers. A template outside templates/ (a project's
 * override) is always compiled from its text. `data` is the whole context: strict lookups see only it.
 */
export async function createRenderer(spec: ProjectSpec): Promise<(file: string, source: string, data: object, label: string) => string> {
  const loader = await createTemplateLoader();
  registerHelpers(loader.env, spec);
  return (file, source, data, label) => run(loader, file, source, data as FileContext, label);
}

function run(loader: TemplateLoader, file: string, source: string, context: FileContext, label: string): string {
  try {
    return loader.template(file, source)(context);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('INTERNAL', `Template ${label} failed to render: ${(error as Error).message}`, { cause: error });
  }
}

interface HelperOptions {
  readonly hash: Record<string, unknown>;
  readonly data: { readonly root: FileContext };
  /** Present in block form: renders the block's own content (the fallback). */
  readonly fn?: (context: unknown) => string;
}

function registerHelpers(hb: HandlebarsEnv, spec: ProjectSpec): void {
  const pm = packageManagerInfo(spec.packageManager);
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item));
  // Variadic boolean helpers: handlebars passes its options object last.
  hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hb.registerHelper('not', (value: unknown) => !value);
  // {{run "test"}} / {{run "keys" "create --name ci"}}: the project's package manager runs a script.
  hb.registerHelper('run', (...args: unknown[]) => {
    const [script, scriptArgs] = args.slice(0, -1);
    if (typeof script !== 'string') throw new Error('run needs a script name');
    return pm.run(script, typeof scriptArgs === 'string' ? scriptArgs : undefined);
  });
  // {{slot "name"}}, {{slot "name" inline=true}}, {{#slot "name"}}fallback{{/slot}}: what the features
  // put into this file (slots.ts).
  hb.registerHelper('slot', function (this: unknown, name: unknown, options: HelperOptions) {
    if (typeof name !== 'string') throw new Error('slot needs a name');
    const { slots } = options.data.root;
    if (options.fn) return slots.fillBlock(name) ?? options.fn(this);
    return slots.fill(name, options.hash.inline === true);
  });
}
