// Progress lines for slow end-to-end steps, so a person watching CI sees the run move. Written straight to
// stderr (vitest passes process.stderr.write through, and leaves its reporter output alone); each step
// prints when it starts and when it ends, with its own time and the time since this file started.

const started = Date.now();

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function line(text: string): void {
  process.stderr.write(`[e2e ${seconds(Date.now() - started)}] ${text}\n`);
}

/** A child-process result: a non-zero exit is shown on the closing line. */
interface Exit {
  readonly status: number | null;
}

function outcome(result: unknown): string {
  if (typeof result === 'object' && result !== null && 'status' in result) {
    const { status } = result as Exit;
    if (status !== 0) return `exit ${status ?? 'killed'} after`;
  }
  return 'done in';
}

/** Runs `fn` (sync or async) between a start line and an end line naming `what` and how long it took. */
export function timed<T>(what: string, fn: () => T): T {
  const begin = Date.now();
  line(`▸ ${what} …`);
  const end = (result: unknown) => line(`  ${what}: ${outcome(result)} ${seconds(Date.now() - begin)}`);
  const fail = () => line(`  ${what}: failed after ${seconds(Date.now() - begin)}`);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    fail();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        end(value);
        return value;
      },
      (error: unknown) => {
        fail();
        throw error;
      },
    ) as T;
  }
  end(result);
  return result;
}
