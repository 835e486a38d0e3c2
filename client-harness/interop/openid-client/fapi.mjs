// The FAPI building blocks, driven by oauth4webapi (the library under openid-client) as a real RP
// would: PAR, JARM, DPoP with required server nonces (retried the way the library documents),
// and mTLS client authentication with certificate-bound tokens through mtls_endpoint_aliases.
//   PORT=... ROOT=... node fapi.mjs --setup DIR   writes DIR/clients.json, dpop.toml, mtls.toml, a key
//   ISSUER=http://...  node fapi.mjs --dpop DIR
//   ISSUER=https://... node fapi.mjs --mtls DIR   (trusting the fixture CA: NODE_EXTRA_CA_CERTS)
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';
import fs from 'node:fs';
import { browser, certificateFetch, checker } from './browser.mjs';

const [mode, dir] = process.argv.slice(2);
const REDIRECT = 'https://rp.example.org/cb';

if (mode === '--setup') {
  const root = process.env.ROOT, port = process.env.PORT;
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  fs.writeFileSync(`${dir}/private.json`, JSON.stringify(await jose.exportJWK(privateKey)));
  const pub = { ...(await jose.exportJWK(publicKey)), kid: 'fapi-key', alg: 'ES256', use: 'sig' };
  const web = { redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  fs.writeFileSync(`${dir}/clients.json`, JSON.stringify([
    { client_id: 'fapi-dpop', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [pub] }, ...web },
    { client_id: 'fapi-mtls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=rp-mtls',
      tls_client_certificate_bound_access_tokens: true, ...web },
  ], null, 1));
  fs.writeFileSync(`${dir}/dpop.toml`, [
    '[par]', 'enabled = true', '[dpop]', 'enabled = true', 'require_nonce = true',
    '[jarm]', 'enabled = true', '[test_resource]', 'enabled = true', '',
  ].join('\n'));
  // The alias host is the same server by another name its certificate covers.
  fs.writeFileSync(`${dir}/mtls.toml`, [
    '[tls]', `cert = "${root}/fixtures/tls/server.pem"`, `key = "${root}/fixtures/tls/server.key"`,
    `client_ca = "${root}/fixtures/tls/ca.pem"`,
    '[mtls]', 'enabled = true', `endpoint_aliases = "https://localhost:${port}"`,
    '[par]', 'enabled = true', '[test_resource]', 'enabled = true', '',
  ].join('\n'));
  process.exit(0);
}

const issuer = new URL(process.env.ISSUER);
const { check, expectError, finish } = checker(`oauth4webapi-fapi ${mode.slice(2)}`);
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const b = browser(issuer);

// The library's documented pattern: a use_dpop_nonce error carries the nonce, which the DPoP handle
// keeps; the request is then made once more.
async function withNonceRetry(request) {
  try {
    return await request();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return request();
  }
}

// PAR, then the browser at /authorize with the request_uri: the callback URL.
async function pushAndAuthorize(client, clientAuth, options, extra = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const params = new URLSearchParams({
    response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const pushed = await withNonceRetry(async () => oauth.processPushedAuthorizationResponse(as, client,
    await oauth.pushedAuthorizationRequest(as, client, clientAuth, params, options)));
  check('PAR: a request_uri for the pushed request', pushed.request_uri.startsWith('urn:ietf:params:oauth:request_uri:'), pushed.request_uri);
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('request_uri', pushed.request_uri);
  const { callback } = await b.authorize(url, 'carol', 'pw-of-carol');
  return { callback, verifier, state };
}

if (mode === '--dpop') {
  const client = { client_id: 'fapi-dpop' };
  const key = await jose.importJWK(JSON.parse(fs.readFileSync(`${dir}/private.json`, 'utf8')), 'ES256');
  const clientAuth = oauth.PrivateKeyJwt({ key, kid: 'fapi-key' });
  const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  const options = { DPoP, ...insecure };

  // JARM: the code comes inside a signed response JWT, checked against the provider's keys.
  const { callback, verifier, state } = await pushAndAuthorize(client, clientAuth, options, { response_mode: 'jwt' });
  check('JARM: the response is a JWT, not a bare code', callback.searchParams.has('response') && !callback.searchParams.has('code'), callback.search);
  const params = await oauth.validateJwtAuthResponse(as, client, callback, state, insecure);
  check('JARM: the response JWT verifies and carries the code', !!params.get('code'));

  const tokens = await withNonceRetry(async () => oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT, verifier, options)));
  check('DPoP: the token is DPoP-bound', tokens.token_type === 'dpop', tokens.token_type);

  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const info = await withNonceRetry(async () => oauth.processUserInfoResponse(as, client, claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, options)));
  check('DPoP: userinfo with a proof by the bound key (after the resource nonce)', info.sub === claims.sub, JSON.stringify(info));

  const resource = new URL('/resource', issuer);
  const atResource = await withNonceRetry(async () => {
    const response = await oauth.protectedResourceRequest(tokens.access_token, 'GET', resource, undefined, undefined, options);
    if (response.status === 401) await oauth.processUserInfoResponse(as, client, claims.sub, response); // throws its challenge
    return response;
  });
  check('DPoP: the test resource accepts the bound token', atResource.status === 200, atResource.status);
  const asBearer = await fetch(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  check('DPoP: the bound token is refused as a bearer token', asBearer.status === 401, asBearer.status);
  await expectError('PAR without client authentication', async () => oauth.processPushedAuthorizationResponse(as, client,
    await oauth.pushedAuthorizationRequest(as, client, oauth.None(), new URLSearchParams({ response_type: 'code' }), insecure)), 'invalid_client');
  finish();
}

if (mode === '--mtls') {
  const root = new URL('../../../', import.meta.url).pathname;
  const tls = (name) => fs.readFileSync(`${root}fixtures/tls/${name}`);
  const identity = { cert: tls('client.pem'), key: tls('client.key'), ca: tls('ca.pem') };
  const mtlsFetch = certificateFetch(identity);
  check('mTLS: discovery lists the aliases and the binding', as.tls_client_certificate_bound_access_tokens === true
    && as.mtls_endpoint_aliases?.token_endpoint?.startsWith('https://localhost:'), JSON.stringify(as.mtls_endpoint_aliases));
  const client = { client_id: 'fapi-mtls', use_mtls_endpoint_aliases: true };
  const options = { [oauth.customFetch]: mtlsFetch };
  const { callback, verifier } = await pushAndAuthorize(client, oauth.TlsClientAuth(), options);
  const params = oauth.validateAuthResponse(as, client, callback, oauth.skipStateCheck);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.TlsClientAuth(), params, REDIRECT, verifier, options));
  check('mTLS: tokens for the certificate, at the alias token endpoint', tokens.token_type === 'bearer' && !!tokens.access_token);
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const info = await oauth.processUserInfoResponse(as, client, claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, options));
  check('mTLS: userinfo over the same certificate', info.sub === claims.sub, JSON.stringify(info));
  const without = await fetch(new URL('/userinfo', issuer), { headers: { authorization: `Bearer ${tokens.access_token}` } });
  check('mTLS: the bound token is refused without the certificate', without.status === 401, without.status);
  await expectError('mTLS: a token request without the certificate', async () => oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.TlsClientAuth(), params, REDIRECT, verifier)), 'invalid_client');
  finish();
}
