// stdio entry point. Guards against corrupting the protocol stream (nothing but JSON-RPC on stdout:
// logs and start-up errors go to stderr), against messages nested deep enough to overflow a parser
// or validator (refused with a JSON-RPC error before the SDK sees them) and against losing audit lines
// on shutdown (the log is closed with its end record on SIGINT/SIGTERM — SIGBREAK on Windows — or stdin end). Run as `node <abs>/dist/transports/stdio.js`.
import { randomUUID } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { AuditLogError } from '../security/audit.js';
import { refuseMalformedToolCall } from '../security/envelope.js';
import { jsonDepthExceeds, jsonRpcIdOf, MAX_JSON_DEPTH } from '../security/json-depth.js';
import { shutdownSignals } from '../security/platform.js';
import { buildServer } from '../server.js';

let runtime: Runtime;
try {
  const config = loadConfig();
  runtime = openRuntime(config, createLogger(config.logLevel));
  await runtime.prepare(); // readies src/resources.ts: a failure is a refusal to start
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof AuditLogError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const { logger } = runtime;

/** Larger unfinished lines are passed on as they are: the SDK's own 10 MiB read-buffer cap applies. */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * stdin, line by line, with every message nested deeper than MAX_JSON_DEPTH answered here (JSON-RPC
 * Invalid Request, its id when it has one) and never handed to the SDK, which parses and validates a
 * line as soon as it arrives.
 */
function depthCheckedStdin(reply: (message: Parameters<StdioServerTransport['send']>[0]) => Promise<void>): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const check = (line: Buffer): boolean => {
    const text = line.toString('utf8');
    if (!jsonDepthExceeds(text)) {
      // A tools/call the SDK would drop unanswered (malformed envelope): audited and answered here.
      const refusal = refuseMalformedToolCall(text, runtime.audit, runtime.localPrincipal.id, randomUUID);
      if (refusal === undefined) return true;
      reply(refusal as Parameters<typeof reply>[0]).catch((err: unknown) => logger.warn({ err }, 'stdio: could not answer a refused message'));
      return false;
    }
    logger.warn({ bytes: line.length }, `stdio message refused: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    // A tools/call refused for its depth is still a call attempt: it gets its one audit line.
    const deepCall = refuseMalformedToolCall(text, runtime.audit, runtime.localPrincipal.id, randomUUID, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (deepCall !== undefined) {
      reply(deepCall as Parameters<typeof reply>[0]).catch((err: unknown) => logger.warn({ err }, 'stdio: could not answer a refused message'));
      return false;
    }
    const id = jsonRpcIdOf(text);
    if (id !== null) {
      const message = `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
      reply({ jsonrpc: '2.0', id, error: { code: -32600, message } }).catch((err: unknown) => logger.warn({ err }, 'stdio: could not answer a refused message'));
    }
    return false;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const line = Buffer.concat([...pending, chunk.subarray(start, nl + 1)]);
        pending = [];
        pendingBytes = 0;
        if (check(line)) this.push(line);
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) {
          this.push(Buffer.concat(pending));
          pending = [];
          pendingBytes = 0;
        }
      }
      done();
    },
    flush(done: TransformCallback) {
      if (pendingBytes > 0 && check(Buffer.concat(pending))) this.push(Buffer.concat(pending));
      done();
    },
  });
}

// The transport writes to stdout (its default); the refusals go out through it like every answer.
const transport: StdioServerTransport = new StdioServerTransport(process.stdin.pipe(depthCheckedStdin((message) => transport.send(message))));
const handle = serveStdio(() => buildServer(runtime), {
  transport,
  onerror: (err) => logger.warn({ err }, 'stdio transport error'),
});
logger.info({ tools: runtime.tools.map((t) => t.name) }, 'MCP server ready on stdio');

let closing = false;
async function shutdown(reason: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ reason }, 'shutting down');
  await handle.close().catch((err: unknown) => logger.warn({ err }, 'error while closing the transport'));
  await runtime.drain(); // running calls are aborted; let each write its audit line
  await runtime.close(); // audit writes are synchronous: writes pending refusal counts and the end record, then closes the limiter store
  setTimeout(() => process.exit(0), 1000).unref(); // a handler ignoring its signal must not keep us alive
}
// SIGINT/SIGTERM; on Windows, where SIGTERM is never delivered, SIGINT and Ctrl+Break (SIGBREAK). A
// desktop client stops its server by closing stdin, which works the same on every system.
for (const signal of shutdownSignals()) process.once(signal, () => void shutdown(signal));
process.stdin.once('end', () => void shutdown('stdin closed'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  void runtime.close(); // closes the audit log synchronously before exiting
  process.exit(1);
});
