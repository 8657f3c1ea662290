// A project states and pins the Node lines of its versions column: engines, README, the pinned majors,
// the one module that knows where Kysely keeps its migration API, and whether better-sqlite3 may run an
// install script. Guards against a project generated on Node 22+ that still says (or pins for) Node 20.
import { describe, expect, it } from 'vitest';
import { renderedFiles } from '../support/check-fixtures.js';

interface Pkg {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

async function project(nodeFloor: 20 | 22) {
  const files = await renderedFiles({ nodeFloor, storage: 'sqlite' });
  const text = (name: string): string => files.get(name)?.toString('utf8') ?? '';
  return { pkg: JSON.parse(text('package.json')) as Pkg, text };
}

describe('the versions column a project is generated with', () => {
  it('generated on Node >= 22.12: engines >=22.12, current majors, no install script, kysely/migration', async () => {
    const { pkg, text } = await project(22);
    expect(pkg.engines.node).toBe('>=22.12');
    expect(pkg.dependencies['kysely']).toMatch(/^0\.29\./);
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^13\./);
    expect(pkg.devDependencies['vitest']).toMatch(/^5\./);
    expect(pkg.devDependencies['@types/node']).toMatch(/^22\./);
    expect(pkg.allowScripts).toBeUndefined();
    expect(text('src/storage/kysely-migration.ts')).toContain("from 'kysely/migration'");
    expect(text('README.md')).toContain('Runs on Node.js 22.12 or later');
    expect(text('README.md')).not.toContain('Node 20');
    expect(JSON.parse(text('secure-mcp.json')).spec.nodeFloor).toBe(22);
  });

  it('generated on Node 20: engines >=20.12, the last versions that run on 20, and says Node 20 is end of life', async () => {
    const { pkg, text } = await project(20);
    expect(pkg.engines.node).toBe('>=20.12');
    expect(pkg.dependencies['kysely']).toMatch(/^0\.28\./);
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^12\./);
    expect(pkg.devDependencies['vitest']).toMatch(/^4\./);
    expect(pkg.devDependencies['@types/node']).toMatch(/^20\./);
    expect(pkg.allowScripts).toEqual({ [`better-sqlite3@${pkg.dependencies['better-sqlite3']}`]: true });
    expect(text('src/storage/kysely-migration.ts')).toContain("from 'kysely';");
    expect(text('README.md')).toContain('Runs on Node.js 20.12 or later');
    expect(text('README.md')).toContain('end of life since 2026-04-30');
  });
});
