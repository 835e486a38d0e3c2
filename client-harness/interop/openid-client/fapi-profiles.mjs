// The FAPI profiles as oauth4webapi (the library under openid-client) meets them, with the fixture
// FAPI clients (fixtures/fapi1-clients.json, fapi2-clients.json) and their PS256 key: a happy
// path and the main rejections of each profile.
//   ISSUER=http://...  node fapi-profiles.mjs --fapi2-security-profile
//   ISSUER=http://...  node fapi-profiles.mjs --fapi2-message-signing
//   ISSUER=https://... node fapi-profiles.mjs --fapi1-advanced   (NODE_EXTRA_CA_CERTS: the fixture CA)
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';
import fs from 'node:fs';
import { browser, certificateFetch, checker } from './browser.mjs';

const mode = process.argv[2];
const root = new URL('../../../', import.meta.url).pathname;
const issuer = new URL(process.env.ISSUER);
const { check, expectError, finish } = checker(`oauth4webapi ${mode.slice(2)}`);
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const b = browser(issuer);
const jwk = JSON.parse(fs.readFileSync(`${root}fixtures/fapi/client-1.private.jwks.json`, 'utf8')).keys[0];
const signingKey = { key: await jose.importJWK(jwk, 'PS256'), kid: jwk.kid };
const clientAuth = oauth.PrivateKeyJwt(signingKey);
const callbackFor = (id) => `https://localhost.emobix.co.uk:8443/test/a/${id.replace(/-\d$/, '')}/callback`;
const algs = { id_token_signed_response_alg: 'PS256', authorization_signed_response_alg: 'PS256' };

check('discovery: no RS256 and no shared secrets', !as.id_token_signing_alg_values_supported.includes('RS256')
  && as.token_endpoint_auth_methods_supported.every((m) => ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'].includes(m)),
JSON.stringify(as.token_endpoint_auth_methods_supported));

if (mode === '--fapi2-security-profile' || mode === '--fapi2-message-signing') {
  const signed = mode === '--fapi2-message-signing';
  const client = { client_id: 'fapi2-pkjwt-dpop-1', ...algs };
  const redirect = callbackFor(client.client_id);
  const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  const options = { DPoP, ...insecure };
  const start = async () => {
    const verifier = oauth.generateRandomCodeVerifier(), state = oauth.generateRandomState();
    const params = new URLSearchParams({
      response_type: 'code', redirect_uri: redirect, scope: 'openid offline_access', state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...(signed ? { response_mode: 'jwt' } : {}),
    });
    return { verifier, state, params };
  };
  const pushAndAuthorize = async ({ params }) => {
    // Message Signing §5.3: the pushed request is a signed request object.
    const body = signed ? new URLSearchParams({ request: await oauth.issueRequestObject(as, client, params, signingKey) }) : params;
    const pushed = await oauth.processPushedAuthorizationResponse(as, client,
      await oauth.pushedAuthorizationRequest(as, client, clientAuth, body, options));
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('request_uri', pushed.request_uri);
    return (await b.authorize(url, 'carol', 'pw-of-carol')).callback;
  };

  const flow = await start();
  const callback = await pushAndAuthorize(flow);
  const params = signed
    ? await oauth.validateJwtAuthResponse(as, client, callback, flow.state, insecure)
    : oauth.validateAuthResponse(as, client, callback, flow.state);
  check(`${signed ? 'JARM' : 'PAR'}: a code, with iss (RFC 9207)`, !!params.get('code'));
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirect, flow.verifier, options));
  check('DPoP-bound tokens and a PS256 ID token', tokens.token_type === 'dpop' && !!oauth.getValidatedIdTokenClaims(tokens).sub, tokens.token_type);
  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, options));
  check('refresh: the same refresh token comes back (FAPI 2.0 SP §5.3.2.1 (9))', refreshed.refresh_token === tokens.refresh_token
    && refreshed.access_token !== tokens.access_token);

  // Rejections.
  const plain = new URL(as.authorization_endpoint);
  for (const [k, v] of (await start()).params) plain.searchParams.set(k, v);
  plain.searchParams.set('client_id', client.client_id);
  const { callback: refused } = await b.go(plain);
  check('an authorization request that was not pushed is refused', refused?.searchParams.get('error') === 'invalid_request'
    || (signed && refused?.searchParams.has('response')), String(refused));
  const second = await start();
  const code = signed
    ? await oauth.validateJwtAuthResponse(as, client, await pushAndAuthorize(second), second.state, insecure)
    : oauth.validateAuthResponse(as, client, await pushAndAuthorize(second), second.state);
  await expectError('a token request without a DPoP proof (sender-constrained tokens only)', async () => oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, code, redirect, second.verifier, insecure)), 'invalid_request');
  const noPkce = new URLSearchParams({ response_type: 'code', redirect_uri: redirect, scope: 'openid' });
  await expectError('a pushed request without PKCE', async () => oauth.processPushedAuthorizationResponse(as, client,
    await oauth.pushedAuthorizationRequest(as, client, clientAuth,
      signed ? new URLSearchParams({ request: await oauth.issueRequestObject(as, client, noPkce, signingKey) }) : noPkce, options)), 'invalid_request');
  if (signed) {
    await expectError('an unsigned pushed request (Message Signing)', async () => oauth.processPushedAuthorizationResponse(as, client,
      await oauth.pushedAuthorizationRequest(as, client, clientAuth, (await start()).params, options)), 'invalid_request');
  }
  finish();
}

