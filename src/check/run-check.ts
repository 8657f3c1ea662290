/**
 * Runs every rule on one project and collects the results in catalog order. Guards against a review
 * that hides its own failure: a rule that throws (code it does not understand, a bug) becomes
 * `could-not-run` for its item, with the reason and without a stack — never a pass, never a crash of the
 * whole run — and the exit decision counts `could-not-run` with the warnings.
 */
import type { CheckContext, ItemResult, ProjectView, Rule, Status } from './types.js';

export interface CheckReport {
  readonly generatorVersion: string;
  /** Absolute root, or undefined for a project in memory. */
  readonly root: string | undefined;
  /** secure-mcp.json present: a project made by create-secure-mcp. */
  readonly generated: boolean;
  readonly fromGit: boolean;
  readonly items: readonly ItemResult[];
  readonly summary: Readonly<Record<Status, number>>;
}

export type FailOn = 'warn' | 'fail';

export async function runCheck(project: ProjectView, context: CheckContext, rules: readonly Rule[], generatorVersion: string, extra: readonly ItemResult[] = []): Promise<CheckReport> {
  const items: ItemResult[] = [];
  for (const rule of rules) {
    const { run: _run, ...item } = rule;
    try {
      const outcome = await rule.run(project, context);
      items.push({ ...item, status: outcome.status, message: outcome.message, evidence: outcome.evidence });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      items.push({ ...item, status: 'could-not-run', message: `The check itself failed: ${reason}`, evidence: [] });
    }
  }
  items.push(...extra);
  return { generatorVersion, root: project.root, generated: project.manifest !== undefined, fromGit: project.fromGit, items, summary: summarize(items) };
}

export function summarize(items: readonly ItemResult[]): Record<Status, number> {
  const summary: Record<Status, number> = { pass: 0, fail: 0, warn: 0, 'could-not-run': 0, 'not-applicable': 0 };
  for (const item of items) summary[item.status]++;
  return summary;
}

/** The items at or above the threshold: failures, and with `warn` also warnings and checks that could not run. */
export function findingsAt(report: CheckReport, failOn: FailOn): ItemResult[] {
  return report.items.filter((item) => item.status === 'fail' || (failOn === 'warn' && (item.status === 'warn' || item.status === 'could-not-run')));
}
