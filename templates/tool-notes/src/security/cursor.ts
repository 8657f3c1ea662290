// Signed, opaque page cursors. Guards against a client forging or editing a cursor to page into rows it
// should not see (another owner's, another query's) or to probe the keyset: the payload is bound to the
// principal, the query and the reach (own notes or all), and MACed with HMAC-SHA256 under a key derived
// (HKDF) from AUDIT_HMAC_KEY with its own label, so a cursor is no audit MAC and vice versa. Anything
// that fails to verify is refused as invalid arguments, with one message whatever the reason.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/v4';
import type { Secret } from '../config.js';
import { ToolError } from './errors.js';

export const CURSOR_MAX_LENGTH = 512;
const MAC_BYTES = 32;

/** Where the next page starts (exclusive): the last row shown, in (created_at desc, id desc) order. */
export interface CursorPosition {
  createdAt: string;
  id: number;
}

/** What a cursor is valid for: it must match on every later call. */
export interface CursorBinding {
  principal: string;
  query: string;
  /** 'all' = a notes:admin search across owners; 'own' = the principal's notes. */
  reach: 'own' | 'all';
}

const Payload = z
  .object({
    v: z.literal(1),
    c: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    i: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    b: z.string().length(43),
  })
  .strict();

export const INVALID_CURSOR_TEXT =
  'Invalid arguments: the cursor is not valid for this caller and query (it may have been altered). Repeat the search without a cursor.';

function hash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** The binding as one hash: principal, reach and query, each length-prefixed by JSON. */
function bindingHash(binding: CursorBinding): string {
  return hash(JSON.stringify([binding.principal, binding.reach, binding.query]));
}

export class CursorCodec {
  readonly #key: Buffer;

  constructor(secret: Secret, label = 'notes-cursor/v1') {
    this.#key = Buffer.from(hkdfSync('sha256', secret.reveal(), Buffer.alloc(0), label, MAC_BYTES));
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload, 'utf8').digest();
  }

  encode(position: CursorPosition, binding: CursorBinding): string {
    const payload = Buffer.from(JSON.stringify({ v: 1, c: position.createdAt, i: position.id, b: bindingHash(binding) }), 'utf8').toString('base64url');
    return `${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  /** The position, or a ToolError (invalid arguments) for anything altered, forged or bound elsewhere. */
  decode(cursor: string, binding: CursorBinding): CursorPosition {
    const refuse = (): never => {
      throw new ToolError(INVALID_CURSOR_TEXT);
    };
    if (cursor.length > CURSOR_MAX_LENGTH) refuse();
    const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(cursor);
    if (!match) return refuse();
    const [, payload = '', macText = ''] = match;
    const mac = Buffer.from(macText, 'base64url');
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, this.#mac(payload))) refuse();
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return refuse();
    }
    const parsed = Payload.safeParse(data);
    if (!parsed.success) return refuse();
    const expected = Buffer.from(bindingHash(binding));
    const got = Buffer.from(parsed.data.b);
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) refuse();
    return { createdAt: parsed.data.c, id: parsed.data.i };
  }
}
