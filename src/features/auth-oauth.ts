/** OAuth 2.1 resource server: JWTs checked against the issuer's JWKS, RFC 9728 metadata. */
import { servesHttp } from '../options/options.js';
import type { Feature } from './types.js';

export const oauthFeature: Feature = {
  id: 'oauth',
  templateDir: 'auth-oauth',
  applies: (spec) => servesHttp(spec.transport) && spec.auth === 'oauth',
  contributions: (spec) => ({
    dependencies: ['jose'],
    config: {
      key: 'oauth',
      module: 'oauth',
      parse: 'parseOAuthConfig',
      type: 'OAuthConfig',
      extraArgs: 'publicUrl: http?.publicUrl',
      optional: true,
      doc:
        spec.transport === 'both'
          ? 'OAuth resource server (OAUTH_*); undefined = OAUTH_ISSUER unset: stdio runs, HTTP refuses to start.'
          : 'OAuth resource server (OAUTH_*); undefined = OAUTH_ISSUER unset: HTTP refuses to start.',
    },
    env: [
      {
        comment: [
          'OAuth 2.1: this server is a resource server; it accepts JWT access tokens from ONE authorization',
          'server and never issues tokens. REQUIRED to serve HTTP.',
          'OAUTH_ISSUER: exactly the tokens\' "iss" (https://; http only for localhost). Keys come from',
          "OAUTH_JWKS_URL, or from the issuer's metadata (/.well-known/oauth-authorization-server, then",
          '/.well-known/openid-configuration). OAUTH_AUDIENCE: the tokens\' "aud" must contain it (RFC 8707;',
          'default PUBLIC_URL). OAUTH_ALGORITHMS: asymmetric only; none and HS* are refused.',
          'OAUTH_TOKEN_TYPE: when set (at+jwt for RFC 9068 access tokens), every token\'s "typ" header must',
          'match, so an ID token or another JWT of the issuer is not taken for an access token.',
        ],
        variables: [
          { name: 'OAUTH_ISSUER', meaning: "the authorization server whose JWT access tokens are accepted: exactly the tokens' `iss`; `https://` (http only for localhost)", default: 'required to serve HTTP', example: '', live: true },
          { name: 'OAUTH_AUDIENCE', meaning: "the tokens' `aud` must contain this (RFC 8707 resource indicator)", default: '`PUBLIC_URL`', example: '' },
          { name: 'OAUTH_JWKS_URL', meaning: "where the signing keys are; unset = `jwks_uri` from the issuer's metadata (RFC 8414, then OpenID Connect discovery)", default: 'discovered', example: '' },
          { name: 'OAUTH_ALGORITHMS', meaning: 'accepted signature algorithms (asymmetric only: `none` and `HS*` stop the server)', default: '`RS256,ES256`', example: 'RS256,ES256' },
          { name: 'OAUTH_TOKEN_TYPE', meaning: "the `typ` header every token must carry, e.g. `at+jwt` (RFC 9068 access tokens); set it when your authorization server issues RFC 9068 tokens", default: 'unset: `typ` not checked', example: 'at+jwt' },
        ],
      },
    ],
    dotenv: ['', '# The authorization server whose access tokens this server accepts (required to serve HTTP).', '# OAUTH_ISSUER=https://auth.example.com'],
  }),
};
