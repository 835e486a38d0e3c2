// The provider's pages in headless Chromium, as a person uses them: every flow is completed by
// clicking and typing, with JavaScript off (the pages must work without it). Each page is then
// checked with axe-core for WCAG 2.2 A and AA (labels, lang, contrast, names), and its tab order
// where it has a form; a screenshot of each is saved (OUT). Run by ci/pages.sh, which starts the
// providers: ISSUER (default look, registration, logout and CIBA on) and THEMED_ISSUER (with an
// operator's stylesheet and logo).
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const { ISSUER, THEMED_ISSUER, OUT, CHROMIUM } = process.env;
mkdirSync(OUT, { recursive: true });

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`${ok ? "ok" : "FAILED"}: ${what}`);
};

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
// One script-enabled page, for axe: it checks each page's markup as the browser laid it out.
const auditor = await (await browser.newContext()).newPage();

// axe finds what it should: a field without a label and grey-on-white text (or these checks
// would pass vacuously).
await auditor.setContent('<html lang="en"><body><main><p style="color:#bbb">faint</p><input></main></body></html>');
await auditor.addScriptTag({ path: axePath });
const selfTest = await auditor.evaluate(() => axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }));
const found = selfTest.violations.map((v) => v.id).sort().join(",");
check(found.includes("color-contrast") && found.includes("label"), `axe reports a bad page (${found})`);

// The relying party's host: its logo and its callback, answered here (no network needed).
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" rx="12" fill="#0b6e4f"/><text x="32" y="42" font-size="28" text-anchor="middle" fill="#fff" font-family="sans-serif">ES</text></svg>';
async function context() {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 560, height: 760 } });
  await ctx.route("https://rp.example.com/**", (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/logo.svg") return route.fulfill({ contentType: "image/svg+xml", body: LOGO });
    return route.fulfill({ contentType: "text/html", body: "<!DOCTYPE html><html lang=en><title>RP</title><p>callback</p>" });
  });
  return ctx;
}

/** axe-core on the page's markup, and a screenshot named `name`. */
async function look(page, name, { lang = "en" } = {}) {
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
  const html = await page.content();
  await auditor.setContent(html, { waitUntil: "load" });
  await auditor.addScriptTag({ path: axePath });
  const result = await auditor.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  const violations = result.violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  check(violations.length === 0, `${name}: no WCAG 2.2 AA violation ${violations.join("; ")}`);
  check((await page.getAttribute("html", "lang")) === lang, `${name}: lang="${lang}"`);
}

/** What has focus: its id, or its class. */
const focused = (page) => page.locator(":focus").evaluate((e) => e.id || e.className);

/** The elements focus visits from where it is, `steps` Tab presses. */
async function tabOrder(page, steps) {
  const seen = [];
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press("Tab");
    seen.push(await focused(page));
  }
  return seen;
}

/** Clicks a button that sends the browser to the client (rp.example.com, which does not
 * resolve: routes do not see redirects): the URL it was sent to, from the redirect itself. */
async function leave(page, button) {
  const [redirect] = await Promise.all([
    page.waitForResponse((r) => [302, 303].includes(r.status()) && (r.headers().location ?? "").startsWith("https://rp.example.com")),
    button.click({ noWaitAfter: true }),
  ]);
  return new URL(redirect.headers().location);
}

/** Clicks a submit button and waits for the page it leads to (through any redirects). */
async function submit(page, button) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), button.click()]);
}

const json = async (response) => ({ status: response.status, body: await response.json() });
async function register(issuer, metadata) {
  const answer = await json(await fetch(`${issuer}/register`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(metadata),
  }));
  check(answer.status === 201, `a client registers (${answer.status})`);
  return answer.body;
}
const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const authorize = (issuer, client, extra = {}) =>
  `${issuer}/authorize?` + new URLSearchParams({
    response_type: "code", client_id: client.client_id, redirect_uri: "https://rp.example.com/cb",
    scope: "openid email profile", state: "s1", nonce: "n1", code_challenge: challenge,
    code_challenge_method: "S256", ...extra,
  });

// A client with branding, in English and German (OIDC Registration §2, §2.1).
const shop = await register(ISSUER, {
  redirect_uris: ["https://rp.example.com/cb"], client_name: "Example Shop", "client_name#de": "Beispiel-Laden",
  logo_uri: "https://rp.example.com/logo.svg", policy_uri: "https://rp.example.com/privacy",
  tos_uri: "https://rp.example.com/terms", post_logout_redirect_uris: ["https://rp.example.com/bye"],
});

// 1. Sign in and consent, in English.
const english = await context();
let page = await english.newPage();
await page.goto(authorize(ISSUER, shop));
await look(page, "login");
check((await focused(page)) === "login", "login: the username field has focus");
const order = await tabOrder(page, 3);
check(order.join(" > ") === "password > login-submit > login-cancel", `login: Tab goes to the password, Sign in, then Cancel (${order.join(" > ")})`);
await page.fill("#login", "alice");
await page.fill("#password", "not-her-password");
await submit(page, page.getByRole("button", { name: "Sign in" }));
await look(page, "login-error");
check(await page.getByRole("alert").isVisible(), "login: a wrong password is announced (role=alert)");
await page.fill("#login", "alice");
await page.fill("#password", "alice-password");
await submit(page, page.getByRole("button", { name: "Sign in" }));
await look(page, "consent");
check(await page.getByRole("img", { name: "Example Shop logo" }).isVisible(), "consent: the client's logo, with its name as text");
check(await page.getByRole("link", { name: "Privacy policy" }).isVisible(), "consent: the client's privacy policy");
const allowed = await leave(page, page.getByRole("button", { name: "Allow" }));
check(allowed.searchParams.get("code") !== null, `consent: allowed, the client gets a code (${allowed})`);

