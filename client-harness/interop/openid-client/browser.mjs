// What the interop scripts share: a tiny browser for the provider's pages, a fetch that presents
// a client certificate, and pass/fail counting.
import https from 'node:https';

// A cookie jar, redirects followed by hand, and the provider's forms filled by field name.
export function browser(issuer) {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  async function go(url, init = {}) {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers || {}), cookie: cookieHeader() } });
      for (const c of res.headers.getSetCookie()) { const [kv] = c.split(';'); const [k, v] = kv.split('='); jar.set(k, v); }
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        const next = new URL(loc, url);
        if (next.origin !== issuer.origin) return { callback: next };
        url = next; init = {}; continue;
      }
      return { page: await res.text(), status: res.status, url };
    }
  }
  function form(html, part) {
    const m = [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((m) => m[1].includes(part));
    if (!m) return null;
    const fields = {};
    for (const i of m[2].matchAll(/<input([^>]*)>/g)) {
      const name = i[1].match(/name="([^"]*)"/), value = i[1].match(/value="([^"]*)"/);
      if (name) fields[name[1]] = (value ? value[1] : '').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    return { action: m[1].replace(/&amp;/g, '&'), fields };
  }
  async function post(base, f, extra) {
    return go(new URL(f.action, base), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...f.fields, ...extra }) });
  }
  async function authorize(url, user, pass, decision = 'allow') {
    return complete(await go(url), user, pass, decision);
  }
  // From any page of the provider: log in and consent (or refuse) as asked.
  async function complete(r, user, pass, decision = 'allow') {
    for (let i = 0; i < 3 && r.page; i++) {
      const login = form(r.page, '/login'), consent = form(r.page, '/consent');
      if (login) r = await post(r.url, login, { login: user, password: pass });
      else if (consent) r = await post(r.url, consent, { decision });
      else break;
    }
    return r;
  }
  // The POST an auto-submitting form_post page would make, as a Request the library reads.
  function formPostRequest(html) {
    const f = form(html, 'http');
    return new Request(f.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(f.fields) });
  }
  return { go, post, authorize, complete, form, formPostRequest };
}

// Counting checks, and the closing line CI reads: "<name>: N passed, N failed".
export function checker(name) {
  let passes = 0, failures = 0;
  const check = (what, ok, detail = '') => {
    console.log(`${ok ? 'PASS' : 'FAIL'} ${what} ${detail}`);
    if (ok) passes++; else failures++;
  };
  async function expectError(what, fn, code) {
    try { await fn(); check(what, false, 'no error'); } catch (e) {
      // A 401 comes as a WWW-Authenticate challenge: Bearer carries the error code, Basic means invalid_client.
      const challenge = Array.isArray(e.cause) ? e.cause[0] : undefined;
      const got = e.error ?? challenge?.parameters?.error ?? (challenge?.scheme === 'basic' && e.status === 401 ? 'invalid_client' : undefined);
      check(what, got === code, `${got} ${e.status ?? ''} ${e.code ?? ''}`);
    }
  }
  function finish() {
    console.log(`${name}: ${passes} passed, ${failures} failed`);
    process.exit(failures ? 1 : 0);
  }
  return { check, expectError, finish };
}

// A fetch that presents `identity` ({cert, key, ca}) in the TLS handshake (node's fetch takes
// none), for mTLS client authentication and certificate-bound tokens.
export function certificateFetch(identity) {
  return (url, init) => new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers));
    const request = https.request(url, { method: init.method, headers, ...identity }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const x of [].concat(v)) h.append(k, x);
        resolve(new Response(chunks.length ? Buffer.concat(chunks) : null, { status: res.statusCode, headers: h }));
      });
    });
    request.on('error', reject);
    if (init.body != null) request.write(String(init.body));
    request.end();
  });
}
