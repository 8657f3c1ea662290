/**
 * What each package manager needs, as data: the commands a generated project's docs, next steps,
 * Dockerfile and CI workflow show, and the post-steps run. One place, so npm habits (package-lock.json,
 * `npm ci`, `npm run -s`) never leak into a pnpm, yarn or bun project.
 */
import type { PackageManager } from './options/options.js';

export interface PackageManagerInfo {
  readonly name: PackageManager;
  /** The lockfile the install writes and CI/Docker installs from. */
  readonly lockfile: string;
  /** Install for development (post-step and next steps). */
  readonly install: readonly string[];
  /** Exactly-the-lockfile install, as a shell command line (CI, Dockerfile build stage). */
  readonly frozenInstall: string;
  /** The command line that runs a package.json script, with its arguments when given. */
  run(script: string, args?: string): string;
}

export function packageManagerInfo(pm: PackageManager): PackageManagerInfo {
  switch (pm) {
    default:
      return {
        name: pm,
        lockfile: 'package-lock.json',
        install: ['install'],
        frozenInstall: 'npm ci',
        run: (script, args) => `npm run ${script}${args ? ` -- ${args}` : ''}`,
      };
  }
}
