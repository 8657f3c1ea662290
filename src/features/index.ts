/** All features, in the order their files are laid down (two features may never write one path). */
import { apiKeyFeature } from './auth-api-key.js';
import { oauthFeature } from './auth-oauth.js';
import { baseFeature } from './base.js';
import { httpFeature } from './http.js';
import { redisFeature } from './rate-limit-redis.js';
import { stdioFeature } from './stdio.js';
import { fetchToolFeature } from './tool-fetch.js';
import { filesToolFeature } from './tool-files.js';
import type { Feature } from './types.js';

export const FEATURES: readonly Feature[] = [
  baseFeature,
  stdioFeature,
  httpFeature,
  apiKeyFeature,
  oauthFeature,
  redisFeature,
  filesToolFeature,
  fetchToolFeature,
];
