// The benchmark report renders (a syntax slip in scripts/bench-report.mjs once cost a whole bench run):
// every section of the document appears, and a section whose script failed says so instead of a figure.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { renderBenchmarks } from '../../scripts/bench-report.mjs';

const SECTIONS = ['Machine', 'Scaffold time', '`add tool` and `check`', 'Generated HTTP server', 'stdio cold start', 'Install footprint', 'Notes tools', 'Soak', 'How to reproduce'];

describe('bench-report', () => {
  it('renders every section, and a failed section as "Failed in this run" with its error', () => {
    const failed = { ok: false, error: 'section script exited 1' };
    const markdown: string = renderBenchmarks({
      date: '2026-12-02T00:00:00.000Z',
      quick: true,
      durationSeconds: 60,
      machine: { cpu: 'test cpu', cores: 2, ramGiB: 24, os: 'linux', node: 'v20.20.2', npm: '11', loadAverage: [0, 0, 0] },
      loadAtEnd: [0, 0, 0],
      plan: { createRuns: 1, http: ['--runs', '1'], coldRuns: 1, notesRuns: 1, notesCalls: 1, soakSeconds: 1 },
      results: { create: failed, httpMemory: failed, httpRedis: failed, coldstart: failed, coldstartNode24: failed, footprint: failed, notesSqlite: failed, notesPostgres: failed, soak: failed },
    });
    for (const section of SECTIONS) expect(markdown).toContain(`## ${section}`);
    expect(markdown).toContain('**Failed in this run**');
    expect(markdown).toContain('section script exited 1');
    expect(markdown).toContain('**Quick run**');
    expect(markdown).toContain('under Node 24'); // the cold start on a maintained line has its own table
  });
});
