//! The authorization endpoint's engine (RFC 6749 §4.1, OIDC Core §3.1.2).
//!
//! Every front door ([`authorize`], [`resume`], [`device_request`], [`confirm_device`]) runs the
//! request through the named steps its [`Door`] picks from one table, and answers with a
//! [`Decision`]: issue the response now, or run an interaction (a prompt and its reasons). It
//! knows nothing of HTML; the built-in pages and an external login app are two consumers of the
//! same answer.

#[cfg(feature = "ciba")]
mod backchannel;
#[cfg(feature = "device-flow")]
mod device;
mod issue;
mod pipeline;
mod policy;
#[cfg(feature = "par")]
mod pushed;
mod request;
#[cfg(feature = "jar")]
mod request_object;

#[cfg(feature = "ciba")]
pub(crate) use backchannel::{BackchannelAsk, Hint, backchannel_request};
#[cfg(feature = "device-flow")]
pub(crate) use device::confirm_device;
#[cfg(feature = "device-flow")]
pub use device::device_request;
pub(crate) use pipeline::Door;
pub(crate) use policy::current_grant;
pub use policy::Decision;
#[cfg(feature = "par")]
pub use pushed::push;
pub(crate) use request::{SUPPORTED_SCOPES, known_scope};

use crate::Provider;
use crate::model::{Interaction, Session};
use crate::protocol::{AuthorizationError, Params};
use pipeline::Flow;

/// `/authorize`: validates the request and decides what happens next.
pub async fn authorize(
    op: &Provider,
    params: Params,
    session: Option<Session>,
) -> Result<Decision, AuthorizationError> {
    #[cfg(feature = "par")]
    let door = if pushed::is_pushed(&params) { Door::Pushed } else { Door::Authorize };
    #[cfg(not(feature = "par"))]
    let door = Door::Authorize;
    Flow::new(op, door, params).with_session(session).run().await?.decision()
}

/// Back from an interaction: runs the policy again on the stored request, with the session the
/// browser has now.
pub(crate) async fn resume(
    op: &Provider,
    interaction: Interaction,
    session: Option<Session>,
) -> Result<Decision, AuthorizationError> {
    let request = interaction.request.clone();
    let flow = Flow::new(op, Door::Resume, Params::default()).with_request(request).with_interaction(interaction);
    flow.with_session(session).run().await?.decision()
}

/// Merges a request object's parameters in (OIDC Core §6).
#[cfg(feature = "jar")]
async fn resolve_request_object(
    op: &Provider,
    client: &crate::clients::Client,
    params: &Params,
) -> Result<Option<Params>, (crate::protocol::ErrorCode, String)> {
    request_object::resolve(op, client, params).await
}

/// Without the `jar` feature request objects are refused as unsupported (OIDC Core §3.1.2.6).
#[cfg(not(feature = "jar"))]
async fn resolve_request_object(
    _op: &Provider,
    _client: &crate::clients::Client,
    params: &Params,
) -> Result<Option<Params>, (crate::protocol::ErrorCode, String)> {
    use crate::protocol::ErrorCode;
    match (params.get("request"), params.get("request_uri")) {
        (Some(_), _) => Err((ErrorCode::RequestNotSupported, "request objects are not supported by this build".into())),
        (_, Some(_)) => Err((ErrorCode::RequestUriNotSupported, "request_uri is not supported by this build".into())),
        _ => Ok(None),
    }
}
