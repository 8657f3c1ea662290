// Project items (ignore files, image, Node line, preset locks): every generated project passes them; a
// fixture that breaks one item fails that item only (among the project, supply-chain and CI items); the
// Node line table is judged by the run's date.
import { beforeAll, describe, expect, it } from 'vitest';
import { engineLowerBounds, majorOf, nodeLineStatus } from '../../src/check/node-lines.js';
import { RULES as CI_RULES } from '../../src/check/rules/ci.js';
import { RULES as PROJECT_RULES } from '../../src/check/rules/project.js';
import { RULES as SUPPLY_RULES } from '../../src/check/rules/supply-chain.js';
import type { CheckContext, Rule } from '../../src/check/types.js';
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';
import type { PresetRecord } from '../../src/presets/preset-types.js';
import { PACKAGE_MANAGER_SPECS, DEFAULT_SPEC, changed, failingIds, offlineContext, outcome, renderedSpecs, ruleById } from '../support/check-fixtures.js';

type Files = Map<string, Buffer>;
const MINE: readonly Rule[] = [...PROJECT_RULES, ...SUPPLY_RULES, ...CI_RULES];
const rule = (id: string): Rule => ruleById(MINE, id);

const PRESET: PresetRecord = {
  name: '@acme/mcp-preset',
  version: '1.2.0',
  hash: `sha256:${'0'.repeat(64)}`,
  locked: ['transport', 'storage', 'package-manager'],
  options: { transport: 'both', storage: 'sqlite', 'package-manager': 'npm' },
  addTool: {},
};

/** A project generated with a team preset (secure-mcp.json records it), as `create --preset` makes it. */
async function renderedWithPreset(): Promise<Files> {
  const spec = { ...DEFAULT_SPEC } as ProjectSpec;
  const env = { generatorVersion: '0.0.0-test', randomBytes: (n: number) => Buffer.alloc(n, 7), now: new Date(0), preset: PRESET };
  const plan = await planProject(spec, { install: false, git: false }, env);
  const files = await renderPlan(plan, spec, '0.0.0-test');
  return new Map(files.map((f) => [f.path, f.content]));
}

const SPECS: Record<string, Partial<ProjectSpec>> = { ...PACKAGE_MANAGER_SPECS, 'generated on Node 20': { nodeFloor: 20 } };

let rendered: Awaited<ReturnType<typeof renderedSpecs>>;
beforeAll(async () => {
  rendered = await renderedSpecs(SPECS);
  rendered.set('preset-recorded', await renderedWithPreset());
});
const files = (label: string): Files => rendered.get(label);

/** Ids of my items that fail on `project`. */
const failing = (project: Files, context?: CheckContext): Promise<string[]> => failingIds(MINE, project, context);

/**
 * A project generated on Node >= 22.12 (nodeFloor 22) says engines.node ">=22.12" and passes SMCP-NODE-001.
 * One generated on Node 20 says ">=20.12", which is true for its pins and allows an end-of-life line: it
 * warns, naming engines.
 */
function expectedNodeStatus(label: string): 'pass' | 'warn' {
  return SPECS[label]?.nodeFloor === 20 ? 'warn' : 'pass';
}

