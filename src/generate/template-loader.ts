/**
 * Where compiled templates come from. Today: handlebars compiles each `.hbs` source on first use, with
 * HTML escaping off (this is code, and `&quot;` in TypeScript is a bug) and strict lookups on (a
 * misspelt variable fails the run instead of rendering as nothing). render.ts registers its helpers on
 * `env` and asks `template()` for each file; nothing else depends on how templates are compiled.
 */
type HandlebarsModule = typeof import('handlebars');
export type HandlebarsEnv = ReturnType<HandlebarsModule['create']>;
export type CompiledTemplate = (context: unknown) => string;

export interface TemplateLoader {
  /** The handlebars environment the helpers are registered on. */
  readonly env: HandlebarsEnv;
  /** The compiled template of `file` (absolute path under templates/); `source` is its text. */
  template(file: string, source: string): CompiledTemplate;
}

export async function createTemplateLoader(): Promise<TemplateLoader> {
  const env = (await import('handlebars')).default.create();
  const cache = new Map<string, CompiledTemplate>();
  return {
    env,
    template(file, source) {
      let compiled = cache.get(file);
      if (!compiled) {
        compiled = env.compile(source, { noEscape: true, strict: true });
        cache.set(file, compiled);
      }
      return compiled;
    },
  };
}
