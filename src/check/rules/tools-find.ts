/**
 * Finds MCP tool definitions in any TypeScript/JavaScript project, for the tool rules. Guards against a
 * review that misses tools because they are written in another style: create-secure-mcp's
 * `defineTool({ … })`, the SDK's `server.registerTool(name, { … }, handler)`, the legacy
 * `server.tool(name, [description], [shape], [annotations], handler)`, FastMCP's `server.addTool({ … })`,
 * and raw JSON Schema tool lists
 * (`{ name, description, inputSchema: { type: 'object', … } }`). Registrations that only forward
 * another definition (`registerTool(def.name, { inputSchema: def.inputSchema … })`) are reported as
 * `generic`: there is nothing to read in them, the definitions they forward are read where they are.
 */
import type { ProjectFile, ProjectView } from '../types.js';
import { callAt, declaration, enclosingBrace, findInCode, masked, objectProps, type Prop, type Span } from './code-lexer.js';

export type ToolKind = 'define' | 'register' | 'legacy' | 'raw';

export interface FoundTool {
  readonly file: ProjectFile;
  readonly code: string;
  readonly kind: ToolKind;
  /** Where the definition starts (for evidence). */
  readonly index: number;
  readonly range: Span;
  /** The tool name when written as a literal. */
  readonly name: string | undefined;
  /** Properties of the definition object (defineTool/raw) or of registerTool's config. */
  readonly props: ReadonlyMap<string, Prop>;
  /** The input schema expression (resolved through a same-file const), if any. */
  readonly schema: Span | undefined;
  /** Legacy `server.tool` shape argument is a raw zod shape by construction. */
  readonly schemaIsShape: boolean;
  readonly handler: Span | undefined;
  readonly annotations: Span | undefined;
}

export interface ToolScan {
  readonly tools: readonly FoundTool[];
  /** Registrations forwarding a definition read elsewhere (or built from data). */
  readonly generic: readonly { file: ProjectFile; index: number }[];
}

const cache = new WeakMap<ProjectView, ToolScan>();
/** More definitions than any real server has: past this, a file is a bundle and the first ones are enough. */
const MAX_TOOLS = 1000;

