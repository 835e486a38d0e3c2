//! Micro-benchmarks of the hot paths: JWS sign and verify per algorithm, building an ID token,
//! issuing and looking up an opaque access token per storage backend, and client authentication
//! per method, and one request through Rocket's dispatch (no socket) per small endpoint, which
//! shows what every request pays in front of its handler. Run with `cargo bench -p provider`;
//! the HTTP load benchmark is separate.

use base64::Engine as _;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use provider::Provider;
use provider::clients::authenticate;
use provider::jose::SigningAlg;
use provider::model::{self, AccessToken, TokenClaims};
use provider::protocol::Params;
use provider::tokens::{IdTokenClaims, access_token};
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;
use common::fixtures;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// A provider with the fixtures on `storage`.
fn provider(rt: &tokio::runtime::Runtime, storage: &str) -> Provider {
    rt.block_on(common::provider_on("https://op.example", storage))
}

fn claims(client_id: &str) -> TokenClaims {
    TokenClaims {
        client_id: client_id.into(),
        account_id: "248289761001".into(),
        scopes: vec!["openid".into(), "email".into()],
        grant_id: "grant-1".into(),
        sid: Some("sid-1".into()),
        auth_time: 1_800_000_000,
        acr: "urn:mace:incommon:iap:bronze".into(),
        amr: vec!["pwd".into()],
        resources: vec![],
        authorization_details: vec![],
        client_instance: None,
        claims: None,
        cnf: None,
    }
}

fn jws(c: &mut Criterion) {
    let rt = runtime();
    let op = provider(&rt, "memory:");
    let keys = op.keys();
    let payload =
        serde_json::json!({"iss": "https://op.example", "sub": "248289761001", "aud": "rp", "exp": 2_000_000_000});
    for alg in SigningAlg::ALL {
        let key = keys.signing_key(alg).unwrap();
        c.bench_function(&format!("jws/sign/{alg}"), |b| {
            b.iter(|| provider::jose::sign(black_box(&payload), "JWT", key.signer()).unwrap())
        });
        let token = provider::jose::sign(&payload, "JWT", key.signer()).unwrap();
        c.bench_function(&format!("jws/verify/{alg}"), |b| b.iter(|| keys.verify_own(black_box(&token)).unwrap()));
    }
}

fn id_token(c: &mut Criterion) {
    let rt = runtime();
    let op = provider(&rt, "memory:");
    let client = rt.block_on(op.clients().find("rp-basic")).unwrap().unwrap();
    let claims = claims("rp-basic");
    c.bench_function("id_token/build_and_sign/RS256", |b| {
        b.to_async(&rt).iter(|| async {
            let mut token = IdTokenClaims::new(&op, &client, &claims, Some("nonce"), 1_800_000_000);
            token.at_hash = Some(SigningAlg::RS256.half_hash("access-token"));
            token.seal(&op, &client).await.unwrap()
        })
    });
}

fn opaque_tokens(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite:{}", dir.path().join("bench.db").display());
    for (name, storage) in [("memory", "memory:".to_string()), ("sqlite", sqlite)] {
        let op = provider(&rt, &storage);
        let client = rt.block_on(op.clients().find("svc-basic")).unwrap().unwrap();
        let claims = TokenClaims::client_credentials("svc-basic", vec!["read".into()], vec![]);
        c.bench_function(&format!("opaque_token/issue/{name}"), |b| {
            b.to_async(&rt).iter(|| async { access_token::issue(&op, &client, &claims, None, None).await.unwrap() })
        });
        let token = rt.block_on(access_token::issue(&op, &client, &claims, None, None)).unwrap().value;
        c.bench_function(&format!("opaque_token/lookup/{name}"), |b| {
            b.to_async(&rt)
                .iter(|| async { model::find::<AccessToken>(op.storage(), black_box(&token)).await.unwrap() })
        });
    }
}

