// The two-column versions map: the column follows the Node version the generator runs on, and each
// column's pins are what that column promises (Node 20 keeps the last versions that run there).
import { describe, expect, it } from 'vitest';
import { NODE_FLOORS, nodeFloorFor, nodeSupportText, pinnedVersion, PROJECT_VERSIONS } from '../../src/project-versions.js';

describe('nodeFloorFor', () => {
  it('picks the Node 20 column on 20 and the current column on 22.12+, 24 and 26', () => {
    expect(nodeFloorFor('v20.20.0')).toBe(20);
    expect(nodeFloorFor('v20.12.2')).toBe(20);
    expect(nodeFloorFor('v22.12.0')).toBe(22);
    expect(nodeFloorFor('v22.23.3')).toBe(22);
    expect(nodeFloorFor('v24.11.1')).toBe(22);
    expect(nodeFloorFor('v26.0.0')).toBe(22);
    expect(nodeFloorFor('26.1.0')).toBe(22);
  });

  it('keeps the Node 20 column on 22.0–22.11, where vitest 5 does not run', () => {
    expect(nodeFloorFor('v22.0.0')).toBe(20);
    expect(nodeFloorFor('v22.11.9')).toBe(20);
  });

  it('gives the Node 20 column (it runs on every line) to a version it cannot read', () => {
    expect(nodeFloorFor('')).toBe(20);
    expect(nodeFloorFor('node')).toBe(20);
  });
});

describe('PROJECT_VERSIONS columns', () => {
  it('pins the older majors on Node 20 and the current ones on Node >= 22', () => {
    expect(pinnedVersion('kysely', 20)).toMatch(/^0\.28\./);
    expect(pinnedVersion('kysely', 22)).toMatch(/^0\.29\./);
    expect(pinnedVersion('better-sqlite3', 20)).toMatch(/^12\./);
    expect(pinnedVersion('better-sqlite3', 22)).toMatch(/^13\./);
    expect(pinnedVersion('vitest', 20)).toMatch(/^4\./);
    expect(pinnedVersion('vitest', 22)).toMatch(/^5\./);
    expect(pinnedVersion('@types/node', 20)).toMatch(/^20\./);
    expect(pinnedVersion('@types/node', 22)).toMatch(/^22\./);
  });

  it('pins one version in both columns where nothing needs Node 22, and nothing for an unknown name', () => {
    expect(pinnedVersion('zod', 20)).toBe(pinnedVersion('zod', 22));
    expect(pinnedVersion('no-such-package', 22)).toBeUndefined();
    expect(pinnedVersion('toString', 22)).toBeUndefined();
  });

  it('gives every two-column entry a reason in each column', () => {
    for (const [name, pin] of Object.entries(PROJECT_VERSIONS)) {
      if (typeof pin === 'string') continue;
      expect(pin.node20.why.length, name).toBeGreaterThan(10);
      expect(pin.node22.why.length, name).toBeGreaterThan(10);
      expect(pin.node20.version, name).not.toBe(pin.node22.version);
    }
  });

  it('states each floor in engines and in the README text', () => {
    expect(NODE_FLOORS[20].engines).toBe('>=20.12');
    expect(NODE_FLOORS[22].engines).toBe('>=22.12');
    expect(nodeSupportText(22)).toContain('22.12 or later');
    expect(nodeSupportText(20)).toContain('end of life');
  });
});
