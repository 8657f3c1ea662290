// Response content rules for the fetch tool. Guards against binary or compressed payloads passed to a
// model as "text" (only text-ish media types are returned, `Content-Encoding` other than identity is
// refused — so there is no decompression bomb to defuse) and against reading without bound (the body
// is streamed and cut at the byte cap; the connection is dropped there and the result marked truncated).
import type { IncomingMessage } from 'node:http';
import { TextDecoder } from 'node:util';
import { ToolError } from './errors.js';

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-ndjson',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/x-www-form-urlencoded',
]);

export function isTextType(mimeType: string): boolean {
  return /^text\/[a-z0-9.+-]+$/.test(mimeType) || TEXT_TYPES.has(mimeType) || /^application\/[a-z0-9.-]+\+(json|xml)$/.test(mimeType);
}

/** Media type and charset of a response; refuses non-text and encoded bodies. */
export function textContentType(res: IncomingMessage): { mimeType: string; charset: string } {
  const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    throw new ToolError('Refused: the response is compressed (Content-Encoding); only uncompressed text is returned.');
  }
  const header = res.headers['content-type'];
  if (header === undefined) throw new ToolError('Refused: the response has no Content-Type; only text content is returned.');
  const [type = '', ...params] = header.split(';');
  const mimeType = type.trim().toLowerCase();
  if (!isTextType(mimeType)) {
    const shown = /^[a-z0-9.+-]{1,60}\/[a-z0-9.+-]{1,80}$/.test(mimeType) ? mimeType : 'non-text';
    throw new ToolError(`Refused: the response is ${shown} content; only text (text/*, JSON, XML) is returned.`);
  }
  const charsetParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  const charset = charsetParam?.slice('charset='.length).replace(/^"|"$/g, '') ?? 'utf-8';
  return { mimeType, charset };
}

/** Reads at most `maxBytes` of the body, then stops reading and drops the connection. */
export async function readCapped(res: IncomingMessage, maxBytes: number): Promise<{ data: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let received = 0;
  let truncated = false;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    const room = maxBytes - received;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      received += room;
      truncated = true;
      break; // ends the iteration, which destroys the response stream
    }
    chunks.push(chunk);
    received += chunk.length;
  }
  res.destroy();
  return { data: Buffer.concat(chunks, received), truncated };
}

/** Decodes text in its declared charset (unknown labels: UTF-8); a cut body loses its partial last character. */
export function decodeText(data: Buffer, charset: string, truncated: boolean): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  const text = decoder.decode(data, { stream: truncated }); // stream: keeps an incomplete trailing sequence out
  if (text.includes('\u0000')) throw new ToolError('Refused: the response looks binary (it contains NUL characters).');
  return text;
}
