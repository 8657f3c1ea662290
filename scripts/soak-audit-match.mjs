// The soak's audit bookkeeping (scripts/soak.mjs), apart so a test can feed it planted logs: matches
// the server's `call` lines to the calls the clients sent. Guards against a soak that passes while
// lines are lost (an answered call with no line), doubled (two lines for one call) or invented (a
// line for a call never sent).

/**
 * @param {Array<{ args?: { query?: unknown } }>} lines  the `call` lines of the soaked tool
 * @param {Map<string, string> | undefined} sent  unique argument → 'ok' (answered) or the failure;
 *   undefined when calls carry no unique argument: then lines are matched by count only
 * @param {{ answered: number, sent: number }} counts  calls answered and calls sent (for count matching)
 * @returns {{ lost: number, doubled: number, unknown: number }}
 */
export function matchAuditLines(lines, sent, counts) {
  if (!sent) {
    return {
      lost: Math.max(0, counts.answered - lines.length),
      doubled: Math.max(0, lines.length - counts.sent),
      unknown: 0,
    };
  }
  const seen = new Map();
  let unknown = 0;
  for (const record of lines) {
    const query = record.args?.query;
    if (!sent.has(query)) unknown++;
    seen.set(query, (seen.get(query) ?? 0) + 1);
  }
  let lost = 0;
  let doubled = 0;
  for (const count of seen.values()) if (count > 1) doubled += count - 1;
  for (const [query, result] of sent) if (result === 'ok' && !seen.has(query)) lost++;
  return { lost, doubled, unknown };
}
