// The version order update relies on to refuse moving a project backwards (--to, --preset): semver
// precedence, pre-releases before their release, and "not comparable" for anything but an exact version.
import { describe, expect, it } from 'vitest';
import { compareVersions, isExactVersion } from '../../src/update/generators.js';

describe('compareVersions', () => {
  it('orders exact versions as semver does', () => {
    const ordered = ['0.0.9', '0.0.10', '0.1.0-alpha', '0.1.0-alpha.2', '0.1.0-alpha.10', '0.1.0-beta', '0.1.0', '0.10.0', '1.0.0'];
    for (let i = 0; i < ordered.length - 1; i++) {
      const [a, b] = [ordered[i] as string, ordered[i + 1] as string];
      expect(compareVersions(a, b), `${a} < ${b}`).toBeLessThan(0);
      expect(compareVersions(b, a), `${b} > ${a}`).toBeGreaterThan(0);
    }
    expect(compareVersions('1.2.3', '1.2.3+build.5')).toBe(0);
  });

  it('is undefined for ranges, tags and empty strings', () => {
    for (const v of ['^1.0.0', 'latest', '', '1.0', 'v1.0.0']) {
      expect(isExactVersion(v), v).toBe(false);
      expect(compareVersions(v, '1.0.0'), v).toBeUndefined();
    }
  });
});
