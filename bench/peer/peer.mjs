// The peer of the HTTP load benchmark: the npm oidc-provider, configured like the Rust provider
// in bench/: the same client, signing keys, users and resource servers, and the same token
// formats (opaque, or JWT signed ES256 or RS256 per resource server). Storage is in memory, like
// the Rust provider's memory mode: the package's own development adapter is an LRU of 1000
// entries, which drops the benchmark's session and tokens within a second of load.
// Its development login pages accept the username as the account.
//
//   PORT=8200 node bench/peer/peer.mjs
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const root = new URL('../../', import.meta.url);
const json = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

const port = Number(process.env.PORT ?? 8200);
const issuer = `http://127.0.0.1:${port}`;
const clients = json('bench/clients.json');
const jwks = json('fixtures/keys/jwks.json');
const users = json('fixtures/users.json');

// bench/provider.toml, in this package's terms. Access tokens live an hour, as the provider's do
// (this package's own default for client credentials tokens is ten minutes).
const accessTokenTTL = 3600;
const resourceServers = {
  'https://opaque.bench': { scope: 'read', accessTokenFormat: 'opaque', accessTokenTTL },
  'https://es256.bench': { scope: 'read', accessTokenFormat: 'jwt', accessTokenTTL, jwt: { sign: { alg: 'ES256' } } },
  'https://rs256.bench': { scope: 'read', accessTokenFormat: 'jwt', accessTokenTTL, jwt: { sign: { alg: 'RS256' } } },
};

/** The adapter contract of oidc-provider, on one Map per model, keeping every record until it expires. */
class MemoryAdapter {
  static records = new Map();
  constructor(model) {
    this.model = model;
  }
  key(id) {
    return `${this.model}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    MemoryAdapter.records.set(this.key(id), { payload, expiresAt });
    if (payload.grantId) MemoryAdapter.records.set(`grant:${payload.grantId}:${this.key(id)}`, { payload: id });
    if (payload.userCode) MemoryAdapter.records.set(`userCode:${payload.userCode}`, { payload: id });
    if (payload.uid) MemoryAdapter.records.set(`uid:${payload.uid}`, { payload: id });
  }
  async find(id) {
    const record = MemoryAdapter.records.get(this.key(id));
    if (!record) return undefined;
    if (record.expiresAt && record.expiresAt <= Date.now()) {
      MemoryAdapter.records.delete(this.key(id));
      return undefined;
    }
    return record.payload;
  }
  async findByUserCode(userCode) {
    const id = MemoryAdapter.records.get(`userCode:${userCode}`)?.payload;
    return id && this.find(id);
  }
  async findByUid(uid) {
    const id = MemoryAdapter.records.get(`uid:${uid}`)?.payload;
    return id && this.find(id);
  }
  async consume(id) {
    const record = MemoryAdapter.records.get(this.key(id));
    if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    MemoryAdapter.records.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    const prefix = `grant:${grantId}:`;
    for (const [key, { payload }] of MemoryAdapter.records) {
      if (key.startsWith(prefix)) {
        MemoryAdapter.records.delete(key);
        MemoryAdapter.records.delete(key.slice(prefix.length));
      }
    }
  }
}

const CLAIMS = ['name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified'];

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients,
  jwks,
  cookies: { keys: ['bench-cookie-key-not-secret'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'offline_access', 'read'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, indicator) => {
        const server = resourceServers[indicator];
        if (!server) throw new errors.InvalidTarget();
        return { ...server, audience: indicator };
      },
    },
  },
  async findAccount(_ctx, id) {
    const user = users.find((u) => u.username === id || u.sub === id);
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: user.sub };
        for (const name of CLAIMS) if (name in user) claims[name] = user[name];
        return claims;
      },
    };
  },
});

// The dev interactions warn on every start; the benchmark reads only the listening line.
provider.listen(port, '127.0.0.1', () => console.log(`peer listening on ${issuer}`));
