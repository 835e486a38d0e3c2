//! Races on single-use credentials, run many times on each backend with requests truly in
//! parallel (a multi-threaded runtime): of concurrent redemptions at most one is answered with
//! tokens, and once a replay is detected nothing issued from the credential stays active
//! (RFC 6749 §4.1.2, RFC 9700 §4.14.2), whichever request the storage answers first. (The one
//! that spent the credential answers `invalid_grant` too when it sees the replay in time: its
//! tokens are revoked either way.)

mod common;

use common::local::{RP_BASIC, VERIFIER, query_value, sign_in};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use std::sync::Arc;

const ITERATIONS: usize = 200;

/// A provider on `storage` behind a cookie-keeping client, with alice signed in and consented.
async fn signed_in(storage: &str) -> Arc<Client> {
    let op = common::provider_on(common::local::ISSUER, storage).await;
    let client = Client::tracked(op.rocket()).await.expect("rocket");
    sign_in(&client).await;
    Arc::new(client)
}

/// A fresh code for alice, consenting again: a detected replay revokes the consent too.
async fn code(client: &Client) -> String {
    query_value(&sign_in(client).await, "code")
}

/// A token request with rp-basic's credentials: the status and the JSON answer.
async fn token(client: &Client, form: String) -> (Status, serde_json::Value) {
    let response = client
        .post("/token")
        .header(ContentType::Form)
        .header(Header::new("Authorization", RP_BASIC))
        .body(form)
        .dispatch()
        .await;
    (response.status(), response.into_json().await.unwrap_or_default())
}

/// Whether an access token still works at userinfo.
async fn active(client: &Client, access_token: &str) -> bool {
    let response =
        client.get("/userinfo").header(Header::new("Authorization", format!("Bearer {access_token}"))).dispatch().await;
    response.status() == Status::Ok
}

/// Sends `form` twice at once, each from its own task; returns both answers.
async fn twice(client: &Arc<Client>, form: String) -> [(Status, serde_json::Value); 2] {
    let [a, b] = at_once(client, form, 2).await.try_into().expect("two answers");
    [a, b]
}

