/**
 * Plan → file contents. Handlebars renders `.hbs` templates with HTML escaping OFF (this is code, and
 * `&quot;` in TypeScript is a bug) and strict lookups ON (a misspelt variable fails the run instead of
 * rendering as nothing). Values reach code through the `json` helper, never raw interpolation.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { PROJECT_VERSIONS } from '../project-versions.js';
import type { ProjectSpec } from '../options/project-spec.js';
import type { Plan, RenderedFile } from './plan-types.js';
import { templateContext } from './template-context.js';
import { createTemplateLoader, type HandlebarsEnv } from './template-loader.js';
import { packageManagerInfo } from '../package-managers.js';


export async function renderPlan(plan: Plan, spec: ProjectSpec, generatorVersion: string): Promise<RenderedFile[]> {
  const context = templateContext(spec, generatorVersion);
  const needsHandlebars = plan.files.some((file) => file.source.kind === 'template' && file.source.render);
  const loader = needsHandlebars ? await createTemplateLoader() : undefined;
  if (loader) registerHelpers(loader.env, spec);
  // Reads run together; rendering itself is synchronous.
  const sources = await Promise.all(plan.files.map((file) => (file.source.kind === 'template' ? readFile(file.source.file) : undefined)));
  return plan.files.map((file, i): RenderedFile => {
    const { source } = file;
    let content: Buffer;
    if (source.kind === 'content') {
      content = Buffer.from(source.content, 'utf8');
    } else if (!source.render || !loader) {
      content = sources[i] as Buffer;
    } else {
      try {
        const template = (sources[i] as Buffer).toString('utf8');
        content = Buffer.from(loader.template(source.file, template)(context), 'utf8');
      } catch (error) {
        throw new CliError('INTERNAL', `Template ${file.path} failed to render: ${(error as Error).message}`, { cause: error });
      }
    }
    return { path: file.path, content, mode: file.mode, secret: file.secret };
  });
}

function registerHelpers(hb: HandlebarsEnv, spec: ProjectSpec): void {
  const pm = packageManagerInfo(spec.packageManager);
  hb.registerHelper('json', (value: unknown) => JSON.stringify(value));
  hb.registerHelper('version', (name: unknown) => {
    if (typeof name !== 'string' || !Object.hasOwn(PROJECT_VERSIONS, name)) {
      throw new Error(`no pinned version for "${String(name)}" in src/project-versions.ts`);
    }
    return PROJECT_VERSIONS[name as keyof typeof PROJECT_VERSIONS];
  });
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
}
