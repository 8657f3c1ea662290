// Tool `whoami`: reports the caller's identity. Guards against confusion about which principal and
// scopes a client acts with; takes no arguments (strict empty object: any key is refused).
import * as z from 'zod/v4';
import { defineTool } from './define.js';

export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'Returns the principal this session acts as and the scopes it holds.',
  inputSchema: z.object({}).strict(),
  scopes: [], // open to every caller the server accepts: it returns only the caller's own identity
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, ctx) {
    const identity = { principal: ctx.principal.id, kind: ctx.principal.kind, scopes: [...ctx.principal.scopes] };
    return { content: [{ type: 'text', text: JSON.stringify(identity) }], structuredContent: identity };
  },
});
