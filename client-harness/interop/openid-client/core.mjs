// OpenID Connect Core features, driven by openid-client as a new user would, against the
// provider's `config` profile (every response type served).
//   node core.mjs --setup DIR   makes keys and the clients file DIR/clients.json
//   ISSUER=... node core.mjs --run DIR
import * as client from 'openid-client';
import fs from 'node:fs';
import { browser, checker } from './browser.mjs';

const [mode, dir] = process.argv.slice(2);
const redirect_uri = 'https://rp.example.org/cb';
const subtle = globalThis.crypto.subtle;

if (mode === '--setup') {
  const enc = await subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['decrypt', 'encrypt']);
  const sig = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = async (key, extra) => ({ ...(await subtle.exportKey('jwk', key)), ...extra, key_ops: undefined, ext: undefined });
  const encPublic = await pub(enc.publicKey, { use: 'enc', alg: 'RSA-OAEP-256', kid: 'enc-1' });
  const sigPublic = await pub(sig.publicKey, { use: 'sig', alg: 'ES256', kid: 'sig-1' });
  fs.writeFileSync(`${dir}/private.json`, JSON.stringify({
    enc: await subtle.exportKey('jwk', enc.privateKey), sig: await subtle.exportKey('jwk', sig.privateKey),
  }));
  const base = { client_secret: 'node-core-secret-0123456789', redirect_uris: [redirect_uri] };
  const clients = [
    { ...base, client_id: 'node-implicit', grant_types: ['implicit'], response_types: ['id_token'] },
    { ...base, client_id: 'node-hybrid', grant_types: ['authorization_code', 'implicit'], response_types: ['code id_token', 'code'] },
    { ...base, client_id: 'node-code' },
    { ...base, client_id: 'node-pairwise', subject_type: 'pairwise' },
    { ...base, client_id: 'node-jar', jwks: { keys: [sigPublic] }, request_object_signing_alg: 'ES256' },
    { ...base, client_id: 'node-encrypted', jwks: { keys: [encPublic] },
      id_token_encrypted_response_alg: 'RSA-OAEP-256', id_token_encrypted_response_enc: 'A256GCM',
      userinfo_signed_response_alg: 'RS256', userinfo_encrypted_response_alg: 'RSA-OAEP-256' },
  ];
  fs.writeFileSync(`${dir}/clients.json`, JSON.stringify(clients, null, 1));
  process.exit(0);
}

const issuer = new URL(process.env.ISSUER);
const { check, expectError, finish } = checker('openid-client-core');
const b = browser(issuer);
const options = { execute: [client.allowInsecureRequests] };
const configFor = (id) => client.discovery(issuer, id, 'node-core-secret-0123456789', undefined, options);
const pkce = async () => { const v = client.randomPKCECodeVerifier(); return { v, c: await client.calculatePKCECodeChallenge(v) }; };
const login = (url) => b.authorize(url, 'carol', 'pw-of-carol');

// Implicit: response_type=id_token, claims from the ID token itself.
{
  const config = await configFor('node-implicit');
  client.useIdTokenResponseType(config);
  const nonce = client.randomNonce(), state = client.randomState();
  const url = client.buildAuthorizationUrl(config, { redirect_uri, scope: 'openid email', nonce, state });
  const r = await login(url);
  const claims = await client.implicitAuthentication(config, r.callback, nonce, { expectedState: state });
  check('implicit id_token', claims.sub === 'carol-1' && claims.email === 'carol@example.org', JSON.stringify(claims));
}

// Hybrid code id_token, by fragment and by form_post.
for (const response_mode of [undefined, 'form_post']) {
  const config = await configFor('node-hybrid');
  client.useCodeIdTokenResponseType(config);
  const { v, c } = await pkce();
  const nonce = client.randomNonce(), state = client.randomState();
  const params = { redirect_uri, scope: 'openid', nonce, state, code_challenge: c, code_challenge_method: 'S256' };
  if (response_mode) params.response_mode = response_mode;
  const r = await login(client.buildAuthorizationUrl(config, params));
  const current = response_mode ? b.formPostRequest(r.page) : r.callback;
  const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: v, expectedNonce: nonce, expectedState: state });
  check(`hybrid code id_token (${response_mode ?? 'fragment'})`, tokens.claims().sub === 'carol-1');
}

