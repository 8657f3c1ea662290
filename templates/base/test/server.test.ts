// buildServer: identity from package.json, and the guard fails closed rather than serve unguarded tools.
import fs from 'node:fs';
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, expect, test } from 'vitest';
import { createLogger } from '../src/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { installGuard } from '../src/security/guard.js';
import { buildServer } from '../src/server.js';
import { echo } from './fixtures/tools.js';
import { PROJECT_ROOT, startTestServer, testConfig } from './helpers.js';

let runtime: Runtime | undefined;
afterEach(() => runtime?.close());

test('server name and version come from package.json', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const s = await startTestServer();
  try {
    expect(s.client.getServerVersion()).toMatchObject({ name: pkg.name, version: pkg.version });
  } finally {
    await s.close();
  }
});

test('the guard refuses to install if the SDK already set tools/call (no unguarded tools)', () => {
  const config = testConfig();
  runtime = openRuntime(config, createLogger('silent'));
  const server = new McpServer({ name: 'x', version: '0' }, { capabilities: { tools: {} } }); // handler installed before the hook
  expect(() => installGuard(server, [echo], runtime!)).toThrow(/could not be installed/);
});

test('advertises tools without listChanged: the tool list is fixed at start-up, no notification ever comes', async () => {
  const s = await startTestServer();
  try {
    expect(s.client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
  } finally {
    await s.close();
  }
});

test('buildServer can be called once per connection with shared deps', () => {
  runtime = openRuntime(testConfig(), createLogger('silent'));
  expect(buildServer(runtime)).toBeInstanceOf(McpServer);
  expect(buildServer(runtime)).toBeInstanceOf(McpServer);
});

test('no console.* and no stdout writes in the server code (stdout belongs to the protocol)', () => {
  const files = fs.readdirSync(path.join(PROJECT_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith(`cli${path.sep}`));
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    const code = fs.readFileSync(path.join(PROJECT_ROOT, 'src', file), 'utf8');
    expect(code, file).not.toMatch(/(^|[\s;{}(=&|?:,])console\.\w+\(/m);
    expect(code, file).not.toMatch(/process\.stdout/);
  }
});
