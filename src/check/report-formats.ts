/**
 * The three faces of a check report: a table for people (colours only when the UI says so), JSON with
 * the stable ids for machines, and SARIF 2.1.0 for GitHub code scanning. Guards against reports that
 * leak or mislead: evidence is printed as the rules masked it, a check that could not run is never shown
 * as a pass, and every SARIF result has a location GitHub can place (the evidence file, else package.json).
 */
import type { CheckReport } from './run-check.js';
import type { ItemResult, Severity, Status } from './types.js';

export const REPORT_SCHEMA_VERSION = 1;
const INFORMATION_URI = 'https://www.npmjs.com/package/create-secure-mcp';

interface Paint {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const LABEL: Record<Status, string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', 'could-not-run': 'could not run', 'not-applicable': 'n/a' };

export function formatTable(report: CheckReport, paint: Paint): string {
  const colour = (status: Status, text: string): string =>
    status === 'pass' ? paint.green(text) : status === 'fail' ? paint.red(text) : status === 'not-applicable' ? paint.dim(text) : paint.yellow(text);
  const width = Math.max(...report.items.map((item) => item.id.length));
  const statusWidth = Math.max(...Object.values(LABEL).map((l) => l.length));
  const lines: string[] = [];
  lines.push(paint.bold(`create-secure-mcp check ${report.generatorVersion}: ${report.root ?? '(in memory)'}${report.generated ? ' (made by create-secure-mcp)' : ''}`));
  lines.push('');
  for (const item of report.items) {
    lines.push(`${colour(item.status, LABEL[item.status].padEnd(statusWidth))}  ${item.id.padEnd(width)}  ${item.title}`);
    if (item.status === 'not-applicable') continue;
    lines.push(`${' '.repeat(statusWidth + width + 4)}${paint.dim(item.message)}`);
    for (const evidence of item.evidence.slice(0, item.status === 'pass' ? 1 : 5)) {
      const where = evidence.file ? `${evidence.file}${evidence.line ? `:${evidence.line}` : ''}` : evidence.command ? `$ ${evidence.command}` : '';
      lines.push(`${' '.repeat(statusWidth + width + 4)}${paint.dim(`${where}${evidence.snippet ? `  ${evidence.snippet}` : ''}`)}`);
    }
    if (item.status !== 'pass') lines.push(`${' '.repeat(statusWidth + width + 4)}fix: ${item.hint}`);
  }
  const s = report.summary;
  lines.push('');
  lines.push(`${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s['could-not-run']} could not run, ${s['not-applicable']} not applicable`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(report: CheckReport): string {
  return `${JSON.stringify(
    {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: 'create-secure-mcp check', version: report.generatorVersion },
      project: { root: report.root ?? null, generated: report.generated, files: report.fromGit ? 'git' : 'folder' },
      summary: report.summary,
      items: report.items.map((item) => ({
        id: item.id,
        title: item.title,
        status: item.status,
        severity: item.severity,
        message: item.message,
        evidence: item.evidence,
        checklist: item.checklist,
        owasp: item.owasp,
        hint: item.hint,
      })),
    },
    null,
    2,
  )}\n`;
}

const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

/** SARIF 2.1.0: one rule per item, one result per item that failed, warned or could not run. */
export function formatSarif(report: CheckReport): string {
  const rules = report.items.map((item) => ({
    id: item.id,
    name: pascal(item.title),
    shortDescription: { text: item.title },
    fullDescription: { text: item.checklist },
    help: { text: item.hint, markdown: `${item.hint}\n\nChecklist: ${item.checklist}\n\nOWASP MCP Top 10: ${item.owasp}` },
    defaultConfiguration: { level: item.severity === 'critical' || item.severity === 'high' ? 'error' : 'warning' },
    properties: { tags: ['security', item.owasp.split(':')[0] ?? item.owasp], 'security-severity': SECURITY_SEVERITY[item.severity], precision: 'medium' },
  }));
  const results = report.items.flatMap((item, ruleIndex) => {
    if (item.status === 'pass' || item.status === 'not-applicable') return [];
    const located = item.evidence.filter((e) => e.file !== undefined);
    const locations = (located.length > 0 ? located : [{ file: 'package.json', line: 1 }]).slice(0, 10).map((e) => ({
      physicalLocation: {
        artifactLocation: { uri: encodeURI(e.file as string), uriBaseId: '%SRCROOT%' },
        region: { startLine: e.line !== undefined && e.line >= 1 ? e.line : 1 },
      },
    }));
    return [
      {
        ruleId: item.id,
        ruleIndex,
        level: item.status === 'fail' ? 'error' : 'warning',
        message: { text: item.status === 'could-not-run' ? `Could not run: ${item.message}` : item.message },
        locations,
        ...(located.length > 0 ? { partialFingerprints: { primaryLocationLineHash: fingerprint(item) } } : {}),
      },
    ];
  });
  return `${JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'create-secure-mcp check', version: report.generatorVersion, semanticVersion: report.generatorVersion, informationUri: INFORMATION_URI, rules } },
          invocations: [{ executionSuccessful: true }],
          results,
        },
      ],
    },
    null,
    2,
  )}\n`;
}

function pascal(title: string): string {
  return title
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => (w[0] ?? '').toUpperCase() + w.slice(1))
    .join('');
}

/** Stable per item and first location, so GitHub tracks a finding across runs. */
function fingerprint(item: ItemResult): string {
  const first = item.evidence.find((e) => e.file !== undefined);
  return `${item.id}:${first?.file ?? ''}:${first?.snippet ?? ''}`.slice(0, 200);
}
