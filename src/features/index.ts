/** All features, in the order their files and contributions are laid down (FEATURE_IDS). */
import { apiKeyFeature } from './auth-api-key.js';
import { authNoneFeature } from './auth-none.js';
import { oauthFeature } from './auth-oauth.js';
import { baseFeature } from './base.js';
import { httpFeature } from './http.js';
import { localIdentityFeature } from './local-identity.js';
import { memoryFeature } from './rate-limit-memory.js';
import { redisFeature } from './rate-limit-redis.js';
import { stdioFeature } from './stdio.js';
import { storageFeature } from './storage.js';
import { postgresFeature } from './storage-postgres.js';
import { sqliteFeature } from './storage-sqlite.js';
import { fetchToolFeature } from './tool-fetch.js';
import { filesToolFeature } from './tool-files.js';
import { notesToolFeature } from './tool-notes.js';
import type { Feature } from './types.js';

export const FEATURES: readonly Feature[] = [
  baseFeature,
  localIdentityFeature,
  stdioFeature,
  httpFeature,
  authNoneFeature,
  apiKeyFeature,
  oauthFeature,
  memoryFeature,
  redisFeature,
  storageFeature,
  sqliteFeature,
  postgresFeature,
  filesToolFeature,
  notesToolFeature,
  fetchToolFeature,
];