if (mode === '--fapi1-advanced') {
  const tls = (name) => fs.readFileSync(`${root}fixtures/tls/${name}`);
  const identity = { cert: tls('client.pem'), key: tls('client.key'), ca: tls('ca.pem') };
  const mtlsFetch = certificateFetch(identity);
  const client = { client_id: 'fapi1-pkjwt-1', ...algs };
  const redirect = callbackFor(client.client_id);
  const options = { [oauth.customFetch]: mtlsFetch };
  // §5.2.2 (1): the request is a signed request object, by value.
  const authorizeWith = async (params) => {
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('response_type', params.get('response_type'));
    url.searchParams.set('scope', 'openid');
    url.searchParams.set('request', await oauth.issueRequestObject(as, client, params, signingKey));
    return (await b.authorize(url, 'carol', 'pw-of-carol')).callback;
  };
  const nonce = oauth.generateRandomNonce(), state = oauth.generateRandomState();
  const params = new URLSearchParams({ response_type: 'code id_token', redirect_uri: redirect, scope: 'openid', nonce, state });
  const callback = await authorizeWith(params);
  // The ID token as detached signature: c_hash and s_hash checked by the library (§5.2.2.1).
  const validated = await oauth.validateDetachedSignatureResponse(as, client, callback, nonce, state, undefined, insecure);
  check('code id_token: the detached signature verifies (c_hash, s_hash)', !!validated.get('code'));
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, validated, redirect, oauth.nopkce, options), { expectedNonce: nonce });
  check('tokens for the certificate-presenting client', !!tokens.access_token, tokens.token_type);
  const resource = new URL('/resource', issuer);
  const withCertificate = await mtlsFetch(resource, { method: 'GET', headers: { authorization: `Bearer ${tokens.access_token}` } });
  const without = await fetch(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  check('the token is bound to the certificate (§5.2.2 (5))', withCertificate.status === 200 && without.status === 401, `${withCertificate.status} ${without.status}`);

  // Rejections.
  const code = await authorizeWith(new URLSearchParams({ response_type: 'code', redirect_uri: redirect, scope: 'openid', nonce, state }));
  check('response_type=code without JARM is refused (§5.2.2 (2))', code?.searchParams.get('error') === 'invalid_request', String(code));
  const jarm = await authorizeWith(new URLSearchParams({ response_type: 'code', response_mode: 'jwt', redirect_uri: redirect, scope: 'openid', nonce, state }));
  const jarmParams = await oauth.validateJwtAuthResponse(as, client, jarm, state, insecure);
  check('response_type=code with JARM is allowed', !!jarmParams.get('code'));
  const unsigned = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({ client_id: client.client_id, response_type: 'code id_token', redirect_uri: redirect, scope: 'openid', nonce, state })) {
    unsigned.searchParams.set(k, v);
  }
  const { callback: refused } = await b.go(unsigned);
  check('a request without a signed request object is refused (§5.2.2 (1))',
    new URLSearchParams(refused?.hash.slice(1)).get('error') === 'invalid_request', String(refused));
  const second = await authorizeWith(new URLSearchParams({ response_type: 'code id_token', redirect_uri: redirect, scope: 'openid', nonce, state }));
  const secondCode = await oauth.validateDetachedSignatureResponse(as, client, second, nonce, state, undefined, insecure);
  await expectError('a token request without the client certificate', async () => oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, secondCode, redirect, oauth.nopkce)), 'invalid_request');
  finish();
}
