// Every shipped tool honours the contract the guard relies on: strict schema with bounds on every
// string, array and number; all four annotations set; fixed description; valid scope names.
import { describe, expect, test } from 'vitest';
import * as z from 'zod/v4';
import { createTools } from '../src/tools/index.js';
import { testConfig } from './helpers.js';

type Json = Record<string, unknown>;

/** Paths in the JSON Schema where a bound is missing. */
function unbounded(schema: Json, at = '$'): string[] {
  const problems: string[] = [];
  const types = ([] as unknown[]).concat(schema['type'] ?? []);
  if (types.includes('string') && schema['maxLength'] === undefined && schema['enum'] === undefined && schema['const'] === undefined) problems.push(`${at}: string without maxLength`);
  if ((types.includes('number') || types.includes('integer')) && (schema['maximum'] === undefined || schema['minimum'] === undefined)) problems.push(`${at}: number without minimum/maximum`);
  if (types.includes('array')) {
    if (schema['maxItems'] === undefined) problems.push(`${at}: array without maxItems`);
    if (schema['items']) problems.push(...unbounded(schema['items'] as Json, `${at}[]`));
  }
  if (types.includes('object')) {
    if (schema['additionalProperties'] !== false) problems.push(`${at}: object accepts unknown keys`);
    for (const [key, sub] of Object.entries((schema['properties'] ?? {}) as Record<string, Json>)) problems.push(...unbounded(sub, `${at}.${key}`));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) for (const sub of (schema[key] ?? []) as Json[]) problems.push(...unbounded(sub, at));
  return problems;
}

describe.each(createTools({ config: testConfig() }).map((tool) => [tool.name, tool] as const))('tool %s', (_name, tool) => {
  test('schema is strict and bounded', () => {
    expect(tool.inputSchema.safeParse({ __unexpected__: 1 }).success).toBe(false);
    expect(unbounded(z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Json)).toEqual([]);
  });

  test('annotations are all set; description is fixed text; scopes are valid', () => {
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) expect(typeof tool.annotations[hint]).toBe('boolean');
    expect(tool.description.length).toBeGreaterThan(10);
    for (const scope of tool.scopes) expect(scope).toMatch(/^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/);
  });
});
