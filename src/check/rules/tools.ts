/**
 * Tool rules. Guards against the tool-level weaknesses scanners look for: input schemas that accept
 * unknown keys or unbounded values, tools without declared scopes, annotations that lie about what a
 * tool does (a delete called read-only), and descriptions that hide text from the user or are built
 * from data (tool poisoning). Tools are found in every common style (see tools-find.ts).
 */
import type { Evidence, Outcome, ProjectView, Rule } from '../types.js';
import { firstEvidence } from '../source-scan.js';
import { callAt, declaration, evidenceAt, matchBracket, withoutComments, type Span } from './code-lexer.js';
import { findTools, type FoundTool } from './tools-find.js';

const NO_TOOLS: Outcome = { status: 'not-applicable', message: 'No MCP tool definition found.', evidence: [] };

type FoundAll = ReturnType<typeof findTools>;

function genericOnly(generic: FoundAll['generic']): Outcome {
  const first = generic[0];
  return {
    status: 'warn',
    message: 'Tools are registered from data (registerTool with forwarded definitions) and no definition could be read: review them by hand.',
    evidence: first === undefined ? [] : [evidenceAt(first.file, first.index)],
  };
}

/** Runs `judge` on the project's tool definitions; without any, the outcome every tool rule shares. */
function withTools(project: ProjectView, judge: (tools: readonly FoundTool[]) => Outcome): Outcome {
  const { tools, generic } = findTools(project);
  if (tools.length === 0) return generic.length > 0 ? genericOnly(generic) : NO_TOOLS;
  return judge(tools);
}

const label = (tool: FoundTool): string => tool.name ?? `tool at ${tool.file.path}`;
const slice = (tool: FoundTool, span: Span | undefined): string => (span === undefined ? '' : tool.code.slice(span.start, span.end));

/** The method chain after a call closing at `close`: `.a(…).b.c(…)` (masked code). */
function chainAfter(code: string, close: number): Span {
  let i = close + 1;
  const start = i;
  for (let guard = 0; guard < 200; guard++) {
    let k = i;
    while (k < code.length && /\s/.test(code[k] as string)) k++;
    if (code[k] === '?' && code[k + 1] === '.') k++;
    if (code[k] !== '.') break;
    k++;
    while (k < code.length && /\s/.test(code[k] as string)) k++;
    const name = /^[A-Za-z_$][\w$]*/.exec(code.slice(k, k + 100));
    if (name === null) break;
    k += name[0].length;
    while (k < code.length && /\s/.test(code[k] as string)) k++;
    if (code[k] === '(') {
      const end = matchBracket(code, k);
      if (end === -1) break;
      k = end + 1;
    }
    i = k;
  }
  return { start, end: i };
}

type SchemaKind = 'strict' | 'loose' | 'shape' | 'json-open' | 'json-strict' | 'none' | 'unknown';

