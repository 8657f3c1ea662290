// Nesting bound for incoming JSON. Guards against a small message that crashes or stalls the server by
// its depth alone: a `tools/call` nested ~4,100 levels deep (8 KB) overflows the stack inside the SDK's
// HTTP handling (a 500 instead of an answer), and recursive validators and redaction pay for every
// level. Each transport measures the raw text BEFORE the SDK parses it and answers a JSON-RPC error
// (Invalid Request) for anything deeper than MAX_JSON_DEPTH; no MCP message needs more.
/** Deepest nesting of objects and arrays accepted in one JSON-RPC message (the message itself is level 1). */
export const MAX_JSON_DEPTH = 64;

/** True when `text` nests objects/arrays deeper than `max` (brackets inside strings do not count). One pass, no recursion. */
export function jsonDepthExceeds(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The message's id when it is a valid JSON-RPC id (string or number), else null. */
export function jsonRpcIdOf(text: string): string | number | null {
  try {
    const id = (JSON.parse(text) as { id?: unknown } | null)?.id; // JSON.parse itself is not recursive in V8
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}
