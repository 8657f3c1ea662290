/**
 * The signals on which the CLI undoes its work and exits, per operating system. Guards against a
 * half-written project left behind when the terminal closes or the user interrupts: SIGINT (Ctrl-C)
 * and SIGHUP (terminal or console window closed) everywhere, SIGTERM where it is delivered (POSIX;
 * Node accepts the listener on Windows, where it never fires), and Ctrl+Break (SIGBREAK) on Windows.
 */
import { EXIT } from '../errors.js';

/** [signal, exit code] pairs: 128 + the signal's number, 130 for Ctrl-C as the contract says. */
export function interruptSignals(platform: NodeJS.Platform = process.platform): ReadonlyArray<readonly [NodeJS.Signals, number]> {
  const common: Array<readonly [NodeJS.Signals, number]> = [['SIGINT', EXIT.interrupted], ['SIGTERM', 143], ['SIGHUP', 129]];
  return platform === 'win32' ? [...common, ['SIGBREAK', 149]] : common;
}
