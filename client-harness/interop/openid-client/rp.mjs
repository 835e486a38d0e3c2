import * as client from 'openid-client';
import { browser as makeBrowser, checker } from './browser.mjs';
// Usage: ISSUER=... node rp.mjs [--after-restart]
const issuer = new URL(process.env.ISSUER ?? 'http://127.0.0.1:3000');
const state_file = process.env.STATE_FILE ?? 'refresh-token.txt';
const redirect_uri = 'http://localhost:9999/cb';
const { check, expectError, finish } = checker('openid-client');
const browser = () => makeBrowser(issuer);

const options = { execute: [client.allowInsecureRequests] };
const config = await client.discovery(issuer, 'node-rp', 'node-rp-secret', undefined, options);

if (process.argv.includes('--after-restart')) {
  // The refresh token saved before the restart still works, and so does its access token's grant.
  const fs = await import('node:fs');
  const t = await client.refreshTokenGrant(config, fs.readFileSync(state_file, 'utf8'));
  const info = await client.fetchUserInfo(config, t.access_token, t.claims().sub);
  check('refresh after a restart on the same SQLite file', info.sub === 'carol-1');
  finish();
}

check('discovery', config.serverMetadata().issuer === issuer.href.replace(/\/$/, ''));

async function start(cfg, extra = {}) {
  const code_verifier = client.randomPKCECodeVerifier();
  const code_challenge = await client.calculatePKCECodeChallenge(code_verifier);
  const state = client.randomState(), nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(cfg, { redirect_uri, scope: 'openid email offline_access', code_challenge, code_challenge_method: 'S256', state, nonce, ...extra });
  return { url, code_verifier, state, nonce };
}

// Happy path
const b = browser();
const s = await start(config);
const r = await b.authorize(s.url, 'carol', 'pw-of-carol');
check('authorization response', !!r.callback, r.callback?.href ?? r.page?.slice(0, 200));
const tokens = await client.authorizationCodeGrant(config, r.callback, { pkceCodeVerifier: s.code_verifier, expectedState: s.state, expectedNonce: s.nonce, idTokenExpected: true });
const claims = tokens.claims();
check('id token', claims.sub === 'carol-1', JSON.stringify(claims));
const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
check('userinfo', info.email === 'carol@example.org', JSON.stringify(info));
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
check('refresh', !!refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token);
// Rotation: inside the default grace window (5 s) a concurrent reuse still works; after it, reuse
// is refused (RFC 9700 §4.14.2).
await new Promise((resolve) => setTimeout(resolve, 5200));
await expectError('old refresh token refused after the grace window', () => client.refreshTokenGrant(config, tokens.refresh_token), 'invalid_grant');

// Code reuse
{
  const s2 = await start(config); const r2 = await browser().authorize(s2.url, 'carol', 'pw-of-carol');
  const opts = { pkceCodeVerifier: s2.code_verifier, expectedState: s2.state, expectedNonce: s2.nonce };
  const t = await client.authorizationCodeGrant(config, r2.callback, opts);
  await expectError('code reuse', () => client.authorizationCodeGrant(config, r2.callback, opts), 'invalid_grant');
  await expectError('tokens of a reused code revoked', () => client.fetchUserInfo(config, t.access_token, client.skipSubjectCheck), 'invalid_token');
}
// Wrong verifier
{
  const s3 = await start(config); const r3 = await b.authorize(s3.url, 'carol', 'pw-of-carol');
  await expectError('wrong verifier', () => client.authorizationCodeGrant(config, r3.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: s3.state, expectedNonce: s3.nonce }), 'invalid_grant');
}
// Wrong secret
{
  const bad = await client.discovery(issuer, 'node-rp', 'wrong-secret', undefined, options);
  const s4 = await start(bad); const r4 = await b.authorize(s4.url, 'carol', 'pw-of-carol');
  await expectError('wrong secret', () => client.authorizationCodeGrant(bad, r4.callback, { pkceCodeVerifier: s4.code_verifier, expectedState: s4.state, expectedNonce: s4.nonce }), 'invalid_client');
}
// Public client without PKCE
{
  const spa = await client.discovery(issuer, 'node-spa', undefined, client.None(), options);
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(spa, { redirect_uri, scope: 'openid', state });
  const r5 = await browser().go(url);
  const p = r5.callback ? Object.fromEntries(r5.callback.searchParams) : {};
  check('public client without PKCE', p.error === 'invalid_request' && p.iss === config.serverMetadata().issuer, JSON.stringify(p));
  await expectError('...as seen by the library', () => client.authorizationCodeGrant(spa, r5.callback, { expectedState: state }), 'invalid_request');
}
// Unregistered redirect_uri
{
  const s6 = await start(config, { redirect_uri: 'http://localhost:9999/evil' });
  const r6 = await browser().go(s6.url);
  check('unregistered redirect_uri: error page, no redirect', !r6.callback && r6.status === 400, `${r6.status}`);
}
// prompt=none without session
{
  const s7 = await start(config, { prompt: 'none' });
  const r7 = await browser().go(s7.url);
  await expectError('prompt=none login_required', () => client.authorizationCodeGrant(config, r7.callback, { pkceCodeVerifier: s7.code_verifier, expectedState: s7.state, expectedNonce: s7.nonce }), 'login_required');
}
// form_post
{
  const s8 = await start(config, { response_mode: 'form_post' });
  const r8 = await b.authorize(s8.url, 'carol', 'pw-of-carol');
  check('form_post page', r8.page?.includes('method="post"'), '');
}
{
  // A clean grant of its own, for the restart check.
  const s9 = await start(config); const r9 = await browser().authorize(s9.url, 'carol', 'pw-of-carol');
  const t9 = await client.authorizationCodeGrant(config, r9.callback, { pkceCodeVerifier: s9.code_verifier, expectedState: s9.state, expectedNonce: s9.nonce });
  (await import('node:fs')).writeFileSync(state_file, t9.refresh_token);
}
finish();
