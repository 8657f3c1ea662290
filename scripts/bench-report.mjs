// Renders docs/benchmarks.md from one bench-all run (scripts/bench-all.mjs): the machine, then one
// table per section from that section's --json output. Guards against a document that claims more
// than was measured: a section that failed or whose script is missing says so, and every table names
// its runs and how the figure was taken.

const fixed = (x, digits = 0) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ms = (x) => (typeof x === 'number' ? `${fixed(x)} ms` : 'n/a');
const mib = (kb) => (typeof kb === 'number' ? `${fixed(kb / 1024, 1)} MiB` : 'n/a');
const bytesMib = (b) => (typeof b === 'number' ? `${fixed(b / 1024 / 1024, 1)} MiB` : 'n/a');
const median = (values) => {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const failed = (result) => `**Failed in this run** (no figures):\n\n\`\`\`\n${result.error ?? 'unknown error'}\n\`\`\``;

function scaffold(result) {
  if (!result?.ok) return failed(result ?? {});
  const { scaffold: locations, runs } = result.json;
  const parts = [];
  for (const location of locations) {
    parts.push(`**${location.location}** (\`${location.dir}\`):\n`);
    parts.push(
      table(
        ['tool', 'command', 'files made', 'runs', 'median', 'min', 'max', 'ours / tool (medians)', 'ours / tool (paired runs)'],
        location.tools.map((tool) => {
          const ratio = location.ratios[tool.id];
          return [tool.id, `\`${tool.command}\``, String(tool.files), String(tool.runs), ms(tool.median), ms(tool.min), ms(tool.max), ratio ? fixed(ratio.medians, 2) : '—', ratio ? fixed(ratio.paired, 2) : '—'];
        }),
      ),
    );
    parts.push('');
  }
  return [
    `Wall time of one scaffold run, ${runs} runs per tool after one warm-up run each; the tools take turns and the`,
    'first of each round rotates, so drift on the machine hits all alike. Each peer is a benchmark-only devDependency',
    'run from node_modules with its non-interactive, no-install flags. Below 1 means ours is faster. mcp-framework',
    'always runs `git init` (no flag skips it); create-t3-app asks the npm registry for its latest version and runs',
    '`npm -v` on every run (part of what its user waits for). On disk, file creation can cost ~1 ms per file after a',
    "test run has churned inodes (journal-less ext4), a tax on each tool's file count; in memory (tmpfs) it does not",
    '(see scripts/bench-create.mjs).',
    '',
    ...parts,
  ].join('\n');
}

function addAndCheck(result) {
  if (!result?.ok) return failed(result ?? {});
  const { addTool, check, nodeBaseline } = result.json;
  return [
    table(
      ['measure', 'runs', 'median', 'min', 'max'],
      [
        ['`add tool <name> --yes` in a --no-install project', String(addTool.runs), ms(addTool.median), ms(addTool.min), ms(addTool.max)],
        [`\`check --json --offline\` on a project with ${check.addedTools} added tools (target ≤ 2 s)`, String(check.runs), ms(check.median), ms(check.min), ms(check.max)],
        ['for scale: `node -e 0`', '5', ms(nodeBaseline), '', ''],
      ],
    ),
  ].join('\n');
}

function httpSection(memory, redis) {
  const rows = [];
  const notes = [];
  for (const [store, result] of [['memory', memory], ['redis', redis]]) {
    if (!result?.ok) {
      notes.push(`${store} store: ${failed(result ?? {})}`);
      continue;
    }
    const j = result.json;
    rows.push([store, 'bare SDK v2 server', fixed(j.bare.rps), ms(j.bare.p50), ms(j.bare.p99), fixed(j.bare.cpuUsPerRequest), '1.00', String(j.runs)]);
    rows.push([store, `generated (${j.auth}, limits, validation, audit)`, fixed(j.generated.rps), ms(j.generated.p50), ms(j.generated.p99), fixed(j.generated.cpuUsPerRequest), fixed(j.ratio, 3), String(j.runs)]);
  }
  const any = (memory?.ok && memory.json) || (redis?.ok && redis.json);
  return [
    any
      ? `\`tools/call whoami\` over Streamable HTTP on loopback, autocannon with ${any.connections} connections, ${any.warmup} s warm-up, then ${any.runs} alternating rounds of ${any.duration} s per server (medians over rounds). The bare server is \`createMcpHandler\` + \`toNodeHandler\` + node:http with the same SDK and tool, no auth, limits or audit — the SDK's documented stateless setup, which builds a server for every request (\`createMcpHandler(buildServer)\`); the generated one is the project's own \`dist/transports/http.js\` with an API key, rate limits raised so they measure work rather than refusals, and the HMAC-chained audit log on. The generated server answers \`tools/call\`, \`tools/list\` and \`ping\` on a direct lane (\`src/http/mcp-direct.ts\`) through one shared server, which is why it can outrun the bare setup while doing more. The ratio is generated / bare throughput (median of the per-round ratios). Server CPU per request comes from /proc and is steadier than req/s, which the load generator sharing the cores also limits.`
      : '',
    '',
    rows.length > 0 ? table(['rate-limit store', 'server', 'req/s', 'p50', 'p99', 'server CPU µs/request', 'ratio (throughput)', 'rounds'], rows) : '',
    '',
    ...notes,
  ].join('\n');
}

function coldstart(result, missing, runs) {
  if (missing) return 'Not available: `scripts/bench-coldstart.mjs` is not in this checkout.';
  if (!result?.ok) return failed(result ?? {});
  const j = result.json;
  const row = (name, s) => [name, ms(s?.median), ms(s?.min), ms(s?.max)];
  return [
    'Wall time from spawning `node <entry>` to its `initialize` answer on stdout, the generated project\'s `dist/transports/stdio.js` against a bare SDK v2 stdio server on the same installed SDK, alternating after one warm-up start each (`scripts/bench-coldstart.mjs`).',
    '',
    table(['server', 'median', 'min', 'max'], [row('bare SDK v2 stdio server', j.bare), row('generated (dist/transports/stdio.js)', j.generated)]),
    '',
    `Ratio generated / bare: **${fixed(j.ratio, 2)}**${` (${j.runs ?? runs} runs)`}${j.node ? `, Node ${j.node}` : ''}.`,
  ].join('\n');
}

/** Leaf values of a JSON object as dotted keys (the footprint script's shape is its own). */
function flatten(value, prefix = '', rows = []) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, rows);
  } else rows.push([prefix, Array.isArray(value) ? JSON.stringify(value) : typeof value === 'number' ? String(Number.isInteger(value) ? value : value.toFixed(3)) : String(value)]);
  return rows;
}

