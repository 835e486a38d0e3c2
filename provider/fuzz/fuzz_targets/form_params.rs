//! Form and query parameters (`Params::parse`): any bytes a client sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::protocol::Params;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let params = Params::parse(&text);
    let _ = params.reject_repeated();
    for name in ["client_id", "redirect_uri", "scope", "resource", "claims", "request"] {
        let _ = params.get(name);
        let _ = params.get_all(name);
    }
});