fn client_authentication(c: &mut Criterion) {
    let rt = runtime();
    let op = provider(&rt, "memory:");
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("rp-basic:rp-basic-secret-0123456789"));
    c.bench_function("client_auth/client_secret_basic", |b| {
        b.to_async(&rt).iter(|| async {
            let mut params = Params::parse("grant_type=client_credentials");
            authenticate(&op, Some(&basic), &mut params, &Default::default()).await.unwrap()
        })
    });
    c.bench_function("client_auth/client_secret_post", |b| {
        b.to_async(&rt).iter(|| async {
            let mut params = Params::parse("client_id=rp-post&client_secret=rp-post-secret-0123456789");
            authenticate(&op, None, &mut params, &Default::default()).await.unwrap()
        })
    });
    c.bench_function("client_auth/none", |b| {
        b.to_async(&rt).iter(|| async {
            let mut params = Params::parse("client_id=rp-native");
            authenticate(&op, None, &mut params, &Default::default()).await.unwrap()
        })
    });
    let key = {
        let text = std::fs::read_to_string(fixtures().join("keys/rp-jwt.private.json")).unwrap();
        let set: serde_json::Value = serde_json::from_str(&text).unwrap();
        josekit::jwk::Jwk::from_map(set["keys"][0].as_object().unwrap().clone()).unwrap()
    };
    let mut header = josekit::jws::JwsHeader::new();
    header.set_key_id(key.key_id().unwrap());
    let es256 = josekit::jws::ES256.signer_from_jwk(&key).unwrap();
    bench_assertions(c, &rt, &op, "private_key_jwt", "rp-jwt", &header, &es256);
    let hs256 = josekit::jws::HS256.signer_from_bytes(b"rp-hmac-secret-that-is-at-least-32-bytes-long").unwrap();
    bench_assertions(c, &rt, &op, "client_secret_jwt", "rp-hmac", &josekit::jws::JwsHeader::new(), &hs256);
}

/// Client authentication by a JWT assertion (RFC 7523 §2.2) signed by `signer` for `client_id`.
/// Assertions carry a fresh `jti` each (replay detection), so they are made outside the timed
/// section.
fn bench_assertions(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    op: &Provider,
    method: &str,
    client_id: &str,
    header: &josekit::jws::JwsHeader,
    signer: &dyn josekit::jws::JwsSigner,
) {
    let mut n = 0u64;
    c.bench_function(&format!("client_auth/{method}"), |b| {
        b.to_async(rt).iter_batched(
            || {
                n += 1;
                let claims = serde_json::json!({"iss": client_id, "sub": client_id, "aud": op.issuer(), "exp": 4_000_000_000u64, "jti": format!("bench-{n}-{}", rand_suffix())});
                let jwt = josekit::jws::serialize_compact(claims.to_string().as_bytes(), header, signer).unwrap();
                Params::parse(&format!(
                    "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={jwt}"
                ))
            },
            |mut params| async move { authenticate(op, None, &mut params, &Default::default()).await.unwrap() },
            BatchSize::SmallInput,
        )
    });
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// One request dispatched in-process, with metrics on as the load benchmark runs: Rocket's
/// routing, the request id, the metrics and the handler, without hyper or the kernel.
fn dispatch(c: &mut Criterion) {
    let rt = runtime();
    let overrides = common::sections(&[("metrics", "enabled", true.into()), ("metrics", "port", 0.into())]);
    let client = rt.block_on(async {
        let op = common::provider_with("https://op.example", "memory:", overrides).await;
        rocket::local::asynchronous::Client::untracked(op.rocket()).await.unwrap()
    });
    for (name, path) in
        [("discovery", "/.well-known/openid-configuration"), ("jwks", "/jwks"), ("not_found", "/nowhere")]
    {
        c.bench_function(&format!("dispatch/{name}"), |b| {
            b.iter(|| rt.block_on(async { black_box(client.get(path).dispatch().await.status()) }))
        });
    }
}

criterion_group!(benches, jws, id_token, opaque_tokens, client_authentication, dispatch);
criterion_main!(benches);
