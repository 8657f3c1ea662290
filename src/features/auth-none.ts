/** HTTP with auth `none`: every request acts as the local identity, and only a loopback bind is allowed. */
import { servesHttp } from '../options/options.js';
import type { Feature } from './types.js';

export const authNoneFeature: Feature = {
  id: 'authNone',
  templateDir: 'auth-none',
  applies: (spec) => servesHttp(spec.transport) && spec.auth === 'none',
  contributions: () => ({
    env: [{ comment: ['Auth is `none`: the server refuses any non-loopback HOST (every HTTP call acts as LOCAL_PRINCIPAL).'], variables: [] }],
  }),
};
