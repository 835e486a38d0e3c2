//! Whole requests to the provider, in-process: a path, its query, `Cookie` and `Authorization`
//! headers and a body, all from the input. Cookies, forms, queries, Basic headers, client
//! assertions, request objects, `id_token_hint` and the `claims` parameter are all reached this
//! way. Bad input may get any 4xx; a 5xx is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::Provider;
use provider::config::{ConfigSources, load};
use rocket::http::{ContentType, Header};
use rocket::local::asynchronous::Client;
use std::sync::OnceLock;

const PATHS: &[&str] = &[
    "/authorize",
    "/token",
    "/userinfo",
    "/introspect",
    "/revoke",
    "/device_authorization",
    "/device",
    "/interaction/x/login",
    "/interaction/x/consent",
    "/interaction/x/abort",
    "/.well-known/openid-configuration",
    "/jwks",
];

struct Target {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut overrides = figment::value::Dict::new();
        let path = |p: &str| fixtures.join(p).display().to_string();
        overrides.insert("issuer".into(), "https://op.example".into());
        overrides.insert("storage".into(), "memory:".into());
        overrides.insert("clients_file".into(), path("clients.json").into());
        overrides.insert("users_file".into(), path("users.json").into());
        let mut keys = figment::value::Dict::new();
        keys.insert("file".into(), path("keys/jwks.json").into());
        keys.insert("generate".into(), false.into());
        overrides.insert("keys".into(), keys.into());
        let config = load(&ConfigSources { overrides, ..Default::default() }).expect("fixture configuration");
        let client = runtime.block_on(async {
            let op = Provider::new(config).await.expect("provider");
            Client::untracked(op.rocket()).await.expect("rocket")
        });
        Target { runtime, client }
    })
}

/// `a=b&c=d` with every name and value percent-encoded: a valid query of the input's shape.
fn query(raw: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    raw.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => format!("{}={}", encode(name), encode(value)),
            None => encode(pair),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else { return };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let post = selector & 0x80 != 0;
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.splitn(4, '\n');
    let (raw_query, cookie, authorization) =
        (lines.next().unwrap_or(""), lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let body = lines.next().unwrap_or("").as_bytes().to_vec();
    let target = target();
    let status = target.runtime.block_on(async {
        let uri = format!("{path}?{}", query(raw_query));
        let mut request =
            if post { target.client.post(uri).header(ContentType::Form).body(body) } else { target.client.get(uri) };
        if !cookie.is_empty() {
            request = request.header(Header::new("Cookie", cookie.to_string()));
        }
        if !authorization.is_empty() {
            request = request.header(Header::new("Authorization", authorization.to_string()));
        }
        request.dispatch().await.status()
    });
    assert!(status.code < 500, "{path}: {status}");
});
