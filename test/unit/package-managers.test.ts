// The package-manager data: each command is the one that manager really needs (verified by hand and by
// test/e2e/package-managers.test.ts); these pin the traps that are easy to lose in an edit.
import { describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS } from '../../src/options/options.js';
import { packageManagerInfo, PM_VERSIONS } from '../../src/package-managers.js';
import { GITHUB_ACTIONS } from '../../src/github-actions.js';

const ALL = PACKAGE_MANAGERS.map((choice) => choice.value);
const npm = packageManagerInfo('npm');
const pnpm = packageManagerInfo('pnpm');
const yarn = packageManagerInfo('yarn');
const bun = packageManagerInfo('bun');

describe('package managers', () => {
  it('covers every package manager the options offer', () => {
    expect([...ALL].sort()).toEqual(['bun', 'npm', 'pnpm', 'yarn']);
    for (const pm of ALL) expect(packageManagerInfo(pm).name).toBe(pm);
  });

  it('run("test") runs the project\'s test script, never a built-in test runner', () => {
    expect(npm.run('test')).toBe('npm run test');
    expect(pnpm.run('test')).toBe('pnpm run test');
    expect(yarn.run('test')).toBe('yarn run test');
    expect(bun.run('test')).toBe('bun run test'); // `bun test` is Bun's own runner
    for (const pm of ALL) {
      const info = packageManagerInfo(pm);
      expect(info.run('test')).toMatch(/ run test$/);
      expect(info.runArgs('test')).toEqual(['run', 'test']);
    }
  });

  it('script arguments: npm needs --, the others would pass a -- on to the script', () => {
    expect(npm.run('keys', 'create --name ci')).toBe('npm run keys -- create --name ci');
    expect(npm.runArgs('keys', ['list', '--json'])).toEqual(['run', 'keys', '--', 'list', '--json']);
    for (const info of [pnpm, yarn, bun]) {
      expect(info.run('keys', 'create --name ci')).toBe(`${info.command} run keys create --name ci`);
      expect(info.run('keys', 'list')).not.toContain('--');
      expect(info.runArgs('keys', ['list', '--json'])).toEqual(['run', 'keys', 'list', '--json']);
    }
  });

  it('the silent run keeps the manager off stdout', () => {
    expect(npm.runSilent('keys', 'create --name ci')).toBe('npm run -s keys -- create --name ci');
    expect(pnpm.runSilent('keys', 'list')).toBe('pnpm --silent run keys list');
    expect(yarn.runSilent('keys', 'list')).toBe('yarn run keys list'); // Yarn 4 prints nothing of its own
    expect(bun.runSilent('keys', 'list')).toBe('bun run --silent keys list');
  });

  it('lockfiles, and frozen installs that fail instead of rewriting them', () => {
    expect(ALL.map((pm) => packageManagerInfo(pm).lockfile)).toEqual(ALL.map((pm) => ({ npm: 'package-lock.json', pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock', bun: 'bun.lock' })[pm]));
    expect(npm.frozenInstall).toBe('npm ci');
    expect(pnpm.frozenInstall).toBe('pnpm install --frozen-lockfile');
    expect(yarn.frozenInstall).toBe('yarn install --immutable');
    expect(bun.frozenInstall).toBe('bun install --frozen-lockfile');
    expect(npm.productionInstall).toBe('npm ci --omit=dev');
    expect(pnpm.productionInstall).toBe('pnpm install --frozen-lockfile --prod');
    expect(bun.productionInstall).toBe('bun install --frozen-lockfile --production');
    expect(yarn.productionInstall).toContain('--production');
    for (const pm of ALL) {
      const info = packageManagerInfo(pm);
      expect(info.ci.install).toContain(info.frozenInstall);
      expect(info.docker.buildInstall).toContain(`RUN ${info.frozenInstall}`);
      expect(info.docker.buildInstall).toContain(`COPY package.json ${info.lockfile}`);
      expect(info.docker.runtimeInstall).toContain(`COPY package.json ${info.lockfile}`);
    }
  });

  it('the development install may write the lockfile, even under CI=true', () => {
    expect(npm.install).toEqual(['install']);
    expect(pnpm.install).toEqual(['install', '--no-frozen-lockfile']);
    expect(yarn.install).toEqual(['install', '--no-immutable']);
    expect(bun.install).toEqual(['install']);
  });

  it('no npm habit leaks into another manager\'s text', () => {
    for (const info of [pnpm, yarn, bun]) {
      const text = [info.frozenInstall, info.productionInstall, info.docker.buildInstall, info.ci.setup, info.ci.install, info.run('build'), info.runSilent('keys', 'list')].join('\n');
      expect(text).not.toContain('package-lock.json');
      expect(text).not.toMatch(/\bnpm (ci|run)\b/);
      expect(text).not.toContain('cache: npm');
    }
  });

  it('runtime installs skip dev dependencies and leave no caches or installer behind', () => {
    expect(npm.docker.runtimeInstall).toContain('--omit=dev');
    expect(npm.docker.runtimeInstall).toContain('npm cache clean --force');
    expect(pnpm.docker.runtimeInstall).toContain('rm -rf "$(pnpm store path)"');
    expect(yarn.docker.runtimeInstall).toContain('yarn cache clean --all');
    expect(bun.docker.runtimeInstall).toContain('npm uninstall --global bun');
    for (const pm of ALL) expect(packageManagerInfo(pm).docker.runtimeInstall).toContain(packageManagerInfo(pm).productionInstall);
  });

  it('pins the manager where corepack is the convention, and only there', () => {
    expect(pnpm.packageManagerField).toBe(`pnpm@${PM_VERSIONS.pnpm}`);
    expect(yarn.packageManagerField).toBe(`yarn@${PM_VERSIONS.yarn}`);
    expect(npm.packageManagerField).toBeUndefined();
    expect(bun.packageManagerField).toBeUndefined();
    // Node 20 runs pnpm 10 (11 needs Node 22.13), Yarn 4 and Bun 1.
    expect(PM_VERSIONS.pnpm).toMatch(/^10\.\d+\.\d+$/);
    expect(PM_VERSIONS.yarn).toMatch(/^4\.\d+\.\d+$/);
    expect(PM_VERSIONS.bun).toMatch(/^1\.\d+\.\d+$/);
    expect(pnpm.docker.setup).toBe('RUN corepack enable pnpm');
    expect(yarn.docker.setup).toBe('RUN corepack enable yarn');
    expect(bun.docker.setup).toContain(`bun@${PM_VERSIONS.bun}`);
    expect(npm.docker.setup).toBe('');
  });

  it('Yarn gets node_modules, not Plug\'n\'Play (tests and clients run node on dist/ directly)', () => {
    expect(yarn.files).toEqual([{ path: '.yarnrc.yml', content: expect.stringMatching(/^nodeLinker: node-modules$/m) }]);
    expect(yarn.docker.buildInstall).toContain('.yarnrc.yml');
    expect(yarn.gitignore).toContain('.pnp.*');
    for (const info of [npm, pnpm, bun]) expect(info.files).toEqual([]);
  });

  it('audits fail CI on high advisories, through an endpoint the registry still serves', () => {
    expect(npm.audit).toBe('npm audit --audit=true --audit-level=high');
    expect(yarn.audit).toBe('yarn npm audit --recursive --severity high');
    expect(bun.audit).toBe('bun audit --audit-level=high');
    // pnpm 10 only knows the retired endpoints: the audit runs pnpm 11 (Node 22), without switching back.
    expect(pnpm.audit).toMatch(/--package=pnpm@11\.\d+\.\d+ -- pnpm audit --audit-level high --pm-on-fail=ignore$/);
    expect(pnpm.audit).toContain('--package=node@22');
    for (const pm of ALL) {
      const info = packageManagerInfo(pm);
      expect(info.ci.audit).toBe(info.audit);
      expect(info.ci.auditStep).toContain(`run: ${info.audit}`);
    }
  });

  it('CI setup text is YAML step lines at 6 spaces, actions pinned to commit SHAs (tag in a comment), Node from the matrix', () => {
    for (const pm of ALL) {
      const { checkout, setup, auditStep } = packageManagerInfo(pm).ci;
      for (const text of [checkout, setup, auditStep]) {
        expect(text.split('\n')[0]).toMatch(/^ {6}- /);
        for (const line of text.split('\n')) expect(line).toMatch(/^ {6}(- | {2}\S| {4}\S)/);
      }
      expect(checkout).toContain(`actions/checkout@${GITHUB_ACTIONS.checkout.sha} # ${GITHUB_ACTIONS.checkout.tag}`);
      expect(checkout).toContain('persist-credentials: false');
      expect(setup).toContain(`actions/setup-node@${GITHUB_ACTIONS.setupNode.sha} # v6.`);
      expect(setup).toContain('node-version: ${{ matrix.node }}');
      const uses = [...`${checkout}\n${setup}`.matchAll(/uses: (\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(1);
      for (const [, ref, rest] of uses) {
        expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    // pnpm/action-setup comes before setup-node (whose pnpm cache needs pnpm) and takes the version from package.json.
    expect(pnpm.ci.setup.indexOf('pnpm/action-setup@')).toBeLessThan(pnpm.ci.setup.indexOf('actions/setup-node@'));
    expect(pnpm.ci.setup).not.toMatch(/^ +version:/m); // with packageManager set, action-setup@v6 refuses a second version
    expect(bun.ci.setup).toContain(`bun-version: ${PM_VERSIONS.bun}`);
    expect(yarn.ci.setup).toContain('corepack enable yarn');
  });
});
