//! Client metadata (RFC 7591 §2, OIDC Registration §2), as a clients file, and later the
//! registration endpoint, give it: parsed, then validated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::clients::{Client, ClientRegistry};

fuzz_target!(|input: &[u8]| {
    if let Ok(client) = serde_json::from_slice::<Client>(input) {
        if let Ok(registry) = ClientRegistry::new(vec![client]) {
            let _ = registry.len();
        }
    }
});
