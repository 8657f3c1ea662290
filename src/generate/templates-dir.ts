/** Where templates live: resolved from this module, never from the working directory. */
import { fileURLToPath } from 'node:url';

/** templates/ beside src/ and dist/ (this file is src/generate/… or dist/generate/…). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));
