// OAuth 2.0 extensions, driven by openid-client as a new user would: client credentials with
// client_secret_basic, client_secret_post and private_key_jwt; resource indicators with JWT
// access tokens; introspection (JSON and JWT); revocation; the device flow through the pages.
//   node oauth.mjs --setup DIR   writes DIR/clients.json, DIR/provider.toml and a private key
//   ISSUER=... node oauth.mjs --run DIR
import * as client from 'openid-client';
import * as jose from 'jose';
import fs from 'node:fs';
import { browser, checker } from './browser.mjs';

const [mode, dir] = process.argv.slice(2);
const API = 'https://api.example.org';

if (mode === '--setup') {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const pub = { ...(await jose.exportJWK(publicKey)), kid: 'svc-key', alg: 'ES256', use: 'sig' };
  fs.writeFileSync(`${dir}/private.json`, JSON.stringify(await jose.exportJWK(privateKey)));
  const secret = 'node-oauth-secret-0123456789';
  fs.writeFileSync(`${dir}/clients.json`, JSON.stringify([
    { client_id: 'svc-basic', client_secret: secret, grant_types: ['client_credentials'] },
    { client_id: 'svc-post', client_secret: secret, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' },
    { client_id: 'svc-pkjwt', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [pub] } },
    { client_id: 'api', client_secret: secret, grant_types: [], introspection_signed_response_alg: 'ES256' },
    { client_id: 'tv', token_endpoint_auth_method: 'none', application_type: 'native',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] },
  ], null, 1));
  fs.writeFileSync(`${dir}/provider.toml`, [
    'device_poll_interval = 1',
    '[[resource_servers]]', `identifier = "${API}"`, 'scopes = ["read", "write"]',
    'access_token_format = "jwt"', 'signing_alg = "ES256"', 'client_id = "api"', '',
  ].join('\n'));
  process.exit(0);
}

const issuer = new URL(process.env.ISSUER);
const { check, expectError, finish } = checker('openid-client-oauth');
const options = { execute: [client.allowInsecureRequests] };
const secret = 'node-oauth-secret-0123456789';
const basic = await client.discovery(issuer, 'svc-basic', secret, client.ClientSecretBasic(secret), options);
const post = await client.discovery(issuer, 'svc-post', secret, client.ClientSecretPost(secret), options);
const privateKey = await jose.importJWK(JSON.parse(fs.readFileSync(`${dir}/private.json`, 'utf8')), 'ES256');
const pkjwt = await client.discovery(issuer, 'svc-pkjwt', undefined, client.PrivateKeyJwt({ key: privateKey, kid: 'svc-key' }), options);

for (const [name, config] of [['client_secret_basic', basic], ['client_secret_post', post], ['private_key_jwt', pkjwt]]) {
  const tokens = await client.clientCredentialsGrant(config, { scope: 'read' });
  const info = await client.tokenIntrospection(config, tokens.access_token);
  check(`client credentials (${name}), introspected`, info.active === true && info.sub === config.clientMetadata().client_id && !tokens.refresh_token, JSON.stringify(info));
}

// Resource indicators: a JWT access token for the API, validated as the API would.
const forApi = await client.clientCredentialsGrant(basic, { scope: 'read write', resource: API });
const jwks = jose.createRemoteJWKSet(new URL(basic.serverMetadata().jwks_uri));
const { payload, protectedHeader } = await jose.jwtVerify(forApi.access_token, jwks, { issuer: basic.serverMetadata().issuer, audience: API, typ: 'at+jwt' });
check('JWT access token (RFC 9068) for the resource', payload.client_id === 'svc-basic' && payload.scope === 'read write' && protectedHeader.alg === 'ES256', JSON.stringify(payload));
await expectError('an unknown resource', () => client.clientCredentialsGrant(basic, { scope: 'read', resource: 'https://nope.example' }), 'invalid_target');

// The API introspects the token issued for it and gets a signed JWT answer.
const api = await client.discovery(issuer, 'api', { client_secret: secret, introspection_signed_response_alg: 'ES256' }, client.ClientSecretBasic(secret), options);
client.enableNonRepudiationChecks(api);
const apiView = await client.tokenIntrospection(api, forApi.access_token);
check('JWT introspection response (RFC 9701) for the resource server', apiView.active === true && apiView.aud === API, JSON.stringify(apiView));
const foreign = await client.tokenIntrospection(post, forApi.access_token);
check('a foreign token is inactive to another client', foreign.active === false);

// Revocation.
await client.tokenRevocation(basic, forApi.access_token);
const revoked = await client.tokenIntrospection(basic, forApi.access_token);
check('revoked, then inactive', revoked.active === false);

// The device flow, with the user on the provider's pages.
const tv = await client.discovery(issuer, 'tv', undefined, client.None(), options);
const device = await client.initiateDeviceAuthorization(tv, { scope: 'openid email offline_access' });
check('device authorization response', /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/.test(device.user_code), device.user_code);
const b = browser(issuer);
const entry = await b.go(new URL(device.verification_uri_complete));
const typed = await b.post(entry.url, b.form(entry.page, '/device'), {});
const done = await b.complete(typed, 'carol', 'pw-of-carol');
check('the user approves on the pages', /Device connected/.test(done.page ?? ''));
const deviceTokens = await client.pollDeviceAuthorizationGrant(tv, device);
check('the device gets its tokens', deviceTokens.claims().sub === 'carol-1' && !!deviceTokens.refresh_token, JSON.stringify(deviceTokens.claims()));

finish();
