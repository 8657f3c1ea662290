// Property-based fuzzing of every tool's input (fast-check), through the REAL in-process stack
// (config → runtime → buildServer → guard → audit → SDK client). Guards against inputs nobody thought
// of: wrong types, huge and deep values, long strings, lone surrogates and unknown keys must each get
// an answer (a tool result or a JSON-RPC error), never a crash, an escaped exception, a stack trace, a
// host path or a secret; the server keeps answering, each call writes its audit line, and the audit
// log verifies at the end. A few hundred cases by default; FUZZ_RUNS=<n> (a test knob, not a server
// setting) runs n cases per property, e.g. `FUZZ_RUNS=5000 npx vitest run test/fuzz-tools.test.ts`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as z from 'zod/v4';
import { verifyAuditDir } from '../src/security/audit-check.js';
import { createTools } from '../src/tools/index.js';
import { fuzzRuns, PROJECT_ROOT, startTestServer, testConfig, textOf, type TestServer } from './helpers.js';

const RUNS = fuzzRuns(150);
/** Generous budgets: the fuzzer makes many calls in a few seconds; the rate limits have their own tests. */
const FUZZ_ENV = { RATE_LIMIT_POINTS: '1000000', LOG_LEVEL: 'warn' };
/** An error-level line in the operational log: a handler threw (the client saw only "Internal error"). */
const ERROR_LOG = /"level":(?:50|60)\b/;
const TOOL_NAMES = createTools({ config: testConfig() }).map((tool) => tool.name);

// ---- arbitraries ----

/** Lone (invalid) surrogates, NUL, control and bidi characters, and path-like text mixed into strings. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 8 }).map((units) => String.fromCharCode(...units)),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.array(fc.constantFrom('a', 'a.txt', 'dir', '.', '..', '', '.env', '\u0000', '%2e%2e', '\ud800', 'x'.repeat(300)), { maxLength: 8 }).map((parts) => parts.join('/')),
  fc.constantFrom(
    '', '.', '..', '../..', '../../../../etc/passwd', '/etc/passwd', '/proc/self/environ', 'C:\\Windows\\win.ini', '\\\\server\\share',
    'a\u0000b', '\u0000', '%2e%2e%2f', '..%00/', '.env', '.secrets/key', 'sandbox/../../', '~', '~root', '\u202e', '\ufeff', '\ud800', '\udfff\ud800',
    'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/', 'http://127.0.0.1:1/', 'https://user:pass@example.invalid/', 'javascript:alert(1)',
    '__proto__', 'constructor', 'prototype', '\x7b{7*7}}', '${process.env}', '%s%s%n',
  ),
);

/** Nested arrays or objects `depth` levels deep. */
const deep = fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.boolean()).map(([depth, asObject]) => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = asObject ? { a: value } : [value];
  return value;
});