describe('generated projects pass every project item', () => {
  for (const label of [...Object.keys(SPECS), 'preset-recorded']) {
    it(label, async () => {
      const project = files(label);
      for (const r of PROJECT_RULES) {
        const result = await outcome(r, project);
        if (r.id === 'SMCP-NODE-001') {
          expect(result.status, `${r.id}: ${result.message}`).toBe(expectedNodeStatus(label));
          if (result.status === 'warn') expect(result.message).toContain('engines');
          continue;
        }
        expect(result.status, `${r.id}: ${result.message}`).toBe('pass');
        expect(result.evidence.length).toBeLessThanOrEqual(5);
      }
      // The Dockerfile and CI sides of the Node line are maintained ones, whatever engines says.
      const floor22 = expectedNodeStatus(label) === 'pass' ? project : changed(project, { 'package.json': (t) => t.replace(/"node": "[^"]*"/, '"node": ">=22.12"') });
      const node = await outcome(rule('SMCP-NODE-001'), floor22);
      expect(node.status, node.message).toBe('pass');
      expect(node.message).toContain('22, 24');
    });
  }

  it('the preset-recorded project names the preset and its locks', async () => {
    const result = await outcome(rule('SMCP-PRESET-001'), files('preset-recorded'));
    expect(result.message).toContain('@acme/mcp-preset@1.2.0');
    expect(result.message).toContain('3 locked options');
  });
});

describe('SMCP-IGNORE-001 .gitignore', () => {
  it('fails when .env.* is not covered, naming it', async () => {
    const project = changed(files('default'), { '.gitignore': (t) => t.replace(/^\.env\.\*\n/m, '') });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-001']);
    expect((await outcome(rule('SMCP-IGNORE-001'), project)).message).toContain('.env.*');
  });

  it('fails when *.key is not covered', async () => {
    const project = changed(files('pnpm'), { '.gitignore': (t) => t.replace(/^\*\.key\n/m, '') });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-001']);
  });

  it('fails when the SQLite data folder is not covered', async () => {
    const project = changed(files('default'), { '.gitignore': (t) => t.replace(/^data\/\n/m, '') });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-001']);
    expect((await outcome(rule('SMCP-IGNORE-001'), project)).message).toContain('data/app.db');
  });

  it('fails when a database file would be committed, with the file as evidence', async () => {
    const project = changed(files('default'), { 'notes-backup.db': 'SQLite format 3' });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-001']);
    const result = await outcome(rule('SMCP-IGNORE-001'), project);
    expect(result.evidence[0]?.file).toBe('notes-backup.db');
  });

  it('fails without a .gitignore', async () => {
    const project = changed(files('http+oauth+postgres+redis'), { '.gitignore': null });
    expect((await failing(project)).includes('SMCP-IGNORE-001')).toBe(true);
  });

  it('does not flag a committed public certificate or .env.example', async () => {
    const project = changed(files('default'), { 'certs/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });
    expect((await outcome(rule('SMCP-IGNORE-001'), project)).status).toBe('pass');
  });
});

describe('SMCP-IGNORE-002 .dockerignore', () => {
  it('fails when .secrets is not excluded from the build context', async () => {
    const project = changed(files('default'), { '.dockerignore': (t) => t.replace(/^\.secrets\n/m, '') });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-002']);
    expect((await outcome(rule('SMCP-IGNORE-002'), project)).message).toContain('.secrets');
  });

  it('fails without a .dockerignore when the Dockerfile copies the whole context', async () => {
    const project = changed(files('yarn'), { '.dockerignore': null });
    expect(await failing(project)).toEqual(['SMCP-IGNORE-002']);
    const result = await outcome(rule('SMCP-IGNORE-002'), project);
    expect(result.evidence[0]?.snippet).toBe('COPY . .');
  });

  it('is not applicable without a Dockerfile', async () => {
    const project = changed(files('default'), { Dockerfile: null });
    expect((await outcome(rule('SMCP-IGNORE-002'), project)).status).toBe('not-applicable');
  });
});

describe('SMCP-DOCKER-001 non-root image', () => {
  it('fails when the final stage has no USER', async () => {
    const project = changed(files('default'), { Dockerfile: (t) => t.replace(/^USER node\n/m, '') });
    expect(await failing(project)).toEqual(['SMCP-DOCKER-001']);
  });

  it('fails on USER root and passes a distroless :nonroot base', async () => {
    expect(await failing(changed(files('bun'), { Dockerfile: (t) => t.replace(/^USER node$/m, 'USER root') }))).toEqual(['SMCP-DOCKER-001']);
    const distroless = 'FROM node:24-slim AS build\nRUN npm ci\nFROM gcr.io/distroless/nodejs24-debian12:nonroot\nCOPY --from=build /app /app\nCMD ["/app/dist/index.js"]\n';
    expect((await outcome(rule('SMCP-DOCKER-001'), changed(files('default'), { Dockerfile: distroless }))).status).toBe('pass');
  });

  it('follows a final stage built on an earlier stage', async () => {
    const text = 'FROM node:24-slim AS base\nUSER node\nFROM base AS runtime\nCMD ["node", "x.js"]\n';
    expect((await outcome(rule('SMCP-DOCKER-001'), changed(files('default'), { Dockerfile: text }))).status).toBe('pass');
  });
});

describe('SMCP-DOCKER-002 no secret in the image', () => {
  it('fails on COPY .env', async () => {
    const project = changed(files('default'), { Dockerfile: (t) => t.replace(/^USER node$/m, 'COPY .env ./\nUSER node') });
    expect(await failing(project)).toEqual(['SMCP-DOCKER-002']);
    const result = await outcome(rule('SMCP-DOCKER-002'), project);
    expect(result.evidence[0]?.snippet).toBe('COPY .env ./');
    expect(result.evidence[0]?.line).toBeGreaterThan(1);
  });

  it('fails on a secret-named ENV with a literal value, and on ENV baking a build ARG', async () => {
    const literal = changed(files('pnpm'), { Dockerfile: (t) => t.replace('ENV NODE_ENV=production', 'ENV NODE_ENV=production API_TOKEN=abc123') });
    expect(await failing(literal)).toEqual(['SMCP-DOCKER-002']);
    const baked = changed(files('default'), { Dockerfile: (t) => t.replace('ENV NODE_ENV=production', 'ARG NPM_TOKEN\nENV NPM_TOKEN=${NPM_TOKEN}') });
    expect(await failing(baked)).toEqual(['SMCP-DOCKER-002']);
    const bare = changed(files('default'), { Dockerfile: (t) => t.replace('ENV NODE_ENV=production', 'ARG NPM_TOKEN\nENV NODE_ENV=production') });
    expect((await outcome(rule('SMCP-DOCKER-002'), bare)).status).toBe('pass');
  });
});

describe('SMCP-NODE-001 maintained Node line', () => {
  it('fails when the image runs an end-of-life line', async () => {
    const project = changed(files('default'), { Dockerfile: (t) => t.replace(/node:24-slim/g, 'node:20-slim') });
    expect(await failing(project)).toEqual(['SMCP-NODE-001']);
    expect((await outcome(rule('SMCP-NODE-001'), project)).message).toContain('Node 20');
  });

  it('fails when CI tests an end-of-life line, and on .nvmrc', async () => {
    const ci = changed(files('pnpm'), { '.github/workflows/ci.yml': (t) => t.replace('node: [22, 24]', 'node: [20, 22]') });
    expect(await failing(ci)).toEqual(['SMCP-NODE-001']);
    const nvmrc = changed(files('default'), { '.nvmrc': 'v18.20.4\n' });
    expect(await failing(nvmrc)).toEqual(['SMCP-NODE-001']);
    const codename = changed(files('default'), { '.nvmrc': 'lts/iron\n' });
    expect((await outcome(rule('SMCP-NODE-001'), codename)).status).toBe('fail');
  });

  it('warns when engines allows an end-of-life line', async () => {
    const project = changed(files('default'), { 'package.json': (t) => t.replace(/"node": "[^"]*"/, '"node": ">=18"') });
    const result = await outcome(rule('SMCP-NODE-001'), project);
    expect(result.status).toBe('warn');
    expect(result.message).toContain('allows an end-of-life line');
  });

  it('judges by the run date: the same Dockerfile passes before Node 20 ended and fails after', async () => {
    const project = changed(files('default'), {
      Dockerfile: (t) => t.replace(/node:24-slim/g, 'node:20-slim'),
    });
    expect(project.get('package.json')?.toString('utf8')).toContain('"node": ">=22.12"');
    const before = await outcome(rule('SMCP-NODE-001'), project, offlineContext({ now: new Date('2026-04-29T12:00:00Z') }));
    const after = await outcome(rule('SMCP-NODE-001'), project, offlineContext({ now: new Date('2026-04-30T00:00:00Z') }));
    expect(before.status).toBe('pass');
    expect(after.status).toBe('fail');
  });
});

describe('node-lines table', () => {
  it('puts each line on the right side of its end-of-life date', () => {
    const at = (iso: string) => new Date(`${iso}T00:00:00Z`);
    expect(nodeLineStatus(20, at('2026-04-29')).state).toBe('maintained');
    expect(nodeLineStatus(20, at('2026-04-30')).state).toBe('end-of-life');
    expect(nodeLineStatus(24, at('2028-04-29')).state).toBe('maintained');
    expect(nodeLineStatus(24, at('2028-05-01')).state).toBe('end-of-life');
    expect(nodeLineStatus(25, at('2026-05-31')).state).toBe('maintained');
    expect(nodeLineStatus(25, at('2026-06-01')).state).toBe('end-of-life');
    expect(nodeLineStatus(18, at('2025-04-30')).state).toBe('end-of-life');
    expect(nodeLineStatus(8, at('2020-01-01')).state).toBe('end-of-life');
    expect(nodeLineStatus(28, at('2026-12-02')).state).toBe('maintained');
  });

  it('reads version texts and engines ranges', () => {
    expect(majorOf('v20.11.1')).toBe(20);
    expect(majorOf("'22.x'")).toBe(22);
    expect(majorOf('lts/jod')).toBe(22);
    expect(majorOf('lts/*')).toBeUndefined();
    expect(majorOf('node')).toBeUndefined();
    expect(engineLowerBounds('>=20.12')).toEqual([20]);
    expect(engineLowerBounds('^22.12 || >=24')).toEqual([22, 24]);
    expect(engineLowerBounds('>=18 <23')).toEqual([18]);
    expect(engineLowerBounds('<22')).toEqual([0]);
    expect(engineLowerBounds('*')).toEqual([]);
  });
});

describe('SMCP-PRESET-001 preset locks', () => {
  it('fails when the recorded spec drifts from a locked option, naming option, values and preset', async () => {
    const project = changed(files('preset-recorded'), { 'secure-mcp.json': (t) => t.replace('"storage": "sqlite"', '"storage": "postgres"') });
    expect(await failing(project)).toEqual(['SMCP-PRESET-001']);
    const result = await outcome(rule('SMCP-PRESET-001'), project);
    expect(result.message).toContain('storage is postgres, locked to sqlite by @acme/mcp-preset@1.2.0');
    expect(result.evidence[0]?.file).toBe('secure-mcp.json');
  });

  it('checks the current team preset given with --preset', async () => {
    const context = offlineContext({ preset: { name: 'team', version: '2.0.0', options: { auth: 'oauth' }, locked: ['auth'] } });
    expect(await failing(files('default'), context)).toEqual(['SMCP-PRESET-001']);
    expect((await outcome(rule('SMCP-PRESET-001'), files('default'), context)).message).toContain('auth is api-key, locked to oauth by team@2.0.0');
    const holds = offlineContext({ preset: { name: 'team', version: '2.0.0', options: { tools: ['notes', 'files'] }, locked: ['tools'] } });
    expect((await outcome(rule('SMCP-PRESET-001'), files('default'), holds)).status).toBe('pass');
  });

  it('fails on an invalid secure-mcp.json and is not applicable to other projects', async () => {
    expect(await failing(changed(files('default'), { 'secure-mcp.json': '{"schemaVersion": 1}' }))).toEqual(['SMCP-PRESET-001']);
    expect((await outcome(rule('SMCP-PRESET-001'), changed(files('default'), { 'secure-mcp.json': 'not json' }))).status).toBe('fail');
    expect((await outcome(rule('SMCP-PRESET-001'), changed(files('default'), { 'secure-mcp.json': null }))).status).toBe('not-applicable');
  });
});

describe('odd input', () => {
  it('never throws on an empty project or garbage files', async () => {
    const garbage = new Map<string, Buffer>([
      ['package.json', Buffer.from('{"engines": {"node": 5}, "dependencies": []}')],
      ['Dockerfile', Buffer.from('FROM\nUSER\nCOPY\nENV =\nARG\nRUN <<EOF\nFROM node:8\nEOF\n')],
      ['.github/workflows/x.yml', Buffer.from('jobs:\n  - : :\n    uses:\n  run: |\n')],
      ['.nvmrc', Buffer.from('')],
      ['secure-mcp.json', Buffer.from('[]')],
    ]);
    for (const r of MINE) {
      for (const project of [new Map<string, Buffer>(), garbage]) {
        const result = await outcome(r, project);
        expect(['pass', 'fail', 'warn', 'not-applicable', 'could-not-run']).toContain(result.status);
      }
    }
  });
});
