// Slots: features fill shared templates without the templates knowing them. A contribution to a slot
// the file lacks fails the run; an empty slot alone on its line leaves no blank line; inline slots join
// without separators; text before the first marker is refused.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Feature } from '../../src/features/types.js';
import { planProject } from '../../src/generate/plan.js';
import { renderPlan } from '../../src/generate/render.js';
import { parseSections } from '../../src/generate/slots.js';
import type { ProjectSpec } from '../../src/options/project-spec.js';

const spec: ProjectSpec = { name: 'srv', transport: 'stdio', auth: 'none', storage: 'none', tools: ['files'], rateLimitStore: 'memory', packageManager: 'npm', nodeFloor: 22 };
const env = { generatorVersion: '0.0.0', randomBytes: (n: number) => Buffer.alloc(n, 1), now: new Date(0) };

function templates(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csm-slots-'));
  // Every project's README holds the configuration table built from the features' variables.
  for (const [name, content] of Object.entries({ 'base/README.md.hbs': '{{slot "env-table"}}\n', ...files })) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const entry = { name: 'stdio', rank: 1 } as const;
const features = (b: boolean): Feature[] => [
  { id: 'base', templateDir: 'base', applies: () => true, contributions: () => ({ entry }) },
  { id: 'files', templateDir: 'files', applies: () => b },
];

async function renderDoc(files: Record<string, string>, withFiles = true): Promise<string> {
  const plan = await planProject(spec, { install: false, git: false }, env, { templatesDir: templates(files), features: features(withFiles) });
  const rendered = await renderPlan(plan, spec, '0.0.0');
  return rendered.find((f) => f.path === 'DOC.md')?.content.toString('utf8') ?? '';
}

describe('slots', () => {
  it('fills block and inline slots in feature order; sections are never copied', async () => {
    const doc = await renderDoc({
      'base/DOC.md.hbs': '# {{name}}\ntools: `whoami`{{slot "tools" inline=true}}.\n{{slot "rows"}}\nend\n',
      'base/sections/DOC.md.hbs': '@@slot rows\n| base |\n',
      'files/sections/DOC.md.hbs': '@@slot tools\n, `read_file`\n@@slot rows\n| files |\n| {{run "test"}} |\n',
    });
    expect(doc).toBe('# srv\ntools: `whoami`, `read_file`.\n| base |\n| files |\n| npm run test |\nend\n');
  });

  it('a block slot renders its fallback only when nobody fills it', async () => {
    const files = {
      'base/DOC.md.hbs': 'a\n{{#slot "row"}}\n| n/a |\n{{/slot}}\nb\n',
      'files/sections/DOC.md.hbs': '@@slot row\n| files |\n',
    };
    expect(await renderDoc(files, true)).toBe('a\n| files |\nb\n');
    expect(await renderDoc(files, false)).toBe('a\n| n/a |\nb\n');
  });

  it('an empty slot alone on its line leaves no blank line', async () => {
    expect(await renderDoc({ 'base/DOC.md.hbs': 'a\n{{slot "rows"}}\nb {{slot "x"}}c\n', 'files/x.txt': '' }, false)).toBe('a\nb c\n');
  });

  it('a contribution to a slot the file does not have fails the run (nothing is silently dropped)', async () => {
    await expect(renderDoc({ 'base/DOC.md.hbs': 'a\n', 'files/sections/DOC.md.hbs': '@@slot rows\nx\n' })).rejects.toThrow(/DOC\.md has no slot "rows"/);
  });

  it('a section for a file the project does not render fails the run', async () => {
    await expect(renderDoc({ 'base/DOC.md.hbs': 'a\n', 'files/sections/OTHER.md.hbs': '@@slot rows\nx\n' })).rejects.toThrow(/OTHER\.md, which is not a rendered template/);
  });

  it('text before the first marker is refused; blocks keep a leading blank line and lose trailing ones', () => {
    expect(() => parseSections('stray\n@@slot a\nx\n', 'f')).toThrow(/before the first @@slot/);
    expect(parseSections('\n@@slot a\n\nx\n\n\n@@slot b-2\ny', 'f')).toEqual([{ slot: 'a', content: '\nx' }, { slot: 'b-2', content: 'y' }]);
  });
});
