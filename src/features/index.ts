/** All features, in the order their files are laid down (a later feature may not replace a file). */
import { baseFeature } from './base.js';
import { stdioFeature } from './stdio.js';
import { filesToolFeature } from './tool-files.js';
import type { Feature } from './types.js';

export const FEATURES: readonly Feature[] = [baseFeature, stdioFeature, filesToolFeature];
