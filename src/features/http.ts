/** The Streamable HTTP transport: express app, Host/Origin checks, limits, TLS, refusals to start. */
import { servesHttp } from '../options/options.js';
import type { Feature } from './types.js';

export const httpFeature: Feature = {
  id: 'transport-http',
  templateDir: 'transport-http',
  applies: (spec) => servesHttp(spec.transport),
};
