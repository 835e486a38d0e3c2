//! A host's own authentication device (CIBA Core §2): it is asked to reach the user, resolves
//! the deployment's `login_hint_token`s and checks user codes; the host records the user's
//! decision with `provider::ciba::complete`.

mod common;

use async_trait::async_trait;
use provider::Provider;
use provider::ciba::{AuthenticationDevice, HintProblem, Outcome, PendingAuthentication, complete};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use std::sync::{Arc, Mutex};

const ALICE: &str = "248289761001";

/// Records what it is asked; knows two login_hint_tokens and alice's user code.
#[derive(Default)]
struct Phone {
    asked: Mutex<Vec<PendingAuthentication>>,
}

#[async_trait]
impl AuthenticationDevice for Phone {
    async fn ask(&self, _op: &Provider, request: &PendingAuthentication) {
        self.asked.lock().unwrap().push(request.clone());
    }

    async fn login_hint_token(&self, token: &str) -> Result<String, HintProblem> {
        match token {
            "token-for-alice" => Ok(ALICE.into()),
            "old-token" => Err(HintProblem::Expired),
            _ => Err(HintProblem::Unknown),
        }
    }

    async fn check_user_code(&self, account_id: &str, user_code: &str) -> bool {
        account_id == ALICE && user_code == "4711"
    }
}

async fn post(client: &Client, path: &str, basic: &str, form: &str) -> (Status, serde_json::Value) {
    let response = client
        .post(path.to_string())
        .header(ContentType::Form)
        .header(Header::new("Authorization", basic.to_string()))
        .body(form)
        .dispatch()
        .await;
    (response.status(), response.into_json().await.unwrap_or_default())
}

#[tokio::test]
async fn the_host_device_is_asked_resolves_hints_checks_user_codes_and_decides() {
    use base64::Engine as _;
    let overrides = common::sections(&[
        ("ciba", "enabled", true.into()),
        ("ciba", "user_code_supported", true.into()),
        ("registration", "enabled", true.into()),
    ]);
    let config = common::fixture_config(common::local::ISSUER, "memory:", None, overrides);
    let phone = Arc::new(Phone::default());
    let op = Provider::builder(config).authentication_device(phone.clone()).build().await.expect("provider");
    let metadata = serde_json::json!({
        "client_name": "Bank App",
        "grant_types": ["urn:openid:params:grant-type:ciba"],
        "response_types": [],
        "backchannel_token_delivery_mode": "poll",
        "backchannel_user_code_parameter": true,
    });
    let registered = provider::operator::add_client(&op, metadata).await.expect("registered");
    let credentials =
        format!("{}:{}", registered["client_id"].as_str().unwrap(), registered["client_secret"].as_str().unwrap());
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
    let client = Client::tracked(op.rocket()).await.expect("rocket");

    // CIBA Core §13: the device's answers become the spec's errors.
    let error = |answer: (Status, serde_json::Value)| answer.1["error"].as_str().unwrap_or_default().to_string();
    let ask = |hint: &str, code: &str| {
        format!("scope=openid&login_hint_token={hint}&user_code={code}&binding_message=PAY-42")
    };
    assert_eq!(error(post(&client, "/backchannel", &basic, &ask("nobody", "4711")).await), "unknown_user_id");
    assert_eq!(
        error(post(&client, "/backchannel", &basic, &ask("old-token", "4711")).await),
        "expired_login_hint_token"
    );
    assert_eq!(
        error(post(&client, "/backchannel", &basic, &ask("token-for-alice", "0000")).await),
        "invalid_user_code"
    );
    let without_code = "scope=openid&login_hint_token=token-for-alice";
    assert_eq!(error(post(&client, "/backchannel", &basic, without_code).await), "missing_user_code");

    let (status, started) = post(&client, "/backchannel", &basic, &ask("token-for-alice", "4711")).await;
    assert_eq!(status, Status::Ok, "{started}");
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    // The device is asked in the background: wait for it.
    let mut pending = None;
    for _ in 0..100 {
        pending = phone.asked.lock().unwrap().first().cloned();
        if pending.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let pending = pending.expect("the device was asked");
    assert_eq!((pending.account_id.as_str(), pending.client_name.as_str()), (ALICE, "Bank App"));
    assert_eq!(pending.binding_message.as_deref(), Some("PAY-42"));
    assert_ne!(pending.id, auth_req_id, "the device never sees the auth_req_id");

    // The user approved on their phone, with a second factor.
    let approved = Outcome::Approved { acr: Some("urn:example:mfa".into()), amr: vec!["pwd".into(), "otp".into()] };
    complete(&op, &pending.id, approved).await.expect("recorded");
    assert!(complete(&op, &pending.id, Outcome::Denied).await.is_err(), "the first decision wins");
    let form = format!("grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={auth_req_id}");
    let (status, tokens) = post(&client, "/token", &basic, &form).await;
    assert_eq!(status, Status::Ok, "{tokens}");
    let payload = tokens["id_token"].as_str().unwrap().split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!((claims["sub"].as_str(), claims["acr"].as_str()), (Some(ALICE), Some("urn:example:mfa")));
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "otp"]));
}
