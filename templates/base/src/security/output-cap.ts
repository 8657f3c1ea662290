// Output cap. Guards against a tool flooding the client (and the model's context) with an unbounded
// result: content beyond MAX_TOOL_OUTPUT_BYTES is cut at a UTF-8 character boundary and a visible,
// server-authored marker block says how much was left out.
import type { CallToolResult } from '@modelcontextprotocol/server';

type Block = CallToolResult['content'][number];
const MARKER_RESERVE = 200;

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` that fits in `max` UTF-8 bytes without splitting a character. */
export function utf8Prefix(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  let end = Math.max(0, max);
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--; // buf[end] continues a character: back off
  return buf.subarray(0, end).toString('utf8');
}

export function capOutput(result: CallToolResult, maxBytes: number): { result: CallToolResult; omittedBytes: number } {
  const sizeOf = (block: Block) => (block.type === 'text' ? bytes(block.text) : bytes(JSON.stringify(block)));
  const structuredBytes = result.structuredContent === undefined ? 0 : bytes(JSON.stringify(result.structuredContent));
  const total = result.content.reduce((sum, block) => sum + sizeOf(block), 0) + structuredBytes;
  if (total <= maxBytes) return { result, omittedBytes: 0 };

  let budget = Math.max(0, maxBytes - MARKER_RESERVE);
  const content: Block[] = [];
  for (const block of result.content) {
    const size = sizeOf(block);
    if (size <= budget) {
      content.push(block);
      budget -= size;
    } else if (block.type === 'text' && budget > 0) {
      content.push({ ...block, text: utf8Prefix(block.text, budget) });
      budget = 0;
    } else {
      budget = 0; // a non-text block cannot be cut meaningfully: drop it and everything after
    }
    if (budget === 0) break;
  }
  const kept = content.reduce((sum, block) => sum + sizeOf(block), 0);
  const omittedBytes = total - kept;
  content.push({
    type: 'text',
    text: `[output truncated by the server: ${omittedBytes} of ${total} bytes omitted (MAX_TOOL_OUTPUT_BYTES=${maxBytes})]`,
  });
  // structuredContent is dropped rather than cut: partial JSON would be wrong, not just short.
  const { structuredContent: _dropped, ...rest } = result;
  return { result: { ...rest, content }, omittedBytes };
}
