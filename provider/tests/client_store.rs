//! The client store: configured clients, and clients registered at run time, which live in the
//! storage backend, so every instance sharing it sees them, and a restart keeps them.

mod common;

use provider::clients::{Client, ClientStoreError, Registration, authenticate};
use provider::protocol::Params;

fn registered(client_id: &str) -> Registration {
    let metadata = serde_json::json!({
        "client_id": client_id,
        "client_secret": "a-registered-secret-0123456789abcdef",
        "redirect_uris": ["https://registered.example/cb"],
    });
    let client =
        serde_json::from_value::<Client>(metadata).unwrap().validated(&[provider::jose::SigningAlg::RS256]).unwrap();
    Registration { client, client_id_issued_at: 1_800_000_000, access_token_hash: "hash".into() }
}

#[tokio::test]
async fn a_registered_client_is_seen_by_another_instance_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("op.db").display());
    let first = common::provider_on("https://op.example", &storage).await;
    let second = common::provider_on("https://op.example", &storage).await;
    assert!(second.clients().find("dyn-1").await.unwrap().is_none());

    first.clients().save(&registered("dyn-1")).await.unwrap();
    let kept = second.clients().registration("dyn-1").await.unwrap().expect("its registration");
    assert_eq!((kept.client_id_issued_at, kept.access_token_hash.as_str()), (1_800_000_000, "hash"));
    let seen = second.clients().find("dyn-1").await.unwrap().expect("the other instance sees it");
    assert_eq!(seen.redirect_uris, ["https://registered.example/cb"]);
    assert_eq!(seen.response_types, ["code"], "derived metadata is worked out again as it is read");
    drop((first, second));

    let restarted = common::provider_on("https://op.example", &storage).await;
    assert!(restarted.clients().find("dyn-1").await.unwrap().is_some(), "kept across a restart");
    assert!(restarted.clients().remove("dyn-1").await.unwrap());
    assert!(restarted.clients().find("dyn-1").await.unwrap().is_none());
    assert!(!restarted.clients().remove("dyn-1").await.unwrap(), "removing twice finds nothing");
}

#[tokio::test]
async fn configured_clients_are_found_first_and_cannot_be_replaced_or_removed() {
    let op = common::provider("https://op.example").await;
    let mut impostor = registered("rp-basic");
    impostor.client.redirect_uris = vec!["https://attacker.example/cb".into()];
    assert!(matches!(op.clients().save(&impostor).await, Err(ClientStoreError::Configured(_))));
    assert!(matches!(op.clients().remove("rp-basic").await, Err(ClientStoreError::Configured(_))));
    let found = op.clients().find("rp-basic").await.unwrap().unwrap();
    assert!(!found.redirect_uris.iter().any(|uri| uri.contains("attacker")), "{:?}", found.redirect_uris);
}

#[tokio::test]
async fn a_registered_client_authenticates_with_its_secret() {
    let op = common::provider("https://op.example").await;
    op.clients().save(&registered("dyn-2")).await.unwrap();
    let mut params = Params::parse("client_id=dyn-2&client_secret=a-registered-secret-0123456789abcdef");
    let (client, _) = authenticate(&op, None, &mut params, &Default::default()).await.expect("authenticated");
    assert_eq!(client.client_id, "dyn-2");
    let mut wrong = Params::parse("client_id=dyn-2&client_secret=not-the-secret");
    assert!(authenticate(&op, None, &mut wrong, &Default::default()).await.is_err());
}
