/**
 * The one typed object every step after resolution reads. It is frozen once resolved, so a later step
 * cannot quietly change what an earlier step validated.
 */
import type { PresetRecord } from '../presets/preset-types.js';
import type { NodeFloor } from '../project-versions.js';
import type { Auth, PackageManager, RateLimitStore, Storage, ToolName, Transport } from './options.js';

/** What the generated project is. Recorded in the project's secure-mcp.json. */
export interface ProjectSpec {
  readonly name: string;
  readonly transport: Transport;
  readonly auth: Auth;
  readonly storage: Storage;
  readonly tools: readonly ToolName[];
  readonly rateLimitStore: RateLimitStore;
  readonly packageManager: PackageManager;
  /**
   * The lowest Node line the project supports and the version column it pins (src/project-versions.ts):
   * 22 when generated on Node >= 22.12, else 20. Absent in manifests written before it existed (read as 20).
   */
  readonly nodeFloor: NodeFloor;
}

/** How this run writes it. Never recorded in the project. */
export interface RunOptions {
  /** Absolute path of the project folder. */
  readonly targetDir: string;
  readonly install: boolean;
  readonly git: boolean;
  readonly overwrite: boolean;
  readonly dryRun: boolean;
}

/** Values given by flags or a preset before any question is asked. Unvalidated strings. */
export interface SpecInput {
  name?: string | undefined;
  transport?: string | undefined;
  auth?: string | undefined;
  storage?: string | undefined;
  tools?: readonly string[] | undefined;
  rateLimitStore?: string | undefined;
  packageManager?: string | undefined;
}

/** Schema version of secure-mcp.json; bump when its shape changes. */
export const MANIFEST_SCHEMA_VERSION = 1;

export interface Manifest {
  readonly schemaVersion: number;
  readonly generatorVersion: string;
  readonly spec: ProjectSpec;
  /** The team preset the project was made with: add tool and check honour its locks and defaults. */
  readonly preset?: PresetRecord;
}
