//! The logout request (RP-Initiated Logout 1.0 §2), checked before the end-user is asked to
//! confirm it. Anything wrong gets an error page, never a redirect: a redirect happens only to a
//! `post_logout_redirect_uri` registered by the client the request names (§3).

use crate::Provider;
use crate::clients::Client;
use std::sync::Arc;
use crate::model::Model;
use crate::protocol::Params;
use crate::security::random_token;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};

/// A checked logout request, kept until the end-user confirms it (or it expires).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct LogoutRequest {
    /// Its id (also the storage id), which the confirmation form carries.
    pub id: String,
    /// The token the confirmation form must carry back (CSRF).
    pub csrf: String,
    /// The client the request names, by `id_token_hint` or `client_id`.
    pub client_id: Option<String>,
    /// Where to send the end-user afterwards: registered by that client, matched exactly.
    pub post_logout_redirect_uri: Option<String>,
    /// Echoed to the `post_logout_redirect_uri` (§2).
    pub state: Option<String>,
    /// The end-user the hint names (`sub` of the `id_token_hint`).
    pub hint_sub: Option<String>,
    /// The end-user's preferred languages for the pages (§2).
    pub ui_locales: Option<String>,
    /// A login app's answer (`[login_app]`), until the browser comes back with its verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalLogoutAnswer>,
}

/// A login app's answer to a logout challenge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ExternalLogoutAnswer {
    /// The single-use value the browser must bring back.
    pub verifier: String,
    /// Whether the end-user confirmed the logout.
    pub confirmed: bool,
}

impl Model for LogoutRequest {
    const KIND: Kind = Kind::LogoutRequest;
}

/// Checks the parameters of a logout request (§2, §3): the request, with the client it names
/// (for the confirmation page to show); an error page's description if they are wrong.
pub(crate) async fn check(op: &Provider, params: &Params) -> Result<(LogoutRequest, Option<Arc<Client>>), String> {
    if let Err(e) = params.reject_repeated() {
        return Err(e.description);
    }
    let hint = params.get("id_token_hint").map(|hint| crate::tokens::verify_id_token_hint(op, hint)).transpose()?;
    let hinted_client = hint.as_ref().and_then(|claims| claims["aud"].as_str()).map(String::from);
    let client_id = match (hinted_client, params.get("client_id")) {
        // §2: "If both client_id and id_token_hint are present, the OP MUST verify that the
        // Client Identifier matches the one used when issuing the ID Token."
        (Some(hinted), Some(named)) if hinted != named => {
            return Err("client_id is not the client the id_token_hint was issued to".into());
        }
        (hinted, named) => hinted.or(named.map(String::from)),
    };
    let client = match &client_id {
        Some(id) => Some(op.clients().find(id).await.map_err(|e| e.to_string())?.ok_or("client_id is not a known client")?),
        None => None,
    };
    let post_logout_redirect_uri = match (params.get("post_logout_redirect_uri"), &client) {
        (None, _) => None,
        // §3: without a client to have registered it, no URI can be trusted.
        (Some(_), None) => return Err("post_logout_redirect_uri needs an id_token_hint or a client_id".into()),
        (Some(uri), Some(client)) if client.post_logout_redirect_uris.iter().any(|registered| registered == uri) => {
            Some(uri.to_string())
        }
        (Some(_), Some(_)) => return Err("post_logout_redirect_uri is not registered for this client".into()),
    };
    let request = LogoutRequest {
        id: random_token(),
        csrf: random_token(),
        client_id,
        post_logout_redirect_uri,
        state: params.get("state").map(String::from),
        hint_sub: hint.as_ref().and_then(|claims| claims["sub"].as_str()).map(String::from),
        ui_locales: params.get("ui_locales").map(String::from),
        external: None,
    };
    Ok((request, client))
}

impl LogoutRequest {
    /// Where the end-user goes after the logout: the registered URI with `state` (§3), if any.
    pub(crate) fn redirect(&self) -> Option<String> {
        let uri = self.post_logout_redirect_uri.as_deref()?;
        let mut url = url::Url::parse(uri).ok()?;
        if let Some(state) = &self.state {
            url.query_pairs_mut().append_pair("state", state);
        }
        Some(url.to_string())
    }
}
