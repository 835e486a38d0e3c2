//! Client authentication from an `Authorization` header and a form body (`client_secret_basic`,
//! `client_secret_post`, public clients): the first line is the header, the rest the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::clients::{Client, ClientRegistry, authenticate_secret};
use provider::protocol::Params;
use std::sync::OnceLock;

fn registry() -> &'static ClientRegistry {
    static REGISTRY: OnceLock<ClientRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let clients = [
            r#"{"client_id": "conf", "client_secret": "a secret: with%20odd chars", "redirect_uris": ["https://rp.example/cb"]}"#,
            r#"{"client_id": "post", "client_secret": "0123456789abcdef", "token_endpoint_auth_method": "client_secret_post", "redirect_uris": ["https://rp.example/cb"]}"#,
            r#"{"client_id": "pub", "token_endpoint_auth_method": "none", "redirect_uris": ["https://rp.example/cb"]}"#,
        ];
        let clients: Vec<Client> = clients.iter().map(|c| serde_json::from_str(c).unwrap()).collect();
        ClientRegistry::new(clients).unwrap()
    })
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let (header, body) = text.split_once('\n').unwrap_or((&text, ""));
    let mut params = Params::parse(body);
    for strict in [false, true] {
        let _ = authenticate_secret(registry(), Some(header), &mut params.clone(), strict);
    }
    let _ = authenticate_secret(registry(), None, &mut params, false);
});
