// Projects for `check`'s tests, rendered in memory: a generated project of any spec (every option
// combination passes check), and copies with one file changed (a fixture that breaks exactly one item).
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { projectFromFiles } from '../../src/check/project-view.js';
import type { CheckContext, Outcome, ProjectView, Rule } from '../../src/check/types.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';

export const DEFAULT_SPEC: ProjectSpec = Object.freeze({
  name: 'srv',
  transport: 'both',
  auth: 'api-key',
  storage: 'sqlite',
  tools: Object.freeze(['files', 'notes']),
  rateLimitStore: 'memory',
  packageManager: 'npm',
}) as ProjectSpec;

let counter = 0;
const env = () => ({ generatorVersion: '0.0.0-test', randomBytes: (n: number) => Buffer.alloc(n, ++counter % 200), now: new Date(0) });

/** Path → content of a project generated from `spec` (nothing written to disk). */
export async function renderedFiles(spec: Partial<ProjectSpec> = {}): Promise<Map<string, Buffer>> {
  const full = { ...DEFAULT_SPEC, ...spec } as ProjectSpec;
  const plan = await planProject(full, { install: false, git: false }, env());
  const files = await renderPlan(plan, full, '0.0.0-test');
  return new Map(files.map((f) => [f.path, f.content]));
}

/** A copy of `files` with each given path set to new content (a string), or removed (null). */
export function changed(files: ReadonlyMap<string, Buffer>, edits: Record<string, string | null | ((text: string) => string)>): Map<string, Buffer> {
  const copy = new Map(files);
  for (const [file, edit] of Object.entries(edits)) {
    if (edit === null) copy.delete(file);
    else if (typeof edit === 'function') {
      const before = copy.get(file);
      if (before === undefined) throw new Error(`fixture: ${file} is not in the project`);
      const after = edit(before.toString('utf8'));
      if (after === before.toString('utf8')) throw new Error(`fixture: the edit of ${file} changed nothing`);
      copy.set(file, Buffer.from(after));
    } else copy.set(file, Buffer.from(edit));
  }
  return copy;
}

export function view(files: ReadonlyMap<string, Buffer | string>): ProjectView {
  return projectFromFiles(files);
}

/** A context for in-memory runs: offline, no key, no commands. */
export function offlineContext(overrides: Partial<CheckContext> = {}): CheckContext {
  return { now: new Date('2026-12-02T00:00:00Z'), offline: true, auditKey: undefined, ...overrides };
}

export async function outcome(rule: Rule, files: ReadonlyMap<string, Buffer | string>, context: CheckContext = offlineContext()): Promise<Outcome> {
  return rule.run(view(files), context);
}
