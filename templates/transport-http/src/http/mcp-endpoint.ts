// The last step of POST /mcp: hands the request the chain has already bounded, parsed and
// authenticated to the SDK's web-standard handler (createMcpHandler's `fetch`) and writes its answer.
// Guards against:
//   - a second read or parse of the body: the SDK gets the JSON our chain parsed (within
//     HTTP_MAX_BODY_BYTES and the nesting cap) as `parsedBody`, and a Request with no body at all;
//   - credentials reaching tools: the SDK's view of the request carries no Authorization or Cookie
//     header — tools get the verified AuthInfo, never the caller's token, so none can pass it on;
//   - the SDK's answer undoing ours: its Cache-Control ("no-cache" on SSE) never replaces our no-store,
//     and its "Connection: keep-alive" is dropped, so a client's "Connection: close" is honoured (an
//     idle socket would otherwise be held until the keep-alive timeout, one of HTTP_MAX_CONNECTIONS);
//   - a client that goes away: the SDK's request signal aborts (its server instance is torn down) and
//     the answer stops being written; a streamed answer waits for the socket to drain (backpressure).
import type { ServerResponse } from 'node:http';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import type { McpRequest } from './chain.js';

/** Headers the SDK never sees: credentials (AuthInfo replaces them) and the framing of a body it is not given. */
const WITHHELD = new Set(['authorization', 'cookie', 'proxy-authorization', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

/** Headers of the SDK's answer we do not pass on (see the top of this file). */
const OURS = new Set(['cache-control', 'pragma', 'connection', 'keep-alive']);

/** The SDK's view of a POST /mcp whose body our chain has read: its headers, no body. */
function sdkRequest(req: McpRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders; // [name, value, name, value, …] as received; repeated headers kept
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!WITHHELD.has(name)) headers.append(name, raw[i + 1]!);
  }
  // Host has passed the Host/Origin guard, so the URL is well formed; the SDK reads only its path.
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method: 'POST', headers, signal });
}

/** Serves one authenticated POST /mcp through the SDK. Rejects only on a failure of the SDK handler itself. */
export async function serveMcp(mcp: McpHttpHandler, req: McpRequest, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  let finished = false;
  res.once('close', () => {
    if (!finished) abort.abort();
  });
  const response = await mcp.fetch(sdkRequest(req, abort.signal), {
    parsedBody: req.body,
    ...(req.auth !== undefined && { authInfo: req.auth }),
  });

  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (!OURS.has(name)) res.setHeader(name, value); // names come lower-cased from Headers
  });
  if (response.body === null || abort.signal.aborted) {
    finished = true;
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || abort.signal.aborted) break;
      if (!res.write(value)) await drained(res, abort.signal);
    }
  } catch {
    // the SDK's stream failed mid-answer: nothing sensible can follow the bytes already sent
  } finally {
    finished = true;
    if (abort.signal.aborted) void reader.cancel().catch(() => undefined);
    res.end();
  }
}

/** Resolves when `res` can take more data, or when the client has gone. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
