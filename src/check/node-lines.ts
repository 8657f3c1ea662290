/**
 * Node.js release lines and their end-of-life dates, for SMCP-NODE-001. Guards against a server running
 * (or being tested, or allowed to run) on a line that no longer gets security fixes. Dated, so a check
 * run later judges by its own date (`context.now`), not by the day this table was written.
 *
 * Even lines are LTS (about 30 months of support after entering LTS); odd lines are never LTS and are
 * treated as unmaintained once their short support ends. Source: the Node.js release schedule
 * (github.com/nodejs/Release), as of 2026-12. Update when a new even line is released (each April).
 */

/** Line → the first day it is no longer maintained (UTC, YYYY-MM-DD). */
export const NODE_LINE_EOL: Readonly<Record<number, string>> = Object.freeze({
  10: '2021-04-30',
  12: '2022-04-30',
  14: '2023-04-30',
  15: '2021-06-01',
  16: '2023-09-11',
  17: '2022-06-01',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
});

const KNOWN = Object.keys(NODE_LINE_EOL).map(Number);
const NEWEST_KNOWN = Math.max(...KNOWN);
const OLDEST_KNOWN = Math.min(...KNOWN);

/** LTS codenames as nvm and setup-node accept them (`lts/iron`). */
const CODENAMES: Readonly<Record<string, number>> = {
  argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24,
};

export type LineStatus =
  | { readonly state: 'maintained'; readonly line: number; readonly eol: string | undefined }
  | { readonly state: 'end-of-life'; readonly line: number; readonly eol: string };

/**
 * Whether `line` is maintained on `now`. Lines older than the table are end of life; lines newer than
 * the table are taken as maintained (released after it was written).
 */
export function nodeLineStatus(line: number, now: Date): LineStatus {
  const eol = NODE_LINE_EOL[line];
  if (eol === undefined) {
    if (line < OLDEST_KNOWN) return { state: 'end-of-life', line, eol: 'before 2021' };
    if (line > NEWEST_KNOWN) return { state: 'maintained', line, eol: undefined };
    // A gap in the table (e.g. an odd line below 15): old enough to be unmaintained.
    return { state: 'end-of-life', line, eol: 'before 2021' };
  }
  return Date.parse(`${eol}T00:00:00Z`) <= now.getTime() ? { state: 'end-of-life', line, eol } : { state: 'maintained', line, eol };
}

/**
 * The major line a version text names: `20`, `v20.11.1`, `20.x`, `lts/iron`, `node:20-slim` tags are
 * handled by the caller. Undefined for aliases that move (`lts/*`, `node`, `latest`, `current`) and for
 * anything not understood.
 */
export function majorOf(text: string): number | undefined {
  const value = text.trim().replace(/^['"]|['"]$/g, '').trim();
  const codename = /^lts\/([a-z]+)$/i.exec(value);
  if (codename) return CODENAMES[(codename[1] ?? '').toLowerCase()];
  const m = /^v?(\d{1,3})(?:\.(?:\d+|x|\*))?(?:\.(?:\d+|x|\*))?$/i.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * The lowest major line a package.json `engines.node` range allows, per `||` alternative (each
 * alternative's lower bound). `*`, `x` and empty alternatives give undefined (no statement about a line).
 * An alternative with only an upper bound (`<22`) allows everything below: reported as line 0.
 */
export function engineLowerBounds(range: string): number[] {
  const bounds: number[] = [];
  for (const alternative of range.split('||')) {
    const alt = alternative.trim();
    if (alt === '' || alt === '*' || /^x$/i.test(alt)) continue;
    // A hyphen range `20 - 24`: its lower end.
    const hyphen = /^v?(\d+)(?:\.[\dx*]+)*\s+-\s+/.exec(alt);
    if (hyphen) {
      bounds.push(Number(hyphen[1]));
      continue;
    }
    let lower: number | undefined;
    let sawUpperOnly = false;
    for (const comparator of alt.split(/\s+/)) {
      const m = /^(>=|>|=|\^|~|<=|<)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(comparator);
      if (!m) continue;
      const op = m[1] ?? '';
      const major = Number(m[2]);
      if (op === '<' || op === '<=') {
        sawUpperOnly = true;
        continue;
      }
      // `>20` still allows 20.x.y above 20.0.0 when minor/patch are given; `>20` alone means 21+.
      const value = op === '>' && m[3] === undefined ? major + 1 : major;
      lower = lower === undefined ? value : Math.max(lower, value);
    }
    if (lower !== undefined) bounds.push(lower);
    else if (sawUpperOnly) bounds.push(0);
  }
  return bounds;
}