function schemaKind(tool: FoundTool): { kind: SchemaKind; index: number } {
  const span = tool.schema;
  if (span === undefined) return { kind: 'none', index: tool.index };
  const code = tool.code;
  const text = code.slice(span.start, span.end);
  if (tool.schemaIsShape) return { kind: 'shape', index: span.start };
  const zodObject = /^z\s*\.\s*(object|strictObject|looseObject)\s*\(/.exec(text.trim());
  if (zodObject !== null) {
    const begin = span.start + text.indexOf(zodObject[0]);
    const call = callAt(code, begin, begin + zodObject[0].length - 1);
    const chain = code.slice(call.close + 1, chainAfter(code, call.close).end);
    if (zodObject[1] === 'looseObject' || /\.\s*(?:passthrough|loose|catchall)\s*\(/.test(chain)) return { kind: 'loose', index: begin };
    if (zodObject[1] === 'strictObject' || /\.\s*strict\s*\(/.test(chain)) return { kind: 'strict', index: begin };
    return { kind: 'loose', index: begin };
  }
  if (text.trim().startsWith('{')) {
    const original = tool.file.text.slice(span.start, span.end);
    if (/(?<![\w$])type\s*:\s*['"]object['"]/.test(original) || /(?<![\w$])properties\s*:/.test(original)) {
      return /additionalProperties\s*:\s*false/.test(original) ? { kind: 'json-strict', index: span.start } : { kind: 'json-open', index: span.start };
    }
    return { kind: 'shape', index: span.start };
  }
  return { kind: 'unknown', index: span.start };
}

const TOOL_001: Rule = {
  id: 'SMCP-TOOL-001',
  title: 'Every tool has a strict input schema',
  severity: 'high',
  checklist: 'Every tool validates its input against a strict schema: unknown keys are refused, not ignored.',
  owasp: 'MCP03: Tool Poisoning',
  hint: 'Use z.object({...}).strict() (or z.strictObject) as inputSchema; for raw JSON Schema set additionalProperties: false.',
  run(project) {
    return withTools(project, (tools) => {
      const fails: Evidence[] = [];
      const warns: Evidence[] = [];
      for (const tool of tools) {
        const { kind, index } = schemaKind(tool);
        const at = evidenceAt(tool.file, index);
        const ev = { ...at, snippet: `${label(tool)}: ${at.snippet ?? ''}` };
        if (kind === 'loose' || kind === 'json-open') fails.push(ev);
        else if (kind === 'shape' || kind === 'unknown') warns.push(ev);
      }
      if (fails.length > 0) return { status: 'fail', message: `${fails.length} tool schema(s) accept unknown keys (no .strict() / additionalProperties: false).`, evidence: firstEvidence([...fails, ...warns]) };
      if (warns.length > 0) return { status: 'warn', message: `${warns.length} tool schema(s) are raw shapes or could not be read: unknown keys may be stripped silently rather than refused.`, evidence: firstEvidence(warns) };
      return { status: 'pass', message: `${tools.length} tool(s) found; every input schema is strict (or takes no arguments).`, evidence: [] };
    });
  },
};

const STRING_BOUND = /\.\s*(?:max|length|uuid|ulid|cuid2?|nanoid|datetime|date|time|ipv4|ipv6|cidrv4|cidrv6|base64|emoji|duration)\s*\(/;
const NUMBER_BOUND = /\.\s*(?:max|lte|lt|negative|nonpositive)\s*\(/;
const ARRAY_BOUND = /\.\s*(?:max|length)\s*\(/;

/** Unbounded fields of a schema: zod calls without a bound, JSON Schema types without max*. */
function unbounded(tool: FoundTool): number[] {
  const span = tool.schema;
  if (span === undefined) return [];
  const code = tool.code;
  const text = code.slice(span.start, span.end);
  const found: number[] = [];
  const re = /(?<![\w$])z\s*\.\s*(?:coerce\s*\.\s*)?(string|number|int|array|url|email)\s*\(/g;
  for (let m = re.exec(text); m !== null && found.length < 200; m = re.exec(text)) {
    const at = span.start + m.index;
    const call = callAt(code, at, at + m[0].length - 1);
    const chain = code.slice(call.close + 1, chainAfter(code, call.close).end);
    const type = m[1] as string;
    const bound = type === 'array' ? ARRAY_BOUND : type === 'number' || type === 'int' ? NUMBER_BOUND : STRING_BOUND;
    if (!bound.test(chain)) found.push(at);
  }
  const original = tool.file.text.slice(span.start, span.end);
  const json = /(?<![\w$])type\s*:\s*['"](string|number|integer|array)['"]/g;
  for (let m = json.exec(original); m !== null && found.length < 200; m = json.exec(original)) {
    const at = span.start + m.index;
    let open = -1;
    for (let i = at - 1, depth = 0; i >= span.start; i--) {
      const c = code[i];
      if (c === '}' || c === ']') depth++;
      else if (c === '[') depth--;
      else if (c === '{') {
        if (depth === 0) {
          open = i;
          break;
        }
        depth--;
      }
    }
    const close = open === -1 ? -1 : matchBracket(code, open);
    const objectText = open === -1 || close === -1 ? '' : tool.file.text.slice(open, close + 1);
    const t = m[1] as string;
    const ok = /(?<![\w$])(?:enum|const)\s*:/.test(objectText) || (t === 'string' ? /maxLength\s*:|format\s*:\s*['"](?:uuid|date|date-time|time|ipv4|ipv6)['"]/.test(objectText) : t === 'array' ? /maxItems\s*:/.test(objectText) : /maximum\s*:|exclusiveMaximum\s*:/.test(objectText));
    if (!ok) found.push(at);
  }
  return found.sort((a, b) => a - b);
}

const TOOL_002: Rule = {
  id: 'SMCP-TOOL-002',
  title: 'Bounds on every tool input field',
  severity: 'medium',
  checklist: 'Every string, array and number a tool accepts has an upper bound (length, items, value).',
  owasp: 'MCP03: Tool Poisoning',
  hint: 'Add .max(n) to every z.string(), z.array() and z.number() in tool input schemas (maxLength/maxItems/maximum in JSON Schema), or use enums/literals.',
  run(project) {
    return withTools(project, (tools) => {
      const evidence: Evidence[] = [];
      let count = 0;
      const names = new Set<string>();
      for (const tool of tools) {
        for (const at of unbounded(tool)) {
          count++;
          names.add(label(tool));
          evidence.push(evidenceAt(tool.file, at));
        }
      }
      if (count > 0) return { status: 'fail', message: `${count} unbounded input field(s) in ${[...names].join(', ')}.`, evidence: firstEvidence(evidence) };
      return { status: 'pass', message: `Every string, array and number field in ${tools.length} tool schema(s) is bounded.`, evidence: [] };
    });
  },
};

const SDK_AUTHZ = /\bauthInfo\b[\s\S]{0,80}\bscopes\b|\brequireScopes?\s*\(|\bhasScope\s*\(|\bcheckScopes?\s*\(|\bscopeChallenge\b|\bauthorize\s*\(|\bcanAccess\b/;

const TOOL_003: Rule = {
  id: 'SMCP-TOOL-003',
  title: 'Every tool declares the scopes it needs',
  severity: 'high',
  checklist: 'Every tool declares the scopes a caller must hold; a call without them is refused.',
  owasp: 'MCP02: Privilege Escalation via Scope Creep',
  hint: "Give each tool a non-empty scopes list (e.g. ['notes:read']), or write why it is open to every authenticated caller beside an empty list (`scopes: [], // returns only the caller's own identity`); for SDK registrations, add scopeChallenge: requireScopes(…) or check ctx.http.authInfo.scopes in the handler.",
  run(project) {
    return withTools(project, (tools) => {
      const fails: Evidence[] = [];
      const warns: Evidence[] = [];
      const open: Evidence[] = [];
      for (const tool of tools) {
        if (tool.kind === 'define') {
          const prop = tool.props.get('scopes');
          const value = prop === undefined ? undefined : resolveText(tool, prop.value);
          const at = prop?.span.start ?? tool.index;
          // `scopes: [], // why` — an empty list with its reason on the same line is a reviewed decision
          // (every authenticated caller may use the tool), shown as evidence; without a reason it fails.
          if (value !== undefined && /^\[\s*\]/.test(value.trim()) && justified(tool.file.text, at)) open.push({ ...evidenceAt(tool.file, at), ...(tool.name ? { snippet: `${tool.name}: ${lineOfText(tool.file.text, at)}` } : {}) });
          else if (value === undefined || /^\[\s*\]/.test(value.trim())) fails.push({ ...evidenceAt(tool.file, at) });
        } else {
          const text = tool.code.slice(tool.range.start, tool.range.end);
          if (!SDK_AUTHZ.test(text)) warns.push(evidenceAt(tool.file, tool.index));
        }
      }
      if (fails.length > 0) return { status: 'fail', message: `${fails.length} tool(s) declare no scope (missing or empty scopes list): any caller may use them.`, evidence: firstEvidence([...fails, ...warns]) };
      if (warns.length > 0) return { status: 'warn', message: `No per-tool authorization found for ${warns.length} SDK-registered tool(s) (no scopeChallenge or scope check in the handler).`, evidence: firstEvidence(warns) };
      if (open.length > 0) return { status: 'pass', message: `${tools.length} tool(s) declare scopes; ${open.length} open to every authenticated caller by a commented declaration.`, evidence: firstEvidence(open) };
      return { status: 'pass', message: `${tools.length} tool(s), each with declared scopes or a scope check.`, evidence: [] };
    });
  },
};

/** The source line at `index` carries a `//` comment of at least three words after the value. */
function justified(text: string, index: number): boolean {
  const comment = /\/\/\s*(.*)$/.exec(lineOfText(text, index))?.[1] ?? '';
  return comment.trim().split(/\s+/).filter((w) => /[A-Za-z]/.test(w)).length >= 3;
}

function lineOfText(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? undefined : end).trim().slice(0, 160);
}

function resolveText(tool: FoundTool, span: Span): string {
  const text = tool.code.slice(span.start, span.end).trim();
  if (/^[A-Za-z_$][\w$]*$/.test(text)) {
    const d = declaration(tool.code, text);
    if (d !== undefined) return tool.code.slice(d.start, d.end);
  }
  return text;
}

const DESTRUCTIVE_WORDS = new Set(['delete', 'remove', 'purge', 'drop', 'destroy', 'truncate', 'wipe', 'overwrite', 'erase', 'unlink', 'rm', 'rmdir']);
/** Whether a tool name (snake, kebab, dotted or camel case) has a deleting verb as one of its words. */
const destructiveName = (name: string): boolean =>
  name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).some((w) => DESTRUCTIVE_WORDS.has(w));
const DESTRUCTIVE_CODE = /([\w$)\]]*)\s*\.\s*delete\s*\(|(?<![\w$])(?:unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync|deleteFrom|dropTable|truncate|truncateSync)\s*\(/;
/** `.delete(` on an in-memory bookkeeping collection (a Map or Set of clients, timers, states…) deletes no data. */
const COLLECTION = /(?:map|set|cache|states?|clients?|sessions?|pending|timers?|listeners?|subscri\w*|handlers?|waiters?|inflight|seen|tasks?|requests?|elicitations?|registry|keys|ids|controllers?|queue|watchers?)$/i;

function destructiveCall(code: string): RegExpExecArray | null {
  const re = new RegExp(DESTRUCTIVE_CODE.source, 'g');
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    if (m[1] !== undefined && m[0].includes('.') && /delete\s*\($/.test(m[0]) && COLLECTION.test(m[1])) continue;
    return m;
  }
  return null;
}

const DESTRUCTIVE_SQL = /\b(?:DELETE\s+FROM|DROP\s+(?:TABLE|DATABASE|SCHEMA)|TRUNCATE\s+(?:TABLE\s+)?\w)/;
const WRITE_CODE = /(?<![\w$])(?:writeFile|writeFileSync|appendFile|appendFileSync|insertInto|updateTable|deleteFrom|unlink|unlinkSync|rm|rmSync|mkdir|mkdirSync|rename|renameSync|createWriteStream)\s*\(/;
const WRITE_SQL = /\b(?:INSERT\s+INTO|UPDATE\s+[\w".]+\s+SET|DELETE\s+FROM|DROP\s+TABLE|ALTER\s+TABLE|CREATE\s+TABLE)\b/;

function hint(tool: FoundTool, name: 'destructiveHint' | 'readOnlyHint'): boolean | undefined {
  const text = tool.annotations === undefined ? '' : tool.file.text.slice(tool.annotations.start, tool.annotations.end);
  const m = new RegExp(`${name}\\s*:\\s*(true|false)`).exec(text);
  return m === null ? undefined : m[1] === 'true';
}

function handlerText(tool: FoundTool): { code: string; sqlText: string; start: number } {
  const span = tool.handler ?? tool.range;
  const plain = withoutComments(tool.file);
  // SQL lives in strings: read it in the text with only comments blanked.
  return { code: tool.code.slice(span.start, span.end), sqlText: plain.slice(span.start, span.end), start: span.start };
}

const TOOL_004: Rule = {
  id: 'SMCP-TOOL-004',
  title: 'Tool annotations are honest',
  severity: 'high',
  checklist: 'Tool annotations say what the tool does: a tool that deletes or overwrites is marked destructive; a tool marked read-only writes nothing.',
  owasp: 'MCP03: Tool Poisoning',
  hint: 'Set annotations.destructiveHint: true (and readOnlyHint: false) on tools that delete or overwrite; drop readOnlyHint: true from tools that write.',
  run(project) {
    return withTools(project, (tools) => {
      const fails: Evidence[] = [];
      const problems: string[] = [];
      for (const tool of tools) {
        const { code, sqlText, start } = handlerText(tool);
        const destructiveIn = destructiveCall(code) ?? DESTRUCTIVE_SQL.exec(sqlText);
        const byName = tool.name !== undefined && destructiveName(tool.name);
        const destructive = hint(tool, 'destructiveHint');
        const readOnly = hint(tool, 'readOnlyHint');
        const at = (index: number | undefined): Evidence => evidenceAt(tool.file, index === undefined ? tool.index : start + index);
        if ((byName || destructiveIn !== null) && (destructive !== true || readOnly === true)) {
          problems.push(`${label(tool)} deletes or overwrites but is not marked destructiveHint: true${readOnly === true ? ' (and claims readOnlyHint: true)' : ''}`);
          fails.push(at(destructiveIn?.index));
          continue;
        }
        if (readOnly === true) {
          const writes = WRITE_CODE.exec(code) ?? WRITE_SQL.exec(sqlText);
          if (writes !== null) {
            problems.push(`${label(tool)} claims readOnlyHint: true but writes`);
            fails.push(at(writes.index));
          }
        }
      }
      if (fails.length > 0) return { status: 'fail', message: problems.slice(0, 5).join('; ') + '.', evidence: firstEvidence(fails) };
      return { status: 'pass', message: `Annotations of ${tools.length} tool(s) agree with their names and handlers.`, evidence: [] };
    });
  },
};

// Zero-width, bidi controls, word joiners / invisible operators, BOM, tag characters.
const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/u;
const HIDDEN_G = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/gu;
const MARKUP = /<!--|<\/?\s*(?:important|system|instructions?|secret|hidden|admin|sudo|prompt)\b[^>]{0,100}>/i;

/** Whether an expression (masked code) is built from data: interpolates or concatenates non-constants. */
function builtFromData(code: string, span: Span): boolean {
  const text = code.slice(span.start, span.end);
  const names = new Set<string>();
  const interp = /\$\{([^}]*)\}/g;
  for (let m = interp.exec(text); m !== null; m = interp.exec(text)) for (const id of (m[1] ?? '').match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? []) names.add(id);
  const outside = text.replace(/`[^`]*`/g, (t) => ' '.repeat(t.length)).replace(/(['"])[^'"]*\1/g, (t) => ' '.repeat(t.length));
  if (/^[A-Za-z_$][\w$]*\s*\(/.test(outside.trim()) || /\bawait\b/.test(outside)) return true;
  for (const id of outside.match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? []) names.add(id);
  for (const id of names) {
    if (/^[A-Z][A-Z0-9_]*$/.test(id) || id === 'as' || id === 'const') continue;
    const d = declaration(code, id);
    if (d !== undefined && (code.slice(d.start, d.end).trim().match(/^(['"`])/) !== null && !code.slice(d.start, d.end).includes('${'))) continue;
    return true;
  }
  return false;
}

const TOOL_005: Rule = {
  id: 'SMCP-TOOL-005',
  title: 'Tool descriptions hide nothing and are fixed text',
  severity: 'high',
  checklist: 'Tool names, titles and descriptions are fixed, visible text: no hidden characters, no embedded instructions, not built from data.',
  owasp: 'MCP03: Tool Poisoning',
  hint: 'Remove zero-width/bidi/tag characters and HTML comments or <IMPORTANT>-style tags from tool text; write descriptions as fixed strings (constants only).',
  run(project) {
    return withTools(project, (tools) => {
      const fails: Evidence[] = [];
      const warns: Evidence[] = [];
      for (const tool of tools) {
        const text = tool.file.text;
        // Hidden characters: anywhere in the definition. Markup: in the text the model reads (description,
        // title, field descriptions, a legacy tool's leading arguments), not in the handler's own strings.
        const ranges: Span[] = [tool.range];
        const textRanges: Span[] = [];
        if (tool.kind === 'legacy' && tool.handler !== undefined) textRanges.push({ start: tool.range.start, end: tool.handler.start });
        for (const key of ['description', 'title']) {
          const prop = tool.props.get(key);
          if (prop === undefined) continue;
          textRanges.push(prop.value);
          const value = tool.code.slice(prop.value.start, prop.value.end);
          for (const id of value.match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? []) {
            const d = declaration(tool.code, id);
            if (d !== undefined) {
              ranges.push(d);
              textRanges.push(d);
            }
          }
          if (builtFromData(tool.code, prop.value)) warns.push({ ...evidenceAt(tool.file, prop.span.start), snippet: `${label(tool)}: ${key} built from data` });
        }
        if (tool.schema !== undefined) {
          const describe = /\.\s*describe\s*\(/g;
          const schemaCode = tool.code.slice(tool.schema.start, tool.schema.end);
          for (let m = describe.exec(schemaCode); m !== null; m = describe.exec(schemaCode)) {
            const call = callAt(tool.code, tool.schema.start + m.index, tool.schema.start + m.index + m[0].length - 1);
            textRanges.push({ start: call.open, end: call.close });
          }
          if (tool.schema.start < tool.range.start || tool.schema.end > tool.range.end) ranges.push(tool.schema);
        }
        let failed = false;
        for (const r of ranges) {
          const chunk = text.slice(r.start, r.end);
          const hidden = HIDDEN.exec(chunk);
          if (hidden !== null) {
            const count = chunk.match(HIDDEN_G)?.length ?? 1;
            const ev = evidenceAt(tool.file, r.start + hidden.index);
            fails.push({ ...ev, snippet: `${label(tool)}: ${count} hidden character(s) (U+${(hidden[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}): ${(ev.snippet ?? '').replace(HIDDEN_G, '\uFFFD')}` });
            failed = true;
            break;
          }
        }
        for (const r of failed ? [] : textRanges) {
          const chunk = text.slice(r.start, r.end);
          const markup = MARKUP.exec(chunk);
          if (markup !== null && tool.code.slice(r.start + markup.index, r.start + markup.index + 2).trim() === '') {
            fails.push({ ...evidenceAt(tool.file, r.start + markup.index), snippet: `${label(tool)}: ${evidenceAt(tool.file, r.start + markup.index).snippet ?? ''}` });
            break;
          }
        }
      }
      if (fails.length > 0) return { status: 'fail', message: `${fails.length} tool definition(s) hold hidden characters or embedded instructions.`, evidence: firstEvidence([...fails, ...warns]) };
      if (warns.length > 0) return { status: 'warn', message: `${warns.length} tool description(s) or title(s) are built from data, not fixed text.`, evidence: firstEvidence(warns) };
      return { status: 'pass', message: `Descriptions of ${tools.length} tool(s) are fixed, visible text.`, evidence: [] };
    });
  },
};

export const RULES: readonly Rule[] = [TOOL_001, TOOL_002, TOOL_003, TOOL_004, TOOL_005];
