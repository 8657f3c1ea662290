// CI items: every generated workflow pins its actions to commit SHAs, limits the token and keeps secrets
// out of scripts and logs; a workflow breaking one of them fails that item only.
import { beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS } from '../../src/github-actions.js';
import { parseYamlLines, RULES as CI_RULES } from '../../src/check/rules/ci.js';
import { RULES as PROJECT_RULES } from '../../src/check/rules/project.js';
import { RULES as SUPPLY_RULES } from '../../src/check/rules/supply-chain.js';
import type { CheckContext, Rule } from '../../src/check/types.js';
import { PACKAGE_MANAGER_SPECS, changed, failingIds, outcome, renderedSpecs, ruleById } from '../support/check-fixtures.js';

type Files = Map<string, Buffer>;
const MINE: readonly Rule[] = [...PROJECT_RULES, ...SUPPLY_RULES, ...CI_RULES];
const rule = (id: string): Rule => ruleById(MINE, id);
const WF = '.github/workflows/ci.yml';

const SPECS = PACKAGE_MANAGER_SPECS;

let rendered: Awaited<ReturnType<typeof renderedSpecs>>;
beforeAll(async () => {
  rendered = await renderedSpecs(SPECS);
});
const files = (label: string): Files => rendered.get(label);

/** Ids of my items that fail on `project`. */
const failing = (project: Files, context?: CheckContext): Promise<string[]> => failingIds(MINE, project, context);

/** Adds a step at the end of the generated workflow's steps. */
const addStep = (step: string) => (text: string) => `${text.trimEnd()}\n${step}\n`;

describe('generated workflows pass every CI item', () => {
  for (const label of Object.keys(SPECS)) {
    it(label, async () => {
      for (const r of CI_RULES) {
        const result = await outcome(r, files(label));
        expect(result.status, `${r.id}: ${result.message}`).toBe('pass');
      }
      const text = files(label).get(WF)?.toString('utf8') ?? '';
      expect(text).toContain(`actions/checkout@${GITHUB_ACTIONS.checkout.sha} # ${GITHUB_ACTIONS.checkout.tag}`);
      expect(text).toContain('node: [22, 24]');
      expect(text).not.toMatch(/pin to a commit SHA/);
      if (label === 'pnpm') expect(text).toContain(`pnpm/action-setup@${GITHUB_ACTIONS.pnpmSetup.sha}`);
      if (label === 'bun') expect(text).toContain(`oven-sh/setup-bun@${GITHUB_ACTIONS.setupBun.sha}`);
    });
  }

  it('are not applicable without workflows', async () => {
    for (const r of CI_RULES) expect((await outcome(r, changed(files('default'), { [WF]: null }))).status).toBe('not-applicable');
  });
});

describe('SMCP-CI-001 pinned actions', () => {
  it('fails an action on a tag, naming it', async () => {
    const project = changed(files('default'), { [WF]: (t) => t.replace(`actions/checkout@${GITHUB_ACTIONS.checkout.sha} # ${GITHUB_ACTIONS.checkout.tag}`, 'actions/checkout@v6') });
    expect(await failing(project)).toEqual(['SMCP-CI-001']);
    const result = await outcome(rule('SMCP-CI-001'), project);
    expect(result.message).toContain('actions/checkout@v6');
    expect(result.evidence[0]).toMatchObject({ file: WF, snippet: '- uses: actions/checkout@v6' });
  });

  it('fails a branch and a docker:// tag, passes a digest and a local action', async () => {
    const branch = changed(files('pnpm'), { [WF]: addStep('      - uses: someone/action@main') });
    expect(await failing(branch)).toEqual(['SMCP-CI-001']);
    const dockerTag = changed(files('default'), { [WF]: addStep('      - uses: docker://alpine:3.20') });
    expect(await failing(dockerTag)).toEqual(['SMCP-CI-001']);
    const fine = changed(files('default'), { [WF]: addStep(`      - uses: docker://alpine@sha256:${'a'.repeat(64)}\n      - uses: ./.github/actions/local`) });
    expect((await outcome(rule('SMCP-CI-001'), fine)).status).toBe('pass');
  });
});

