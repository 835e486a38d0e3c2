// CIBA (Client-Initiated Backchannel Authentication), driven by openid-client as a new user would:
// poll mode with the user approving on the provider's /ciba page; ping mode with a notification
// endpoint of our own and the automated approval endpoint; a denial.
//   node ciba.mjs --setup DIR PORT   writes DIR/clients.json and DIR/provider.toml (pings to PORT)
//   ISSUER=... node ciba.mjs --run DIR PORT
import * as client from 'openid-client';
import fs from 'node:fs';
import http from 'node:http';
import { browser, checker } from './browser.mjs';

const [mode, dir, port] = process.argv.slice(2);
const secret = 'node-ciba-secret-0123456789';
const approval = 'node-ciba-approval-0123456789';
const grant = 'urn:openid:params:grant-type:ciba';

if (mode === '--setup') {
  fs.writeFileSync(`${dir}/clients.json`, JSON.stringify([
    { client_id: 'ciba-poll', client_secret: secret, grant_types: [grant], response_types: [], backchannel_token_delivery_mode: 'poll' },
    { client_id: 'ciba-ping', client_secret: secret, grant_types: [grant], response_types: [], backchannel_token_delivery_mode: 'ping',
      backchannel_client_notification_endpoint: `http://127.0.0.1:${port}/ciba` },
  ], null, 1));
  fs.writeFileSync(`${dir}/provider.toml`, [
    '[ciba]', `approval_secret = "${approval}"`, 'interval = 1', '',
    '[outbound]', 'allow_http_loopback = true', '',
  ].join('\n'));
  process.exit(0);
}

const issuer = new URL(process.env.ISSUER);
const { check, expectError, finish } = checker('openid-client-ciba');
const options = { execute: [client.allowInsecureRequests] };
const poll = await client.discovery(issuer, 'ciba-poll', secret, client.ClientSecretBasic(secret), options);
const ping = await client.discovery(issuer, 'ciba-ping', secret, client.ClientSecretBasic(secret), options);
const meta = poll.serverMetadata();
check('discovery lists CIBA', meta.backchannel_authentication_endpoint === `${issuer.href.replace(/\/$/, '')}/backchannel`
  && meta.backchannel_token_delivery_modes_supported.includes('ping') && meta.grant_types_supported.includes(grant));

// Poll: the user signs in on the provider's page, sees the binding message and approves.
const started = await client.initiateBackchannelAuthentication(poll, { scope: 'openid email', login_hint: 'carol', binding_message: 'K7-Q2' });
const b = browser(issuer);
const signIn = await b.go(new URL('/ciba', issuer));
const listed = await b.post(signIn.url, b.form(signIn.page, '/ciba/login'), { login: 'carol', password: 'pw-of-carol' });
check('the pending request shows its binding message', /K7-Q2/.test(listed.page ?? ''));
const done = await b.post(listed.url, b.form(listed.page, '/ciba'), { action: 'allow' });
check('the user approves on the page', /Approved/.test(done.page ?? ''));
const tokens = await client.pollBackchannelAuthenticationGrant(poll, started);
check('poll mode: the tokens, for the user the hint named', tokens.claims().sub === 'carol-1' && tokens.claims().email === undefined, JSON.stringify(tokens.claims()));

// Ping: the provider tells our endpoint, with our bearer token; then we ask for the tokens.
let pinged;
const arrived = new Promise((resolve) => { pinged = resolve; });
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => { res.writeHead(204).end(); pinged({ auth: req.headers.authorization, body: JSON.parse(body) }); });
}).listen(Number(port), '127.0.0.1');
const pingStarted = await client.initiateBackchannelAuthentication(ping, { scope: 'openid', login_hint: 'carol', client_notification_token: 'node-ping-token' });
const approved = await fetch(new URL(`/ciba/approve?auth_req_id=${encodeURIComponent(pingStarted.auth_req_id)}&action=allow`, issuer),
  { method: 'POST', headers: { authorization: `Bearer ${approval}` } });
check('the automated approval endpoint', approved.status === 200, String(approved.status));
const notification = await arrived;
check('ping mode: the notification carries the bearer token and the auth_req_id',
  notification.auth === 'Bearer node-ping-token' && notification.body.auth_req_id === pingStarted.auth_req_id, JSON.stringify(notification));
server.close();
const pingTokens = await client.pollBackchannelAuthenticationGrant(ping, pingStarted);
check('ping mode: the tokens after the ping', pingTokens.claims().sub === 'carol-1');

// A denial reaches the polling client as access_denied.
const refused = await client.initiateBackchannelAuthentication(poll, { scope: 'openid', login_hint: 'carol' });
await fetch(new URL(`/ciba/approve?auth_req_id=${encodeURIComponent(refused.auth_req_id)}&action=deny`, issuer),
  { method: 'POST', headers: { authorization: `Bearer ${approval}` } });
await expectError('a denial', () => client.pollBackchannelAuthenticationGrant(poll, refused), 'access_denied');
await expectError('an unknown user', () => client.initiateBackchannelAuthentication(poll, { scope: 'openid', login_hint: 'nobody' }), 'unknown_user_id');
finish();
