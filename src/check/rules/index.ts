/**
 * Every check item, in the order reports list them. Guards against an item that exists in one place and
 * not another: the table, JSON, SARIF, the README table and the tests all read this one list, and ids
 * are unique (tested).
 */
import type { Rule } from '../types.js';
import { RULES as AUDIT } from './audit.js';
import { RULES as CI } from './ci.js';
import { RULES as CODE } from './code.js';
import { RULES as UPDATE } from './generator-version.js';
import { RULES as HTTP } from './http.js';
import { RULES as PROJECT } from './project.js';
import { RULES as SECRETS } from './secrets.js';
import { RULES as SUPPLY_CHAIN } from './supply-chain.js';
import { RULES as TOOLS } from './tools.js';

/** Secrets first, then code and tools, the HTTP surface, the audit log, and the project around the code. */
export const ALL_RULES: readonly Rule[] = [...SECRETS, ...CODE, ...TOOLS, ...HTTP, ...AUDIT, ...PROJECT, ...SUPPLY_CHAIN, ...UPDATE, ...CI];