describe('SMCP-CI-002 token permissions', () => {
  it('fails without top-level permissions', async () => {
    const project = changed(files('default'), { [WF]: (t) => t.replace('permissions:\n  contents: read\n', '') });
    expect(await failing(project)).toEqual(['SMCP-CI-002']);
  });

  it('fails on write-all, passes when every job sets its own permissions', async () => {
    const writeAll = changed(files('yarn'), { [WF]: (t) => t.replace('permissions:\n  contents: read\n', 'permissions: write-all\n') });
    expect(await failing(writeAll)).toEqual(['SMCP-CI-002']);
    const perJob = changed(files('default'), { [WF]: (t) => t.replace('permissions:\n  contents: read\n', '').replace('    runs-on: ubuntu-latest', '    runs-on: ubuntu-latest\n    permissions:\n      contents: read') });
    expect((await outcome(rule('SMCP-CI-002'), perJob)).status).toBe('pass');
  });
});

describe('SMCP-CI-003 secrets in scripts and logs', () => {
  it('fails on ${{ secrets.* }} interpolated into a run script', async () => {
    const project = changed(files('default'), { [WF]: addStep('      - name: Publish\n        run: npm publish --token ${{ secrets.NPM_TOKEN }}') });
    expect(await failing(project)).toEqual(['SMCP-CI-003']);
    expect((await outcome(rule('SMCP-CI-003'), project)).evidence[0]?.snippet).toContain('secrets.NPM_TOKEN');
  });

  it('fails on echoing a secret from env, and on set -x with a secret in env (block scripts)', async () => {
    const echo = changed(files('bun'), { [WF]: addStep('      - name: Debug\n        env:\n          TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n        run: |\n          echo "token is $TOKEN"') });
    expect(await failing(echo)).toEqual(['SMCP-CI-003']);
    const xtrace = changed(files('default'), { [WF]: addStep('      - name: Deploy\n        env:\n          API_KEY: ${{ secrets.API_KEY }}\n        run: |\n          set -euxo pipefail\n          ./deploy.sh') });
    expect(await failing(xtrace)).toEqual(['SMCP-CI-003']);
  });

  it('passes a secret piped to a command, masked, or used in a step without it in scope', async () => {
    const fine = changed(files('default'), {
      [WF]: addStep(
        [
          '      - name: Login',
          '        env:',
          '          TOKEN: ${{ secrets.REGISTRY_TOKEN }}',
          '        run: |',
          '          echo "::add-mask::$TOKEN"',
          '          echo "$TOKEN" | docker login ghcr.io -u me --password-stdin',
          '      - name: Other step',
          '        run: |',
          '          set -x',
          '          echo "$TOKEN"',
        ].join('\n'),
      ),
    });
    const result = await outcome(rule('SMCP-CI-003'), fine);
    expect(result.status, result.message).toBe('pass');
  });
});

describe('workflow scanner', () => {
  it('tracks keys, sequence items and block scalars with their lines', () => {
    const entries = parseYamlLines('jobs:\n  a:\n    steps:\n      - uses: x/y@v1 # tag\n      - run: |\n          echo hi\n          echo "a: b"\n        env:\n          K: v\n');
    const uses = entries.find((e) => e.key === 'uses');
    expect(uses).toMatchObject({ line: 4, value: 'x/y@v1' });
    const run = entries.find((e) => e.key === 'run');
    expect(run?.block?.map((l) => l.line)).toEqual([6, 7]);
    const env = entries.find((e) => e.key === 'K');
    expect(env?.path.slice(0, 3)).toEqual(['jobs', 'a', 'steps']);
    expect(env?.path.slice(-2)).toEqual(['env', 'K']);
    expect(env?.path[3]).toBe(run?.path[3]);
  });
});
