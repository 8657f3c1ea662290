/**
 * The interactive questions (inquirer). Loaded only when a terminal is attached and --yes is absent;
 * they only fill what flags left open. Ctrl-C at a question becomes a CANCELLED error, so the entry
 * module exits 130 and nothing has been written yet.
 */
import { CliError } from '../errors.js';
import type { TextQuestion } from '../commands/add-tool.js';
import type { Asker, MultiSelectQuestion, SelectQuestion } from '../options/resolve.js';

type Prompts = typeof import('@inquirer/prompts');

async function load(): Promise<Prompts> {
  return import('@inquirer/prompts');
}

function cancelled(error: unknown): never {
  if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
    throw new CliError('CANCELLED', 'Cancelled: nothing was written.');
  }
  throw error;
}

export function createInquirerAsker(): Asker & {
  directory(defaultValue: string, validate: (value: string) => string | true): Promise<string>;
  text(question: TextQuestion): Promise<string>;
} {
  return {
    async select(question: SelectQuestion): Promise<string> {
      const { select } = await load();
      return select({
        message: question.message,
        default: question.default,
        choices: question.choices.map((c) => ({ value: c.value, name: c.label, description: c.hint })),
      }).catch(cancelled);
    },
    async multiselect(question: MultiSelectQuestion): Promise<string[]> {
      const { checkbox } = await load();
      return checkbox({
        message: question.message,
        choices: question.choices.map((c) => ({ value: c.value, name: `${c.label}  ${c.hint}`, short: c.label, checked: question.default.includes(c.value) })),
      }).catch(cancelled);
    },
    async text(question: TextQuestion): Promise<string> {
      const { input } = await load();
      return input({ message: question.message, default: question.default, validate: question.validate }).catch(cancelled);
    },
    async directory(defaultValue: string, validate: (value: string) => string | true): Promise<string> {
      const { input } = await load();
      return input({ message: 'Where should the project be created?', default: defaultValue, validate }).catch(cancelled);
    },
  };
}
