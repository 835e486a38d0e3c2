//! JWS parsing and verification, as client assertions, request objects and `id_token_hint`
//! reach it: the provider's own keys (the fixture JWKS), a client's HMAC secret, and the
//! unverified peek that only chooses where to look.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::jose::{SigningAlg, hmac_verifier, peek, verify};
use provider::keys::Keystore;
use std::sync::OnceLock;

fn keystore() -> &'static Keystore {
    static KEYS: OnceLock<Keystore> = OnceLock::new();
    KEYS.get_or_init(|| {
        let jwks = include_str!("../../../fixtures/keys/jwks.json");
        Keystore::from_jwks(jwks, &SigningAlg::ALL).unwrap()
    })
}

fuzz_target!(|input: &[u8]| {
    let token = String::from_utf8_lossy(input);
    let _ = peek(&token);
    let _ = keystore().verify_own(&token);
    let _ = keystore().verify_own_typed(&token, "JWT");
    if let Ok(hmac) = hmac_verifier("HS256", b"0123456789abcdef0123456789abcdef") {
        let _ = verify(&token, &hmac);
    }
});