// Code flow: prompt=login, max_age, id_token_hint with prompt=none, the claims parameter.
{
  const config = await configFor('node-code');
  const run = async (extra, fresh = false) => {
    const { v, c } = await pkce();
    const nonce = client.randomNonce(), state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri, scope: 'openid', nonce, state, code_challenge: c, code_challenge_method: 'S256', ...extra });
    const r = fresh ? await login(url) : await b.go(url);
    return client.authorizationCodeGrant(config, r.callback, { pkceCodeVerifier: v, expectedNonce: nonce, expectedState: state, maxAge: extra.max_age });
  };
  const first = await run({ claims: JSON.stringify({ id_token: { email: { essential: true } } }) }, true);
  check('claims parameter: email in the ID token', first.claims().email === 'carol@example.org', JSON.stringify(first.claims()));
  const hinted = await run({ prompt: 'none', id_token_hint: first.id_token });
  check('id_token_hint with prompt=none', hinted.claims().sub === 'carol-1');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const relogin = await run({ prompt: 'login' }, true);
  check('prompt=login: a newer auth_time', relogin.claims().auth_time > first.claims().auth_time);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const aged = await run({ max_age: 1 }, true);
  check('max_age: auth_time checked by the library', aged.claims().auth_time > relogin.claims().auth_time);
}

// Pairwise subjects.
{
  const config = await configFor('node-pairwise');
  const { v, c } = await pkce();
  const state = client.randomState(), nonce = client.randomNonce();
  const r = await login(client.buildAuthorizationUrl(config, { redirect_uri, scope: 'openid', state, nonce, code_challenge: c, code_challenge_method: 'S256' }));
  const tokens = await client.authorizationCodeGrant(config, r.callback, { pkceCodeVerifier: v, expectedState: state, expectedNonce: nonce });
  const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  check('pairwise sub', tokens.claims().sub !== 'carol-1' && info.sub === tokens.claims().sub, tokens.claims().sub);
}

const keys = JSON.parse(fs.readFileSync(`${dir}/private.json`, 'utf8'));

// A signed request object (JAR) made by the library.
{
  const config = await configFor('node-jar');
  const key = await subtle.importKey('jwk', keys.sig, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const { v, c } = await pkce();
  const state = client.randomState(), nonce = client.randomNonce();
  const url = await client.buildAuthorizationUrlWithJAR(config, { redirect_uri, scope: 'openid', state, nonce, code_challenge: c, code_challenge_method: 'S256' }, { key, kid: 'sig-1' });
  const r = await login(url);
  const tokens = await client.authorizationCodeGrant(config, r.callback, { pkceCodeVerifier: v, expectedState: state, expectedNonce: nonce });
  check('signed request object', tokens.claims().sub === 'carol-1');
}

// Encrypted ID token; userinfo signed, then encrypted.
{
  const config = await configFor('node-encrypted');
  const key = await subtle.importKey('jwk', keys.enc, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  client.enableDecryptingResponses(config, ['A256GCM', 'A128CBC-HS256'], { key, kid: 'enc-1' });
  client.enableNonRepudiationChecks(config);
  const { v, c } = await pkce();
  const state = client.randomState(), nonce = client.randomNonce();
  const r = await login(client.buildAuthorizationUrl(config, { redirect_uri, scope: 'openid email', state, nonce, code_challenge: c, code_challenge_method: 'S256' }));
  const tokens = await client.authorizationCodeGrant(config, r.callback, { pkceCodeVerifier: v, expectedState: state, expectedNonce: nonce });
  check('encrypted ID token', tokens.claims().sub === 'carol-1');
  const info = await client.fetchUserInfo(config, tokens.access_token, 'carol-1');
  check('signed and encrypted userinfo', info.email === 'carol@example.org', JSON.stringify(info));
}

finish();
