/**
 * The data templates see. Built from the ProjectSpec and the plan's features alone, with every flag a
 * template may test spelled out (one per feature, true when the feature applies — its own `applies`
 * rule, stated once), so handlebars runs in strict mode: a typo in a template is an error, not an
 * empty string.
 */
import { FEATURE_IDS, type FeatureId } from '../features/types.js';
import type { ProjectSpec } from '../options/project-spec.js';
import { packageManagerInfo, type PackageManagerInfo } from '../package-managers.js';
import { nodeSupportText } from '../project-versions.js';

export interface TemplateContext {
  readonly name: string;
  readonly spec: ProjectSpec;
  readonly has: Readonly<Record<FeatureId, boolean>>;
  readonly generatorVersion: string;
  /** The project's package manager: its install lines for the Dockerfile and CI (`pm.docker.*`, `pm.ci.*`). */
  readonly pm: PackageManagerInfo;
  /** The README's statement of the Node lines the project runs on (its nodeFloor, its engines field). */
  readonly nodeSupport: string;
}

export function templateContext(spec: ProjectSpec, features: readonly FeatureId[], generatorVersion: string): TemplateContext {
  const has = Object.fromEntries(FEATURE_IDS.map((id) => [id, features.includes(id)])) as Record<FeatureId, boolean>;
  return { name: spec.name, spec, has, generatorVersion, pm: packageManagerInfo(spec.packageManager), nodeSupport: nodeSupportText(spec.nodeFloor) };
}
