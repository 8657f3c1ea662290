import { describe, expect, it } from 'vitest';
import { packageNameProblem, toPackageName } from '../../src/options/package-name.js';

describe('packageNameProblem', () => {
  it.each(['my-server', '@acme/mcp-files', 'a', 'x.y_z', 'srv2'])('accepts %s', (name) => {
    expect(packageNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['My-Server', 'capital'],
    ['.hidden', 'start'],
    ['_under', 'start'],
    ['has space', 'URL-safe'],
    ['a/b', 'URL-safe'],
    ['@scope', 'scoped'],
    ['@scope/', 'scoped'],
    ['../evil', 'start'],
    ['fs', 'core module'],
    ['node_modules', 'reserved'],
    ['bad*name', '~'],
    ['x'.repeat(215), 'longer'],
  ])('refuses %j (%s)', (name, reason) => {
    expect(packageNameProblem(name)).toContain(reason);
  });
});

describe('toPackageName', () => {
  it('turns folder names into valid package names', () => {
    expect(toPackageName('My Server')).toBe('my-server');
    expect(toPackageName('__init')).toBe('init');
    expect(toPackageName('Ünïcode Tool')).toBe('n-code-tool');
  });
  it('gives up when nothing valid is left', () => {
    expect(toPackageName('...')).toBeUndefined();
    expect(toPackageName('http')).toBeUndefined();
  });
});