function footprint(result, missing) {
  if (missing) return 'Not available: `scripts/bench-footprint.mjs` is not in this checkout.';
  if (!result?.ok) return failed(result ?? {});
  const j = result.json;
  const known = [
    ['generated `--yes` project (`npm install --omit=dev`)', j.generated],
    ['the generator (`npm pack`, installed --omit=dev)', j.generator],
    [`mcp-framework${j.mcpFramework?.version ? ` ${j.mcpFramework.version}` : ''} project (\`mcp create --no-install\`, then --omit=dev)`, j.mcpFramework],
  ];
  if (known.every(([, v]) => v && typeof v.packages === 'number')) {
    return [
      'Production install footprint (`scripts/bench-footprint.mjs`): unique production packages (the root not counted) and the size of node_modules.',
      '',
      table(['install', 'packages', 'node_modules'], known.map(([name, v]) => [name, String(v.packages), bytesMib(v.bytes)])),
    ].join('\n');
  }
  // Another shape than the one known here: print what the script printed.
  return ['Install footprint (`scripts/bench-footprint.mjs --json`, as printed):', '', table(['figure', 'value'], flatten(j))].join('\n');
}

function notes(result, storage) {
  if (!result?.ok) return failed(result ?? {});
  const runs = result.json.runs;
  const first = runs[0];
  const names = first.rows.map((r) => r.name);
  const rows = names.map((name) => {
    const of = (field) => median(runs.map((run) => run.rows.find((r) => r.name === name)?.[field]));
    if (first.rows.find((r) => r.name === name)?.skipped) return [name, 'skipped', '', '', ''];
    return [name, fixed(of('add')), fixed(of('addOfFloor'), 3), fixed(of('search')), fixed(of('searchOfFloor'), 3)];
  });
  return [
    `**${storage}** (${first.transport}, auth ${first.auth}): ${first.calls} sequential calls per measure, ${runs.length} runs, medians.`,
    '',
    table(['path', 'add_note calls/s', 'of floor', 'search_notes calls/s', 'of floor'], rows),
  ].join('\n');
}

