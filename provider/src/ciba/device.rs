//! The authentication device: how a backchannel authentication reaches its user (CIBA Core
//! §2, "Authentication Device"), and the built-in one.

use crate::Provider;
use crate::model::BackchannelRequest;
use async_trait::async_trait;

/// A pending backchannel authentication, as the user is to be shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthentication {
    /// Its id, for [`complete`](super::complete): not the `auth_req_id`, which only the client
    /// holds.
    pub id: String,
    /// The client asking.
    pub client_id: String,
    /// The name to show for it.
    pub client_name: String,
    /// The user asked.
    pub account_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The message the client shows too, so the user can tell the two belong together.
    pub binding_message: Option<String>,
    /// `acr_values` asked for, in order of preference.
    pub acr_values: Vec<String>,
    /// When the request expires (Unix seconds).
    pub expires_at: i64,
}

impl PendingAuthentication {
    /// `request` as shown, its client looked up for its name (gone, its id stands in).
    pub(crate) async fn of(op: &Provider, request: &BackchannelRequest) -> Self {
        let client = op.clients().find(&request.client_id).await.ok().flatten();
        let client_name = client.map(|c| c.display_name().to_string()).unwrap_or_else(|| request.client_id.clone());
        Self::named(request, client_name)
    }

    /// `request` as shown, its client's name known.
    pub(crate) fn named(request: &BackchannelRequest, client_name: String) -> Self {
        Self {
            id: request.id.clone(),
            client_id: request.client_id.clone(),
            client_name,
            account_id: request.account_id.clone(),
            scopes: request.scopes.clone(),
            binding_message: request.binding_message.clone(),
            acr_values: request.acr_values.clone(),
            expires_at: request.expires_at,
        }
    }
}

/// Why a `login_hint_token` names no user (CIBA Core §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintProblem {
    /// It names no user this deployment knows (`unknown_user_id`).
    Unknown,
    /// It has expired (`expired_login_hint_token`).
    Expired,
}

/// The host's way to reach a user: implement it to send a push notification to their phone, a
/// message to their banking app, and so on. Give it to [`ProviderBuilder::authentication_device`](crate::ProviderBuilder::authentication_device).
#[async_trait]
pub trait AuthenticationDevice: Send + Sync + 'static {
    /// Asks the user to approve `request`. The answer comes back through
    /// [`complete`](super::complete), at any time before the request expires.
    async fn ask(&self, op: &Provider, request: &PendingAuthentication);

    /// The account a `login_hint_token` names; its format is the deployment's (CIBA Core
    /// §7.1). By default none is understood.
    async fn login_hint_token(&self, _token: &str) -> Result<String, HintProblem> {
        Err(HintProblem::Unknown)
    }

    /// Whether `user_code` is the secret `account_id` set for backchannel requests (CIBA Core
    /// §7.1). By default no user has one, so every code is wrong.
    async fn check_user_code(&self, _account_id: &str, _user_code: &str) -> bool {
        false
    }
}

/// The built-in device: the user signs in at `/ciba` and finds their pending requests there.
/// Asking only logs that one waits.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebPage;

#[async_trait]
impl AuthenticationDevice for WebPage {
    async fn ask(&self, _op: &Provider, request: &PendingAuthentication) {
        tracing::info!(client_id = %request.client_id, "a backchannel authentication waits for its user at /ciba");
    }
}
