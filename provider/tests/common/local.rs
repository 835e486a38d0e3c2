//! The built-in pages driven in-process, as a browser would: for tests that need a code or a
//! session without a socket.

use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};

/// The issuer the in-process tests use.
pub const ISSUER: &str = "https://op.example";
/// RFC 7636 Appendix B: the verifier of the challenge in [`AUTHORIZE`].
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// A code request of `rp-basic` for alice, with PKCE, asking for consent.
pub const AUTHORIZE: &str = "/authorize?response_type=code&client_id=rp-basic\
    &redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&scope=openid%20email%20offline_access&state=s1\
    &nonce=n1&prompt=consent&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
/// `rp-basic:rp-basic-secret-0123456789`.
pub const RP_BASIC: &str = "Basic cnAtYmFzaWM6cnAtYmFzaWMtc2VjcmV0LTAxMjM0NTY3ODk=";
/// `svc-basic:svc-basic-secret-0123456789`.
#[allow(dead_code)]
pub const SVC_BASIC: &str = "Basic c3ZjLWJhc2ljOnN2Yy1iYXNpYy1zZWNyZXQtMDEyMzQ1Njc4OQ==";

/// Where a redirect goes, relative to the issuer when it stays on the provider.
pub fn location(response: &LocalResponse<'_>) -> String {
    assert_eq!(response.status(), Status::SeeOther, "a redirect");
    let location = response.headers().get_one("Location").expect("Location").to_string();
    location.strip_prefix(ISSUER).map(String::from).unwrap_or(location)
}

/// The hidden CSRF field of an interaction page.
pub async fn csrf(client: &Client, page: &str) -> String {
    let html = client.get(page.to_string()).dispatch().await.into_string().await.expect("a page");
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("csrf").to_string()
}

/// Runs [`AUTHORIZE`] through the built-in pages, signing alice in if there is no session and
/// consenting (each page's form posts to the page's own URL); returns where the provider sent
/// the browser. The client must keep cookies (`tracked`).
pub async fn sign_in(client: &Client) -> String {
    let mut next = location(&client.get(AUTHORIZE).dispatch().await);
    if next.ends_with("/login") {
        let token = csrf(client, &next).await;
        let form = format!("csrf={token}&login=alice&password=alice-password");
        next = location(&client.post(next).header(ContentType::Form).body(form).dispatch().await);
    }
    let token = csrf(client, &next).await;
    let form = format!("csrf={token}&decision=allow");
    location(&client.post(next).header(ContentType::Form).body(form).dispatch().await)
}

/// The value of `name` in a redirect's query.
pub fn query_value(url: &str, name: &str) -> String {
    let url = url::Url::parse(url).expect("an absolute redirect");
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).expect(name)
}