function soak(result, seconds) {
  const j = result?.json;
  if (!j) return failed(result ?? {});
  return [
    `${j.clients} concurrent clients calling \`${j.tool}\` for ${fixed(j.seconds)} s (planned ${seconds} s) over loopback, each call with its own`,
    'argument so every audit line is matched to its call; the server stopped with SIGTERM, then the project\'s',
    '`npm run audit:verify` on its audit log. Fails on any lost, doubled or unknown line, any unanswered call, or a',
    'chain that does not verify.',
    '',
    table(
      ['calls', 'calls/s', 'answered', 'failed', 'audit lines', 'lost', 'doubled', 'unknown', 'audit:verify', 'result'],
      [[String(j.calls), fixed(j.callsPerSecond), String(j.answered), String(j.failed), String(j.auditLines), String(j.lost), String(j.doubled), String(j.unknown), j.verified ? 'OK' : 'FAILED', j.ok ? '**OK**' : '**FAILED**']],
    ),
    '',
    table(
      ['server', 'RSS', 'V8 heap used', 'open fds'],
      [
        ['before the load', mib(j.before?.rssKb), bytesMib(j.before?.heapUsed), String(j.before?.fds)],
        ['peak during it', mib(j.peak?.rssKb), bytesMib(j.peak?.heapUsed), String(j.peak?.fds)],
        ['after it (clients gone)', mib(j.after?.rssKb), bytesMib(j.after?.heapUsed), String(j.after?.fds)],
      ],
    ),
    ...(j.failures?.length ? ['', '```', ...j.failures, '```'] : []),
  ].join('\n');
}

/** The whole document. */
export function renderBenchmarks({ date, quick, durationSeconds, machine, loadAtEnd, plan, results }) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  return `${[
    '# Benchmarks',
    '',
    `Measured ${date} by \`npm run bench:all${quick ? ' -- --quick' : ''}\` (${fixed(durationSeconds / 60, 1)} min). Every figure below comes from that one run; the`,
    'scripts print them and assert nothing about speed. Figures from a shared or busy machine are noisy: compare the',
    'ratios (both sides measured alternately in the same run) rather than absolute times.',
    ...(quick ? ['', '> **Quick run**: fewer runs and shorter loads than the published figures; a check that the benchmarks run, not a measurement.'] : []),
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${machine.cpu}`],
        ['cores', String(machine.cores)],
        ['RAM', `${fixed(machine.ramGiB, 1)} GiB`],
        ['OS', machine.os],
        ['Node', `${machine.node} (npm ${machine.npm})`],
        ['load average (1 / 5 / 15 min)', `${load(machine.loadAverage)} at the start, ${load(loadAtEnd)} at the end`],
      ],
    ),
    '',
    '## Scaffold time',
    '',
    scaffold(results.create),
    '',
    '## `add tool` and `check`',
    '',
    addAndCheck(results.create),
    '',
    '## Generated HTTP server: throughput and p99 against a bare SDK v2 server',
    '',
    httpSection(results.httpMemory, results.httpRedis),
    '',
    '## stdio cold start',
    '',
    coldstart(results.coldstart, !('coldstart' in results), plan.coldRuns),
    '',
    'The same project generated, installed and built under Node 24 (a maintained line; its generated entries turn on the module compile cache there, which Node 20 lacks), measured under Node 24:',
    '',
    coldstart(results.coldstartNode24, !('coldstartNode24' in results), plan.coldRuns),
    '',
    '## Install footprint',
    '',
    footprint(results.footprint, !('footprint' in results)),
    '',
    '## Notes tools against the data-module floor',
    '',
    'add_note and search_notes called one at a time: directly on the project\'s data module (`dist/storage/notes-repository.js`, no MCP, guard or audit: the floor), through an SDK v2 client over stdio, and over Streamable HTTP with an API key. "of floor" is calls/s relative to the floor (median of the per-run ratios).',
    '',
    notes(results.notesSqlite, 'SQLite'),
    '',
    notes(results.notesPostgres, 'PostgreSQL'),
    '',
    '## Soak',
    '',
    soak(results.soak, plan.soakSeconds),
    '',
    '## How to reproduce',
    '',
    '```',
    'npm ci && npm run bench:all            # writes docs/benchmarks.md (this run\'s duration is at the top)',
    'npm run bench:all -- --quick           # fewer runs, shorter loads (about 2 min): tmp/benchmarks-quick.md',
    '```',
    '',
    'It needs PostgreSQL and Redis on 127.0.0.1 (`TEST_DATABASE_URL`, `REDIS_URL` to change them) and the npm registry',
    'for the first install of the generated projects (kept in the git-ignored `tmp/bench-projects/` and made again',
    'when the generator changes). Each section is its own script and runs alone:',
    '`node scripts/bench-create.mjs [runs]`, `node scripts/bench-http.mjs <project>`,',
    '`node scripts/bench-notes.mjs <project>`, `node scripts/soak.mjs <project> [--seconds 120] [--clients 20]`',
    `(each with \`--json\`). This run used: scaffold ${plan.createRuns} runs; HTTP \`${plan.http.join(' ')}\`; cold start ${plan.coldRuns} runs;`,
    `notes ${plan.notesRuns} runs of ${plan.notesCalls} calls; soak ${plan.soakSeconds} s.`,
  ].join('\n')}\n`;
}
