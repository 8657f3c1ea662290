/**
 * The data templates see. Built from the ProjectSpec alone, with every flag a template may test
 * spelled out, so handlebars runs in strict mode: a typo in a template is an error, not an empty string.
 */
import { servesHttp } from '../options/options.js';
import type { ProjectSpec } from '../options/project-spec.js';

export interface TemplateContext {
  readonly name: string;
  readonly spec: ProjectSpec;
  readonly has: Readonly<Record<
    'stdio' | 'http' | 'files' | 'fetch' | 'notes' | 'storage' | 'sqlite' | 'postgres' | 'apiKey' | 'oauth' | 'redis',
    boolean
  >>;
  readonly generatorVersion: string;
}

export function templateContext(spec: ProjectSpec, generatorVersion: string): TemplateContext {
  const tools: readonly string[] = spec.tools;
  const transport: string = spec.transport;
  const auth: string = spec.auth;
  const storage: string = spec.storage;
  const store: string = spec.rateLimitStore;
  return {
    name: spec.name,
    spec,
    has: {
      stdio: transport === 'stdio' || transport === 'both',
      http: servesHttp(transport),
      files: tools.includes('files'),
      fetch: tools.includes('fetch'),
      notes: tools.includes('notes'),
      storage: storage !== 'none',
      sqlite: storage === 'sqlite',
      postgres: storage === 'postgres',
      apiKey: auth === 'api-key',
      oauth: auth === 'oauth',
      redis: store === 'redis',
    },
    generatorVersion,
  };
}
