/**
 * ProjectSpec → Plan. Lists the template folders of the features that apply and maps each template
 * file to its destination: `.hbs` is rendered and stripped, a leading `_` of a segment becomes `.`
 * (npm drops .gitignore from packages). A folder's `sections/` is not copied: its files fill the slots
 * of the shared file they are named after. Files several features contribute to are built in code from
 * the features' declared contributions (shared-files.ts). Two features claiming one path is a bug,
 * refused loudly.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { FEATURES } from '../features/index.js';
import type { Feature, FeatureEnv } from '../features/types.js';
import type { ProjectSpec, RunOptions } from '../options/project-spec.js';
import { packageManagerInfo } from '../package-managers.js';
import type { Plan, PlannedFile, PlannedSection, PostStep } from './plan-types.js';
import { assertSafeRelativePath } from './safe-path.js';
import { buildSharedFiles, type Contribution } from './shared-files.js';
import { TEMPLATES_DIR } from './templates-dir.js';

const SECRET_MODE = 0o600;
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
/** Reserved folder of a feature's template folder: slot contributions, never copied. */
export const SECTIONS_DIR = 'sections';

export interface PlanOptions {
  readonly templatesDir?: string;
  readonly features?: readonly Feature[];
}

export async function planProject(spec: ProjectSpec, run: Pick<RunOptions, 'install' | 'git'>, env: FeatureEnv, options: PlanOptions = {}): Promise<Plan> {
  const templatesDir = options.templatesDir ?? TEMPLATES_DIR;
  const features = (options.features ?? FEATURES).filter((feature) => feature.applies(spec));
  const files = new Map<string, PlannedFile & { feature: string }>();
  const sections: PlannedSection[] = [];

  const add = (file: PlannedFile, feature: string): void => {
    assertSafeRelativePath(file.path);
    const existing = files.get(file.path);
    if (existing) {
      throw new CliError('INTERNAL', `Features "${existing.feature}" and "${feature}" both write ${file.path}.`);
    }
    files.set(file.path, { ...file, feature });
  };
  const addComputed = (computed: { path: string; content: string; secret?: boolean | undefined }, feature: string): void => {
    const secret = computed.secret === true;
    add({ path: computed.path, source: { kind: 'content', content: computed.content }, mode: secret ? SECRET_MODE : FILE_MODE, secret }, feature);
  };

  // Synchronous on purpose: a dozen small folders are listed faster than the promise round trips.
  const listings = features.map((feature) => (feature.templateDir === undefined ? [] : listFiles(path.join(templatesDir, feature.templateDir))));
  const contributions: Contribution[] = [];
  features.forEach((feature, i) => {
    if (feature.templateDir !== undefined) {
      const root = path.join(templatesDir, feature.templateDir);
      for (const relative of listings[i] ?? []) {
        const render = relative.endsWith('.hbs');
        const file = path.join(root, ...relative.split('/'));
        if (relative.startsWith(`${SECTIONS_DIR}/`)) {
          const target = destinationOf(relative.slice(SECTIONS_DIR.length + 1));
          sections.push({ target, feature: feature.id, file, render });
          continue;
        }
        const destination = destinationOf(relative);
        add({ path: destination, source: { kind: 'template', file, render }, mode: destination.endsWith('.sh') ? EXECUTABLE_MODE : FILE_MODE, secret: false }, feature.id);
      }
    }
    for (const computed of feature.computedFiles?.(spec, env) ?? []) addComputed(computed, feature.id);
    if (feature.contributions) contributions.push({ feature: feature.id, contributes: feature.contributions(spec, env) });
  });

  const shared = buildSharedFiles(spec, contributions, packageManagerInfo(spec.packageManager));
  for (const file of shared.files) addComputed(file, 'shared');

  const postSteps: PostStep[] = [];
  if (run.install) postSteps.push('install', 'build');
  if (run.git) postSteps.push('git');

  const ordered = [...files.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ feature: _feature, ...file }) => file);
  return { files: ordered, postSteps, features: features.map((f) => f.id), sections, slotTexts: shared.slots };
}

/** `_gitignore` → `.gitignore`, `src/config.ts.hbs` → `src/config.ts`. */
export function destinationOf(templatePath: string): string {
  const withoutHbs = templatePath.endsWith('.hbs') ? templatePath.slice(0, -'.hbs'.length) : templatePath;
  return withoutHbs
    .split('/')
    .map((segment) => (segment.startsWith('_') ? `.${segment.slice(1)}` : segment))
    .join('/');
}

/** Every regular file below root as a sorted POSIX path; a missing folder is a packaging bug. */
function listFiles(root: string): string[] {
  let entries;
  try {
    entries = readdirSync(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new CliError('INTERNAL', `Template folder missing: ${root}.`, { cause: error, hint: 'The package is incomplete; reinstall create-secure-mcp.' });
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
