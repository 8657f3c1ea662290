/**
 * What a feature is: a folder of templates/ and, when it needs one, files computed in code. One file
 * per feature under src/features/, in the style of create-t3-app's installers.
 */
import type { ProjectSpec } from '../options/project-spec.js';

export interface ComputedFile {
  readonly path: string;
  readonly content: string;
  readonly secret?: boolean;
}

export interface FeatureEnv {
  readonly generatorVersion: string;
  /** Cryptographically random bytes. Injected so tests can make runs repeatable. */
  readonly randomBytes: (count: number) => Buffer;
  readonly now: Date;
}

export interface Feature {
  readonly id: string;
  /** Folder under templates/ whose files this feature adds; omitted when it only computes files. */
  readonly templateDir?: string;
  applies(spec: ProjectSpec): boolean;
  computedFiles?(spec: ProjectSpec, env: FeatureEnv): readonly ComputedFile[];
}
