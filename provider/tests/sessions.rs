//! Operators list and end sessions (`provider sessions …` runs these): ending one is a logout,
//! so the browser's next `prompt=none` request needs a login again.

mod common;

use common::local::{AUTHORIZE, ISSUER, location, sign_in};
use rocket::local::asynchronous::Client;

#[tokio::test]
async fn an_operator_lists_a_users_sessions_and_ends_one() {
    let op = common::provider(ISSUER).await;
    let browser = Client::tracked(op.rocket()).await.expect("rocket");
    sign_in(&browser).await;

    // alice's `sub` in fixtures/users.json.
    let sessions = provider::operator::sessions(&op, Some("248289761001")).await.unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert_eq!(sessions[0].clients, ["rp-basic"]);
    assert!(provider::operator::sessions(&op, Some("90342.ASDFJWFA")).await.unwrap().is_empty(), "only the user's");

    assert!(provider::operator::end_session(&op, &sessions[0].sid).await.unwrap());
    assert!(provider::operator::sessions(&op, None).await.unwrap().is_empty(), "the session is gone");
    assert!(!provider::operator::end_session(&op, &sessions[0].sid).await.unwrap(), "ending it twice finds nothing");
    let response = browser.get(AUTHORIZE.replace("prompt=consent", "prompt=none")).dispatch().await;
    let back = location(&response);
    assert!(back.contains("error=login_required"), "the browser is signed out: {back}");
}
