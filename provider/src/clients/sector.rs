//! Pairwise subject identifiers (OIDC Core §8.1): the same user gets a different, stable `sub` at
//! each sector (the host of the client's redirect URIs, or of its `sector_identifier_uri`).

use super::Client;
use crate::outbound::Fetcher;
use crate::security::sha256_b64url;

/// Works out a pairwise client's sector. With a `sector_identifier_uri`, the document there must
/// list every redirect URI (OIDC Registration §5); without, the redirect URIs share one host.
pub(super) async fn resolve(client: &Client, fetcher: &Fetcher) -> Result<String, String> {
    match &client.sector_identifier_uri {
        Some(uri) => {
            let body = fetcher.get(uri).await.map_err(|e| e.to_string())?;
            let listed: Vec<String> =
                serde_json::from_str(&body).map_err(|_| format!("{uri} is not a JSON array of URIs"))?;
            if let Some(missing) = client.redirect_uris.iter().find(|r| !listed.contains(r)) {
                return Err(format!("{uri} does not list the redirect URI {missing}"));
            }
            host(uri)
        }
        None => {
            let mut hosts: Vec<String> = client.redirect_uris.iter().map(|r| host(r)).collect::<Result<_, _>>()?;
            hosts.dedup();
            match hosts.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err("redirect URIs on several hosts need a sector_identifier_uri".into()),
            }
        }
    }
}

fn host(uri: &str) -> Result<String, String> {
    url::Url::parse(uri).ok().and_then(|u| u.host_str().map(String::from)).ok_or_else(|| format!("{uri} has no host"))
}

/// The pairwise `sub` of an account at a sector: SHA-256 over sector, account and salt.
pub(crate) fn pairwise_subject(sector: &str, account_id: &str, salt: &str) -> String {
    // Length-prefixed so that no two (sector, account) pairs collide.
    sha256_b64url(&format!("{}:{sector}{}:{account_id}{salt}", sector.len(), account_id.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_subjects_differ_by_sector_and_account_and_are_stable() {
        let a = pairwise_subject("rp.example", "alice", "salt");
        assert_eq!(a, pairwise_subject("rp.example", "alice", "salt"));
        assert_ne!(a, pairwise_subject("other.example", "alice", "salt"));
        assert_ne!(a, pairwise_subject("rp.example", "bob", "salt"));
        assert_ne!(a, pairwise_subject("rp.example", "alice", "pepper"));
        assert_ne!(pairwise_subject("ab", "c", "s"), pairwise_subject("a", "bc", "s"));
    }
}
