//! The `claims` request parameter (OIDC Core §5.5): any JSON, or not JSON at all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provider::protocol::ClaimsRequest;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    if let Ok(request) = ClaimsRequest::parse(&text) {
        let _ = request.id_token_names().count();
        let _ = request.userinfo_names().count();
        let _ = request.end_user_claims();
        let _ = request.essential_acrs();
        let _ = request.allows_sub("248289761001");
    }
});