// 2. Logout, confirmed on its page.
page = await english.newPage();
await page.goto(`${ISSUER}/session/end?client_id=${shop.client_id}&post_logout_redirect_uri=${encodeURIComponent("https://rp.example.com/bye")}`);
await look(page, "logout");
const back = await leave(page, page.getByRole("button", { name: "Sign out" }));
check(back.href.startsWith("https://rp.example.com/bye"), `logout: back at the client (${back})`);
page = await english.newPage();
await page.goto(`${ISSUER}/session/end`);
await submit(page, page.getByRole("button", { name: "Sign out" }));
await look(page, "signed-out");

// 3. German, by ui_locales: the pages and the client's German name.
const german = await context();
page = await german.newPage();
await page.goto(authorize(ISSUER, shop, { ui_locales: "de-CH en" }));
await look(page, "login-de", { lang: "de" });
check(await page.getByRole("button", { name: "Anmelden" }).isVisible(), "login-de: German texts");
await page.fill("#login", "alice");
await page.fill("#password", "alice-password");
await submit(page, page.getByRole("button", { name: "Anmelden" }));
await look(page, "consent-de", { lang: "de" });
check((await page.content()).includes("Beispiel-Laden"), "consent-de: the client's German name");
const denied = await leave(page, page.getByRole("button", { name: "Ablehnen" }));
check(denied.searchParams.get("error") === "access_denied", `consent-de: denied reaches the client (${denied})`);

// 4. The device flow: type the code, sign in, confirm.
const device = await json(await fetch(`${ISSUER}/device_authorization`, {
  method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ client_id: "tv-app", scope: "openid" }),
}));
page = await (await context()).newPage();
await page.goto(device.body.verification_uri);
await look(page, "device");
await page.fill("#user_code", device.body.user_code);
await submit(page, page.getByRole("button", { name: "Continue" }));
await page.fill("#login", "alice");
await page.fill("#password", "alice-password");
await submit(page, page.getByRole("button", { name: "Sign in" }));
await submit(page, page.getByRole("button", { name: "Allow" }));
await look(page, "device-done");
check(await page.locator("#device-result").innerText() === "Device connected", "device: connected");

// 5. CIBA: a client asks; the user signs in at /ciba and approves.
const ciba = await register(ISSUER, {
  grant_types: ["urn:openid:params:grant-type:ciba"], response_types: [], redirect_uris: [],
  backchannel_token_delivery_mode: "poll", client_name: "Example Bank",
});
const basic = "Basic " + Buffer.from(`${ciba.client_id}:${ciba.client_secret}`).toString("base64");
const started = await json(await fetch(`${ISSUER}/backchannel`, {
  method: "POST", headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ scope: "openid", login_hint: "alice", binding_message: "W4SCT" }),
}));
check(started.status === 200, `ciba: the request is accepted (${JSON.stringify(started.body)})`);
page = await (await context()).newPage();
await page.goto(`${ISSUER}/ciba`);
await look(page, "ciba-sign-in");
await page.fill("#login", "alice");
await page.fill("#password", "alice-password");
await submit(page, page.getByRole("button", { name: "Sign in" }));
await look(page, "ciba");
check(await page.locator(".binding-message").innerText() === "W4SCT", "ciba: the binding message is shown");
await submit(page, page.getByRole("button", { name: "Approve" }));
await look(page, "ciba-approved");
const tokens = await json(await fetch(`${ISSUER}/token`, {
  method: "POST", headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ grant_type: "urn:openid:params:grant-type:ciba", auth_req_id: started.body.auth_req_id }),
}));
check(tokens.status === 200 && tokens.body.id_token, "ciba: approved, the client gets its tokens");

// 6. An error page (a client that does not exist: no redirect).
page = await (await context()).newPage();
await page.goto(`${ISSUER}/authorize?client_id=nobody&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F`);
await look(page, "error");

// 7. The operator's theme: stylesheet and logo.
const themed = await register(THEMED_ISSUER, { redirect_uris: ["https://rp.example.com/cb"], client_name: "Example Shop" });
page = await (await context()).newPage();
await page.goto(authorize(THEMED_ISSUER, themed));
await look(page, "login-themed");
check(await page.getByRole("img", { name: "Example Corp" }).isVisible(), "themed: the operator's logo, named");
const background = await page.locator("body").evaluate((e) => getComputedStyle(e).backgroundColor);
check(background === "rgb(245, 247, 250)", `themed: the operator's stylesheet applies (${background})`);

await browser.close();
if (failures.length) {
  console.error(`pages: ${failures.length} check(s) failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("pages: every check passed");
