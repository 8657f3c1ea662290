// Listening socket and graceful shutdown. Guards against slow or idle clients holding the server
// (header, request and keep-alive timeouts, an idle-socket timeout, a cap on connections), against
// plaintext or outdated TLS (node:https with TLS >= 1.2 when a certificate is configured), and against
// losing work on SIGTERM: stop accepting, let running calls finish and write their audit lines, then
// close the MCP handler, the limiters and the audit log, in that order.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBoundPort } from '../config/http.js';
import { createHttpApp, MCP_PATH, type HttpAppDeps } from './app.js';

export interface HttpServerHandle {
  server: http.Server;
  /** The URL actually bound (port resolved when PORT=0). */
  url: string;
  /** Stop accepting, drain running calls, close everything. Idempotent. */
  shutdown(reason: string): Promise<void>;
}

export async function startHttpServer(deps: HttpAppDeps): Promise<HttpServerHandle> {
  const { runtime, http: cfg } = deps;
  const { logger } = runtime;
  const options: http.ServerOptions = {
    headersTimeout: cfg.headersTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
    keepAliveTimeout: cfg.keepAliveTimeoutMs,
    // How often Node checks the two timeouts above (its default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.min(1000, cfg.headersTimeoutMs),
    // A request without Host is refused by the app's Host allowlist (403 JSON, security headers);
    // Node's own check would answer an empty 400 without them (found by test/fuzz-http.test.ts).
    requireHostHeader: false,
    maxHeaderSize: 16 * 1024,
  };
  const server: http.Server = cfg.tls
    ? https.createServer({ ...options, cert: cfg.tls.cert, key: cfg.tls.key.reveal(), minVersion: 'TLSv1.2' })
    : http.createServer(options);
  server.maxConnections = cfg.maxConnections;
  // Idle sockets (no bytes either way) are closed: covers slow readers of a response.
  server.timeout = runtime.config.toolTimeoutMs + cfg.requestTimeoutMs;
  server.maxRequestsPerSocket = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    logger.debug({ code: err.code }, 'HTTP client error');
    if (socket.writable && !socket.destroyed) {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: status.slice(4) }, id: null });
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  });

  const address = server.address() as AddressInfo;
  // The app is attached once the port is known (PORT=0 binds an ephemeral port: tests).
  const web = createHttpApp({ ...deps, http: withBoundPort(cfg, address.port) });
  server.on('request', web.handler);
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${cfg.tls ? 'https' : 'http'}://${hostForUrl}:${address.port}${MCP_PATH}`;

  let done: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> =>
    (done ??= (async () => {
      logger.info({ reason }, 'shutting down: no new requests; draining running calls');
      web.stopAccepting();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await runtime.drain(); // each running tools/call finishes (or times out) and writes its audit line
      for (let i = 0; i < 40 && web.activeRequests > 0; i++) await sleep(50); // let the answers leave
      await web.close().catch((err: unknown) => logger.warn({ err }, 'error while closing the MCP handler'));
      server.closeAllConnections();
      await closed;
      await deps.ipLimiter.close().catch((err: unknown) => logger.warn({ err }, 'error while closing the IP limiter'));
      await deps.authFailures?.close().catch((err: unknown) => logger.warn({ err }, 'error while closing the auth-failure limiter'));
      deps.authenticator.close?.();
      await runtime.close(); // rate limits, then the audit log (synchronous writes: nothing left to flush)
      logger.info('shut down');
    })());

  logger.info({ url, tls: cfg.tls !== undefined, tools: runtime.tools.map((t) => t.name) }, 'MCP server listening');
  return { server, url, shutdown };
}