export function findTools(project: ProjectView): ToolScan {
  const hit = cache.get(project);
  if (hit !== undefined) return hit;
  const tools: FoundTool[] = [];
  const generic: { file: ProjectFile; index: number }[] = [];
  const sources = project.sources();
  const covered = new Map<string, Span[]>();
  const cover = (file: ProjectFile, span: Span): void => {
    const list = covered.get(file.path) ?? [];
    list.push(span);
    covered.set(file.path, list);
  };
  const isCovered = (file: ProjectFile, index: number): boolean => (covered.get(file.path) ?? []).some((s) => index >= s.start && index < s.end);

  for (const m of findInCode(sources, /(?<![\w$.])defineTool\s*(?:<[^>()]{0,200}>)?\s*\(/)) {
    if (tools.length + generic.length >= MAX_TOOLS) break;
    const code = masked(m.file);
    const call = callAt(code, m.index, m.index + m.match[0].length - 1);
    const first = call.args[0];
    if (first === undefined || code[first.start] !== '{') continue;
    const props = objectProps(code, m.file.text, first.start);
    tools.push(fromProps(m.file, code, 'define', m.index, { start: m.index, end: call.close + 1 }, props));
    cover(m.file, { start: m.index, end: call.close + 1 });
  }

  for (const m of findInCode(sources, /\.\s*registerTool(?:Task)?\s*\(/)) {
    if (tools.length + generic.length >= MAX_TOOLS) break;
    const code = masked(m.file);
    const call = callAt(code, m.index, m.index + m.match[0].length - 1);
    const [nameArg, configArg, handler] = call.args;
    if (nameArg === undefined) continue;
    // registerTool(name, config, handler) with `const name = '…'; const config = { … }` in the same file.
    const nameSpan = resolve(code, nameArg);
    const config = configArg === undefined ? undefined : resolve(code, configArg);
    const configProps = config !== undefined && code[config.start] === '{' ? objectProps(code, m.file.text, config.start) : undefined;
    const forwards = configProps === undefined || [...configProps.values()].some((p) => ['inputSchema', 'description'].includes(p.key) && /^[\w$]+\s*(?:\?\.|\.)\s*[\w$]+$/.test(code.slice(p.value.start, p.value.end).trim()));
    if (forwards && !isLiteral(code, nameSpan)) {
      generic.push({ file: m.file, index: m.index });
      continue;
    }
    const range = { start: m.index, end: call.close + 1 };
    const base = fromProps(m.file, code, 'register', m.index, range, configProps ?? new Map());
    tools.push({ ...base, name: literalValue(m.file.text, code, nameArg), handler: handler ?? base.handler });
    cover(m.file, range);
  }

  // FastMCP style: server.addTool({ name, description, parameters: z.object(…), execute }).
  for (const m of findInCode(sources, /\.\s*addTool\s*\(/)) {
    if (tools.length + generic.length >= MAX_TOOLS) break;
    const code = masked(m.file);
    const call = callAt(code, m.index, m.index + m.match[0].length - 1);
    const first = call.args[0];
    if (first === undefined) continue;
    const def = resolve(code, first);
    if (code[def.start] !== '{') {
      generic.push({ file: m.file, index: m.index });
      continue;
    }
    const props = objectProps(code, m.file.text, def.start);
    if (!props.has('name') && !props.has('parameters') && !props.has('inputSchema')) continue;
    const range = { start: m.index, end: call.close + 1 };
    tools.push(fromProps(m.file, code, 'register', m.index, def.start >= m.index && def.end <= call.close + 1 ? range : { start: def.start, end: def.end }, props));
    cover(m.file, range);
  }

  for (const m of findInCode(sources, /\.\s*tool\s*\(/)) {
    if (tools.length + generic.length >= MAX_TOOLS) break;
    const code = masked(m.file);
    const call = callAt(code, m.index, m.index + m.match[0].length - 1);
    const [nameArg, ...rest] = call.args;
    if (nameArg === undefined || !isLiteral(code, nameArg) || rest.length === 0) continue;
    const handler = rest[rest.length - 1];
    const objects = rest.slice(0, -1).filter((a) => code[a.start] === '{');
    const annotations = objects.find((a) => /Hint\s*:/.test(code.slice(a.start, a.end)));
    const shape = objects.find((a) => a !== annotations);
    const range = { start: m.index, end: call.close + 1 };
    tools.push({
      file: m.file,
      code,
      kind: 'legacy',
      index: m.index,
      range,
      name: literalValue(m.file.text, code, nameArg),
      props: new Map(),
      schema: shape,
      schemaIsShape: shape !== undefined,
      handler,
      annotations,
    });
    cover(m.file, range);
  }

  // Raw JSON Schema tool objects: { name: '…', inputSchema: { type: 'object' … } } not inside the above.
  for (const m of findInCode(sources, /(?<![\w$])inputSchema\s*:\s*\{/)) {
    if (tools.length + generic.length >= MAX_TOOLS) break;
    if (isCovered(m.file, m.index)) continue;
    const code = masked(m.file);
    const open = enclosingBrace(code, m.index, 50_000);
    if (open === -1) continue;
    const props = objectProps(code, m.file.text, open);
    if (!props.has('name')) continue;
    const close = props.get('inputSchema');
    const end = [...props.values()].reduce((e, p) => Math.max(e, p.span.end), close?.span.end ?? open);
    tools.push(fromProps(m.file, code, 'raw', props.get('name')?.span.start ?? open, { start: open, end: end + 1 }, props));
  }

  const scan = { tools, generic };
  cache.set(project, scan);
  return scan;
}

function fromProps(file: ProjectFile, code: string, kind: ToolKind, index: number, range: Span, props: ReadonlyMap<string, Prop>): FoundTool {
  const nameProp = props.get('name');
  const schemaProp = props.get('inputSchema') ?? props.get('parameters') ?? props.get('schema');
  const handlerProp = props.get('handler') ?? props.get('execute') ?? props.get('run');
  const annotationsProp = props.get('annotations');
  return {
    file,
    code,
    kind,
    index,
    range,
    name: nameProp === undefined ? undefined : literalValue(file.text, code, nameProp.value),
    props,
    schema: schemaProp === undefined ? undefined : resolve(code, schemaProp.value),
    schemaIsShape: false,
    handler: handlerProp?.value,
    annotations: annotationsProp === undefined ? undefined : resolve(code, annotationsProp.value),
  };
}

/** A bare identifier resolved to its same-file `const` initializer; anything else as it is. */
export function resolve(code: string, span: Span): Span {
  const text = code.slice(span.start, span.end).trim();
  if (/^[A-Za-z_$][\w$]*$/.test(text)) return declaration(code, text) ?? span;
  return span;
}

export function isLiteral(code: string, span: Span): boolean {
  const c = code[span.start];
  return (c === '"' || c === "'" || c === '`') && !code.slice(span.start, span.end).includes('${');
}

function literalValue(text: string, code: string, span: Span): string | undefined {
  const resolved = resolve(code, span);
  if (!isLiteral(code, resolved)) return undefined;
  return text.slice(resolved.start + 1, resolved.end - 1);
}
