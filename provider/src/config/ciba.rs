//! The `[ciba]` section: Client-Initiated Backchannel Authentication (CIBA Core 1.0).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// How a client gets the outcome of a backchannel authentication (CIBA Core §5).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryMode {
    /// The client polls the token endpoint.
    Poll,
    /// The provider tells the client's notification endpoint when to ask the token endpoint.
    Ping,
    /// The provider sends the tokens to the client's notification endpoint.
    Push,
}

impl DeliveryMode {
    /// The mode as `backchannel_token_delivery_mode` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Poll => "poll",
            Self::Ping => "ping",
            Self::Push => "push",
        }
    }

    /// The mode a client registered, by name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Poll, Self::Ping, Self::Push].into_iter().find(|mode| mode.as_str() == name)
    }
}

/// Whether the backchannel authentication endpoint is served, and its limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CibaConfig {
    /// Serve `backchannel_authentication_endpoint` (`/backchannel`), the grant `urn:openid:params:grant-type:ciba` and
    /// the approval page (`/ciba`), and publish `backchannel_authentication_endpoint`,
    /// `backchannel_token_delivery_modes_supported`, `backchannel_authentication_request_signing_alg_values_supported`,
    /// `backchannel_user_code_parameter_supported` and the grant in discovery.
    pub enabled: bool,
    /// The modes clients may register (`backchannel_token_delivery_mode`); a client registered for another is refused
    /// with `unauthorized_client`.
    pub delivery_modes: Vec<DeliveryMode>,
    /// Every request must be a signed request object (`request`); otherwise only clients that registered
    /// `backchannel_authentication_request_signing_alg` must sign.
    pub require_signed_request: bool,
    /// Accept `user_code`: a client that registered `backchannel_user_code_parameter` must send one, and the host's
    /// `AuthenticationDevice::check_user_code` checks it (none is known by default).
    pub user_code_supported: bool,
    /// Seconds an `auth_req_id` lives without `requested_expiry` (10 to 3600).
    pub request_lifetime: u64,
    /// The longest `requested_expiry` granted; a longer one is shortened.
    pub max_requested_expiry: u64,
    /// Seconds a polling client waits between token requests (`interval`); polling sooner gets `slow_down` and 5
    /// seconds more.
    pub interval: u64,
    /// The longest `binding_message`, in characters; longer, or with control characters, is `invalid_binding_message`.
    pub max_binding_message: usize,
    /// The secret of the automated approval endpoint, `POST /ciba/approve?auth_req_id=...&action=allow|deny`, given as
    /// `Authorization: Bearer` or, for a suite that can only be given a URL, as the `secret` query parameter (the log
    /// never shows a query). At least 16 characters. Absent, the endpoint is not served. For test suites and CI, never
    /// production.
    pub approval_secret: Option<String>,
    /// Most delivery attempts of one ping or push; the pause between attempts doubles from 1 s.
    pub notification_max_attempts: u32,
}

impl Default for CibaConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            delivery_modes: vec![DeliveryMode::Poll, DeliveryMode::Ping, DeliveryMode::Push],
            require_signed_request: false,
            user_code_supported: false,
            request_lifetime: 120,
            max_requested_expiry: 600,
            interval: 5,
            max_binding_message: 64,
            approval_secret: None,
            notification_max_attempts: 6,
        }
    }
}

impl CibaConfig {
    /// Lifetimes that leave the user time; modes to offer; a secret worth the name.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if !(10..=3600).contains(&self.request_lifetime) {
            errors.push(ConfigError::new("ciba.request_lifetime", "must be between 10 and 3600 seconds"));
        }
        if self.max_requested_expiry < self.request_lifetime || self.max_requested_expiry > 86_400 {
            errors.push(ConfigError::new(
                "ciba.max_requested_expiry",
                "must be at least ciba.request_lifetime and at most 86400 seconds",
            ));
        }
        if !(1..=60).contains(&self.interval) {
            errors.push(ConfigError::new("ciba.interval", "must be between 1 and 60 seconds"));
        }
        if self.enabled && self.delivery_modes.is_empty() {
            errors.push(ConfigError::new("ciba.delivery_modes", "must name at least one of poll, ping, push"));
        }
        if self.notification_max_attempts == 0 {
            errors.push(ConfigError::new("ciba.notification_max_attempts", "must be at least 1"));
        }
        if self.approval_secret.as_ref().is_some_and(|secret| secret.len() < 16) {
            errors.push(ConfigError::new("ciba.approval_secret", "must be at least 16 characters"));
        }
    }

    /// Whether clients may register this mode.
    pub fn offers(&self, mode: DeliveryMode) -> bool {
        self.delivery_modes.contains(&mode)
    }
}
