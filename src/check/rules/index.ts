/**
 * Every check item, in the order reports list them. Guards against an item that exists in one place and
 * not another: the table, JSON, SARIF and the tests all read this one list, and ids are unique (tested).
 */
import type { Rule } from '../types.js';

export const ALL_RULES: readonly Rule[] = [];