/** Huge values: long strings (lone surrogates included), long arrays, wide objects. */
const huge = fc.oneof(
  fc.tuple(fc.constantFrom('a', '\ud800', 'é', '../', '\u0000'), fc.integer({ min: 1_000, max: 300_000 })).map(([unit, n]) => unit.repeat(n)),
  fc.integer({ min: 1_000, max: 50_000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.integer({ min: 100, max: 5_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
);

const oddNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, -1, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, 1e308, 0.5));

/** Any JSON-ish value, weighted towards the nasty ones. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 4 },
  { arbitrary: oddString, weight: 4 },
  { arbitrary: oddNumber, weight: 2 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}), weight: 1 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: huge, weight: 1 },
);

/** Object keys: the tool's own, unknown ones, and prototype-pollution names. */
function argsFor(knownKeys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof(
    ...(knownKeys.length > 0 ? [{ arbitrary: fc.constantFrom(...knownKeys), weight: 4 }] : []),
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', ''), weight: 1 },
    { arbitrary: oddString, weight: 2 },
  );
  const objectArgs = fc.dictionary(key, anyValue, { maxKeys: 6 });
  // Only the tool's own keys (valid names, arbitrary values), so the value checks behind the schema are reached too.
  const ownKeys = knownKeys.length > 0 ? fc.dictionary(fc.constantFrom(...knownKeys), fc.oneof(oddString, oddNumber, anyValue), { maxKeys: knownKeys.length }) : fc.constant({});
  return fc.oneof({ arbitrary: objectArgs, weight: 4 }, { arbitrary: ownKeys, weight: 4 }, { arbitrary: anyValue, weight: 2 }, { arbitrary: fc.constant(undefined), weight: 1 });
}

// ---- what no answer may contain ----

function forbiddenIn(server: TestServer): string[] {
  // The project folder, the home folder and this test's own temp folder (AUDIT_LOG_DIR is <temp>/logs/audit).
  const hostPaths = [PROJECT_ROOT, os.homedir(), path.dirname(path.dirname(server.config.auditLogDir))].filter((p) => p.length > 1);
  const real = hostPaths.flatMap((p) => {
    try {
      return [fs.realpathSync(p)];
    } catch {
      return [];
    }
  });
  return [server.config.auditHmacKey.reveal(), ...new Set([...hostPaths, ...real])];
}

const STACK = /\bat [\w.<>$]+ \(|\bat (?:file:|node:|\/)|node_modules|node:internal|\.ts:\d+|\.js:\d+:\d+/;

/** One call; the answer (result or JSON-RPC error) as text. Throws on anything else (timeout, closed connection). */
async function call(server: TestServer, name: string, args: unknown): Promise<string> {
  try {
    const result = await server.client.callTool({ name, arguments: args as Record<string, unknown> }, { timeout: 15_000 });
    return JSON.stringify(result);
  } catch (error) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
    // A JSON-RPC error answer (invalid params…) is an answer; a timeout or a dead connection is not.
    if (typeof code !== 'number' || code === -32001 /* request timeout */ || code === -32000 /* connection closed */) throw error;
    return JSON.stringify({ code, message, data });
  }
}

function expectClean(answer: string, forbidden: readonly string[], input: string): void {
  expect(answer).not.toMatch(STACK);
  for (const secret of forbidden) if (!input.includes(secret)) expect(answer).not.toContain(secret);
  expect(answer).not.toMatch(/Internal error/i); // a thrown error in tool code: fuzzed input must be refused, not crash a handler
}

describe.each(TOOL_NAMES.map((name) => [name]))('fuzzing the input of tool %s', (name) => {
  test('arbitrary arguments: an answer every time, no crash, stack, host path or secret; whoami still answers; one audit line per call; the log verifies', async () => {
    const server = await startTestServer({ env: FUZZ_ENV });
    const tool = createTools({ config: server.config }).find((t) => t.name === name)!;
    const schema = z.toJSONSchema(tool.inputSchema, { io: 'input' }) as { properties?: Record<string, unknown> };
    const forbidden = forbiddenIn(server);
    let calls = 0;
    try {
      await fc.assert(
        fc.asyncProperty(argsFor(Object.keys(schema.properties ?? {})), async (args) => {
          const input = JSON.stringify(args) ?? '';
          calls += 1;
          const answer = await call(server, name, args);
          expectClean(answer, forbidden, input);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      // Still answering after all of it.
      const who = await server.client.callTool({ name: 'whoami', arguments: {} });
      calls += 1;
      expect(who.isError).toBeFalsy();
      expect(JSON.parse(textOf(who))).toMatchObject({ principal: expect.any(String) });
      // Exactly one audit line per call, whatever the input.
      expect(server.audit()).toHaveLength(calls);
      expect(server.logs()).not.toMatch(ERROR_LOG);
    } finally {
      await server.close();
    }
    const report = verifyAuditDir(server.config.auditLogDir, server.config.auditHmacKey);
    expect(report.status).toBe('ok');
    expect(report.segments.map((s) => s.status)).toEqual(report.segments.map(() => 'verified'));
  }, 300_000);
});

describe('fuzzing the tool name', () => {
  test('unknown and odd tool names are refused with an answer, audited, and leak nothing', async () => {
    const server = await startTestServer({ env: FUZZ_ENV });
    const forbidden = forbiddenIn(server);
    let calls = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(oddString, fc.constantFrom(...TOOL_NAMES.map((n) => `${n} `), ...TOOL_NAMES.map((n) => n.toUpperCase()))), anyValue, async (name, args) => {
          fc.pre(!TOOL_NAMES.includes(name));
          calls += 1;
          const answer = await call(server, name, args);
          expectClean(answer, forbidden, `${name}${JSON.stringify(args) ?? ''}`);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      const who = await server.client.callTool({ name: 'whoami', arguments: {} });
      calls += 1;
      expect(who.isError).toBeFalsy();
      expect(server.audit()).toHaveLength(calls);
      expect(server.logs()).not.toMatch(ERROR_LOG);
    } finally {
      await server.close();
    }
    expect(verifyAuditDir(server.config.auditLogDir, server.config.auditHmacKey).status).toBe('ok');
  }, 300_000);
});
