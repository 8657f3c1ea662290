/**
 * Terminal output. Results go to stdout, progress and errors to stderr; colour and the spinner only
 * on a TTY and never with NO_COLOR, so logs and pipes stay plain text.
 */

export interface Ui {
  out(text: string): void;
  err(text: string): void;
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  readonly color: Colors;
}

export interface Colors {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createUi(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = process): Ui {
  const colorOn = streams.stderr.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const paint = (open: number, close: number) => (text: string) => (colorOn ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  const color: Colors = {
    bold: paint(1, 22),
    dim: paint(2, 22),
    green: paint(32, 39),
    red: paint(31, 39),
    yellow: paint(33, 39),
    cyan: paint(36, 39),
  };
  // A reader that goes away (`… | head`) is not an error of ours: stop writing, never crash on EPIPE.
  for (const stream of [streams.stdout, streams.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  const out = (text: string): void => void streams.stdout.write(`${text}\n`);
  const err = (text: string): void => void streams.stderr.write(`${text}\n`);

  async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!colorOn) {
      err(`- ${label}…`);
      const result = await work();
      err(`  done: ${label}`);
      return result;
    }
    let frame = 0;
    const started = Date.now();
    const draw = (): void => {
      const seconds = Math.floor((Date.now() - started) / 1000);
      streams.stderr.write(`\r${color.cyan(FRAMES[frame++ % FRAMES.length] ?? '')} ${label}${seconds >= 2 ? color.dim(` ${seconds}s`) : ''}\u001b[K`);
    };
    draw();
    const timer = setInterval(draw, 80);
    try {
      const result = await work();
      streams.stderr.write(`\r${color.green('✔')} ${label}\u001b[K\n`);
      return result;
    } catch (error) {
      streams.stderr.write(`\r${color.red('✖')} ${label}\u001b[K\n`);
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  return { out, err, step, color };
}
