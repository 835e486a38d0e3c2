//! A running provider picks up `provider keys rotate` without a restart, and keeps publishing the
//! old key while tokens signed with it may still be in use.

use provider::Provider;
use provider::config::{ConfigSources, load};
use provider::jose::SigningAlg;
use rocket::local::asynchronous::Client;
use std::time::Duration;

#[tokio::test]
async fn a_rotation_is_picked_up_by_the_running_provider() {
    let dir = tempfile::tempdir().unwrap();
    let keys_file = dir.path().join("jwks.json");
    let mut overrides = figment::value::Dict::new();
    overrides.insert("storage".into(), "memory:".into());
    let mut keys = figment::value::Dict::new();
    keys.insert("file".into(), keys_file.display().to_string().into());
    keys.insert("signing_algs".into(), vec!["RS256"].into());
    keys.insert("reload_interval".into(), 1.into());
    overrides.insert("keys".into(), keys.into());
    let config = load(&ConfigSources { overrides, ..Default::default() }).unwrap();
    let op = Provider::new(config).await.unwrap();
    let client = Client::tracked(op.mount(rocket::build(), "/")).await.unwrap();
    let old_kid = op.keys().signing_key(SigningAlg::RS256).unwrap().kid.clone();

    let rotation = provider::keys::rotate(&keys_file, &[SigningAlg::RS256], Duration::from_secs(3600)).unwrap();
    let new_kid = rotation.added[0].clone();
    let mut picked_up = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if op.keys().signing_key(SigningAlg::RS256).unwrap().kid == new_kid {
            picked_up = true;
            break;
        }
    }
    assert!(picked_up, "the new key signs after the reload interval");
    let jwks = client.get("/jwks").dispatch().await.into_string().await.unwrap();
    assert!(jwks.contains(&new_kid) && jwks.contains(&old_kid), "both keys are published: {jwks}");
}
