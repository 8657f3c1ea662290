/** OAuth 2.1 resource server: JWTs checked against the issuer's JWKS, RFC 9728 metadata. */
import type { Feature } from './types.js';

export const oauthFeature: Feature = {
  id: 'auth-oauth',
  templateDir: 'auth-oauth',
  applies: (spec) => spec.auth === 'oauth',
};
