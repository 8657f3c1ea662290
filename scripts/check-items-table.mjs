#!/usr/bin/env node
// The README's table of check items, made from the rules. test/check/docs.test.ts compares it with
// README.md; after adding or renaming an item, run `npm run build && node scripts/check-items-table.mjs`
// and paste the output into README.md.
export function itemsTable(rules) {
  const rows = rules.map((r) => `| \`${r.id}\` | ${r.title.replace(/\|/g, '\\|')} | ${r.severity} | ${r.owasp.split(':')[0]} |`);
  return ['| id | item | severity | OWASP MCP |', '|---|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ALL_RULES } = await import('../dist/check/rules/index.js');
  process.stdout.write(`${itemsTable(ALL_RULES)}\n`);
}