/// Sends `form` `n` times at once, each from its own task; returns every answer.
async fn at_once(client: &Arc<Client>, form: String, n: usize) -> Vec<(Status, serde_json::Value)> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (client, form) = (client.clone(), form.clone());
            tokio::spawn(async move { token(&client, form).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

fn exchange_form(code: &str) -> String {
    format!(
        "grant_type=authorization_code&code={code}&code_verifier={VERIFIER}\
         &redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback"
    )
}

/// The answers of a race: at most one with tokens, the rest `invalid_grant`.
fn at_most_one_winner(run: usize, answers: &[(Status, serde_json::Value)]) -> Option<&serde_json::Value> {
    let (winners, losers): (Vec<_>, Vec<_>) = answers.iter().partition(|(status, _)| *status == Status::Ok);
    assert!(winners.len() <= 1, "run {run}: one credential redeemed twice: {answers:?}");
    for (status, answer) in losers {
        assert_eq!((*status, answer["error"].as_str()), (Status::BadRequest, Some("invalid_grant")), "run {run}");
    }
    winners.first().map(|(_, answer)| answer)
}

/// Two exchanges of one code at once: one spends it, the other is a replay, and the tokens the
/// first issued are revoked, even when the replay's revocation ran before they were stored.
async fn concurrent_code_exchanges(storage: &str) {
    let client = signed_in(storage).await;
    for i in 0..ITERATIONS {
        let answers = twice(&client, exchange_form(&code(&client).await)).await;
        let Some(issued) = at_most_one_winner(i, &answers) else { continue };
        let access_token = issued["access_token"].as_str().unwrap();
        assert!(!active(&client, access_token).await, "run {i}: the replayed code's access token is revoked");
        let refresh = format!("grant_type=refresh_token&refresh_token={}", issued["refresh_token"].as_str().unwrap());
        let (status, answer) = token(&client, refresh).await;
        assert_eq!((status, answer["error"].as_str()), (Status::BadRequest, Some("invalid_grant")), "run {i}");
    }
}

/// Two refreshes with one refresh token at once, with no grace window (the default): one
/// rotates it, the other is a replay, and nothing of the grant stays active.
async fn concurrent_refreshes(storage: &str) {
    let client = signed_in(storage).await;
    for i in 0..ITERATIONS {
        let (status, issued) = token(&client, exchange_form(&code(&client).await)).await;
        assert_eq!(status, Status::Ok, "run {i}: {issued}");
        let form = format!("grant_type=refresh_token&refresh_token={}", issued["refresh_token"].as_str().unwrap());
        let answers = twice(&client, form).await;
        assert!(!active(&client, issued["access_token"].as_str().unwrap()).await, "run {i}: the grant is revoked");
        if let Some(winner) = at_most_one_winner(i, &answers) {
            let access_token = winner["access_token"].as_str().unwrap();
            assert!(!active(&client, access_token).await, "run {i}: the replay revoked the new tokens too");
        }
    }
}

/// A hundred exchanges of one code at once, and a hundred refreshes with one refresh token: at
/// most one answered with tokens, the rest `invalid_grant`, and nothing of the grant active
/// afterwards (each race is a replay).
async fn hundred_concurrent_redemptions(storage: &str) {
    let client = signed_in(storage).await;
    for i in 0..5 {
        let answers = at_once(&client, exchange_form(&code(&client).await), 100).await;
        if let Some(issued) = at_most_one_winner(i, &answers) {
            assert!(!active(&client, issued["access_token"].as_str().unwrap()).await, "run {i}: revoked");
        }
        let (status, issued) = token(&client, exchange_form(&code(&client).await)).await;
        assert_eq!(status, Status::Ok, "run {i}: {issued}");
        let form = format!("grant_type=refresh_token&refresh_token={}", issued["refresh_token"].as_str().unwrap());
        let answers = at_once(&client, form, 100).await;
        if let Some(winner) = at_most_one_winner(i, &answers) {
            assert!(!active(&client, winner["access_token"].as_str().unwrap()).await, "run {i}: revoked");
        }
        assert!(!active(&client, issued["access_token"].as_str().unwrap()).await, "run {i}: the grant is revoked");
    }
}

/// Registrations racing with one single-use initial access token (RFC 7591 §3): exactly one
/// registers, every run, however the storage orders them.
async fn concurrent_registrations_with_one_single_use_token(storage: &str) {
    let overrides = common::sections(&[
        ("registration", "enabled", true.into()),
        ("registration", "require_initial_access_token", true.into()),
        ("registration", "per_address", 0.into()),
    ]);
    let op = common::provider_with(common::local::ISSUER, storage, overrides).await;
    let client = Arc::new(Client::untracked(op.rocket()).await.expect("rocket"));
    for run in 0..ITERATIONS / 4 {
        let token = provider::operator::mint_registration_token(&op, None, true).await.unwrap();
        let register = |client: Arc<Client>, token: String| async move {
            let response = client
                .post("/register")
                .header(ContentType::JSON)
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .body(r#"{"redirect_uris": ["https://rp.example.com/callback"]}"#)
                .dispatch()
                .await;
            response.status()
        };
        let racers: Vec<_> = (0..4).map(|_| tokio::spawn(register(client.clone(), token.clone()))).collect();
        let mut created = 0;
        for racer in racers {
            match racer.await.expect("task") {
                Status::Created => created += 1,
                status => assert_eq!(status, Status::Unauthorized, "run {run}"),
            }
        }
        assert_eq!(created, 1, "run {run}: a single-use token registered {created} clients");
    }
}

/// Updates racing with one registration access token that each update rotates (RFC 7592
/// §2.2): exactly one is applied, the others are refused, and the token it answered is the one
/// that works.
async fn concurrent_updates_rotating_the_registration_access_token(storage: &str) {
    let overrides = common::sections(&[
        ("registration", "enabled", true.into()),
        ("registration", "per_address", 0.into()),
        ("registration", "rotate_registration_access_token_on_update", true.into()),
    ]);
    let op = common::provider_with(common::local::ISSUER, storage, overrides).await;
    let client = Arc::new(Client::untracked(op.rocket()).await.expect("rocket"));
    let metadata = r#"{"redirect_uris": ["https://rp.example.com/callback"]}"#;
    let created = client.post("/register").header(ContentType::JSON).body(metadata).dispatch().await;
    let created: serde_json::Value = created.into_json().await.unwrap();
    let path = format!("/register/{}", created["client_id"].as_str().unwrap());
    let mut token = created["registration_access_token"].as_str().unwrap().to_string();
    for run in 0..ITERATIONS / 4 {
        let update = |client: Arc<Client>, path: String, token: String, name: String| async move {
            let body = serde_json::json!({
                "client_id": path.trim_start_matches("/register/"),
                "redirect_uris": ["https://rp.example.com/callback"],
                "client_name": name,
            });
            let response = client
                .put(path)
                .header(ContentType::JSON)
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .body(body.to_string())
                .dispatch()
                .await;
            (response.status(), response.into_json::<serde_json::Value>().await.unwrap_or_default())
        };
        let racers: Vec<_> = (0..4)
            .map(|n| tokio::spawn(update(client.clone(), path.clone(), token.clone(), format!("run {run} racer {n}"))))
            .collect();
        let mut winners = Vec::new();
        for racer in racers {
            match racer.await.expect("task") {
                (Status::Ok, answer) => winners.push(answer),
                (status, _) => assert_eq!(status, Status::Unauthorized, "run {run}"),
            }
        }
        assert_eq!(winners.len(), 1, "run {run}: {} updates applied with one token", winners.len());
        token = winners[0]["registration_access_token"].as_str().unwrap().to_string();
        let read = client.get(path.clone()).header(Header::new("Authorization", format!("Bearer {token}"))).dispatch();
        let read: serde_json::Value = read.await.into_json().await.unwrap();
        assert_eq!(read["client_name"], winners[0]["client_name"], "run {run}: the stored update is the answered one");
    }
}

/// Sweeps racing to deliver one queued logout token (Back-Channel Logout 1.0 §2.5): each
/// attempt is claimed by a compare-and-set, so the client gets it exactly once, every run.
async fn concurrent_back_channel_deliveries(storage: &str) {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let overrides = common::sections(&[
        ("logout", "enabled", true.into()),
        ("registration", "enabled", true.into()),
        ("outbound", "allow_http_loopback", true.into()),
    ]);
    let op = common::provider_with(common::local::ISSUER, storage, overrides).await;
    let metadata = serde_json::json!({
        "redirect_uris": ["https://rp.example.com/callback"],
        "backchannel_logout_uri": format!("{}/backchannel", server.uri()),
    });
    let registered = provider::operator::add_client(&op, metadata).await.expect("registered");
    let client = op.clients().find(registered["client_id"].as_str().unwrap()).await.unwrap().unwrap();
    for run in 0..ITERATIONS / 4 {
        let id = provider::logout::backchannel::queue(&op, &client, "248289761001", "sid").await.unwrap();
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let (op, id) = (op.clone(), id.clone());
                tokio::spawn(async move { provider::logout::backchannel::attempt(&op, &id).await })
            })
            .collect();
        for racer in racers {
            racer.await.expect("task");
        }
        let delivered = server.received_requests().await.unwrap().len();
        assert_eq!(delivered, run + 1, "run {run}: one logout token, delivered {} times", delivered - run);
    }
}

/// A provider with CIBA on `storage`, a poll client registered for it, and that client's
/// `Authorization` header.
async fn ciba_provider(storage: &str) -> (provider::Provider, Arc<Client>, String) {
    use base64::Engine as _;
    let overrides = common::sections(&[("ciba", "enabled", true.into()), ("registration", "enabled", true.into())]);
    let op = common::provider_with(common::local::ISSUER, storage, overrides).await;
    let metadata = serde_json::json!({
        "grant_types": ["urn:openid:params:grant-type:ciba"],
        "response_types": [],
        "backchannel_token_delivery_mode": "poll",
    });
    let registered = provider::operator::add_client(&op, metadata).await.expect("registered");
    let credentials =
        format!("{}:{}", registered["client_id"].as_str().unwrap(), registered["client_secret"].as_str().unwrap());
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
    let client = Arc::new(Client::tracked(op.rocket()).await.expect("rocket"));
    (op, client, basic)
}

/// A new backchannel authentication request for alice: its `auth_req_id`.
async fn ciba_request(client: &Client, basic: &str) -> String {
    let response = client
        .post("/backchannel")
        .header(ContentType::Form)
        .header(Header::new("Authorization", basic.to_string()))
        .body("scope=openid&login_hint=alice")
        .dispatch()
        .await;
    let answer: serde_json::Value = response.into_json().await.expect("JSON");
    answer["auth_req_id"].as_str().expect("an auth_req_id").to_string()
}

/// Four token requests racing for one approved `auth_req_id` (CIBA Core §10.1), and an approval
/// racing a denial: exactly one gets the tokens, exactly one decision is recorded, every run.
async fn concurrent_ciba_redemptions(storage: &str) {
    use provider::ciba::{Outcome, complete, id_of};
    let (op, client, basic) = ciba_provider(storage).await;
    for run in 0..ITERATIONS / 4 {
        let auth_req_id = ciba_request(&client, &basic).await;
        let id = id_of(&auth_req_id);
        let decisions: Vec<_> = [Outcome::Approved { acr: None, amr: vec![] }, Outcome::Denied]
            .into_iter()
            .map(|outcome| {
                let (op, id) = (op.clone(), id.clone());
                tokio::spawn(async move { complete(&op, &id, outcome).await.is_ok() })
            })
            .collect();
        let mut recorded = 0;
        for decision in decisions {
            recorded += usize::from(decision.await.expect("task"));
        }
        assert_eq!(recorded, 1, "run {run}: one decision, recorded {recorded} times");
        let form = format!("grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id={auth_req_id}");
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let (client, basic, form) = (client.clone(), basic.clone(), form.clone());
                tokio::spawn(async move {
                    let response = client
                        .post("/token")
                        .header(ContentType::Form)
                        .header(Header::new("Authorization", basic))
                        .body(form)
                        .dispatch()
                        .await;
                    (response.status(), response.into_json::<serde_json::Value>().await.unwrap_or_default())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for racer in racers {
            answers.push(racer.await.expect("task"));
        }
        let winners = answers.iter().filter(|(status, _)| *status == Status::Ok).count();
        let denied = answers.iter().all(|(_, answer)| answer["error"] == "access_denied");
        assert!(winners == 1 || denied, "run {run}: approved, one winner; denied, all refused: {answers:?}");
    }
}

/// Runs each race on each backend, as `race::on_memory`, `race::on_sqlite` and
/// `race::on_postgres` (a schema of its own on `OP_TEST_POSTGRES_URL`; reported skipped without
/// one).
macro_rules! on_each_backend {
    ($($race:ident),* $(,)?) => {$(
        mod $race {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_memory() {
                super::$race("memory:").await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_sqlite() {
                let dir = tempfile::tempdir().unwrap();
                super::$race(&format!("sqlite:{}", dir.path().join("op.db").display())).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn on_postgres() {
                let test = concat!(stringify!($race), "::on_postgres");
                if let Some(url) = provider::storage::testkit::postgres_schema_url(test).await {
                    super::$race(&url).await;
                }
            }
        }
    )*};
}

on_each_backend!(
    concurrent_code_exchanges,
    concurrent_refreshes,
    hundred_concurrent_redemptions,
    concurrent_registrations_with_one_single_use_token,
    concurrent_updates_rotating_the_registration_access_token,
    concurrent_back_channel_deliveries,
    concurrent_ciba_redemptions,
);
