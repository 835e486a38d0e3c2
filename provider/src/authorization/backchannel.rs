//! CIBA's door (CIBA Core §7.1): a backchannel authentication request from an authenticated
//! client, checked in the spec's order. The signed request object, if any, replaces the form
//! parameters; the scope and resource steps are `/authorize`'s own; the hint is handed on
//! unresolved, for the CIBA module to find its user. Errors are the caller's to answer in JSON.

use super::pipeline::{Door, Flow};
use crate::Provider;
use crate::clients::Client;
use crate::config::DeliveryMode;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, Params};
use std::sync::Arc;

/// How the request names its user: exactly one of three (CIBA Core §7.1), each variant named
/// after its parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub(crate) enum Hint {
    /// `login_hint`: an identifier of the user.
    LoginHint(String),
    /// `login_hint_token`: a token about the user, in a format the deployment knows.
    LoginHintToken(String),
    /// `id_token_hint`: an ID token this provider issued to the user.
    IdTokenHint(String),
}

/// A backchannel authentication request, checked.
#[derive(Debug, Clone)]
pub(crate) struct BackchannelAsk {
    /// The user, as the request names them.
    pub hint: Hint,
    /// The scopes kept (`openid` among them).
    pub scopes: Vec<String>,
    /// Resource indicators (RFC 8707).
    pub resources: Vec<String>,
    /// `acr_values`, in order of preference.
    pub acr_values: Vec<String>,
    /// `binding_message`.
    pub binding_message: Option<String>,
    /// `user_code`, where the client sends one.
    pub user_code: Option<String>,
    /// How the client gets the outcome.
    pub mode: DeliveryMode,
    /// `client_notification_token` (ping and push).
    pub client_notification_token: Option<String>,
    /// Seconds the `auth_req_id` lives.
    pub expires_in: u64,
}

/// `POST /backchannel`: the request's checks, in order.
pub(crate) async fn backchannel_request(op: &Provider, client: Arc<Client>, params: Params) -> OAuthResult<BackchannelAsk> {
    let mode = delivery_mode(op, &client)?;
    let params = signed_request(op, &client, params).await?;
    let hint = hint(&params)?;
    let (binding_message, user_code) = (binding_message(op, &params)?, user_code(op, &client, &params)?);
    crate::fapi::check_backchannel_request(op.config().fapi.profile, binding_message.is_some())?;
    let client_notification_token = notification_token(mode, &params)?;
    let expires_in = requested_expiry(op, &params)?;
    let acr_values = params.get("acr_values").map(|v| v.split_whitespace().map(String::from).collect()).unwrap_or_default();
    let flow = Flow::new(op, Door::Backchannel, params).with_client(client).run().await.map_err(OAuthError::from)?;
    let (scopes, resources) = flow.into_scopes_and_resources();
    // CIBA Core §7.1: scope is REQUIRED and holds `openid`.
    if !scopes.iter().any(|s| s == "openid") {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope must include openid"));
    }
    Ok(BackchannelAsk {
        hint,
        scopes,
        resources,
        acr_values,
        binding_message,
        user_code,
        mode,
        client_notification_token,
        expires_in,
    })
}

/// CIBA Core §4, §13: the client registered the CIBA grant, in a mode this provider offers.
fn delivery_mode(op: &Provider, client: &Client) -> OAuthResult<DeliveryMode> {
    let unauthorized = |why: String| OAuthError::new(ErrorCode::UnauthorizedClient, why);
    if !client.allows_grant(crate::protocol::grant_type::CIBA) {
        return Err(unauthorized("the client is not registered for CIBA".into()));
    }
    let mode = client.backchannel_token_delivery_mode.as_deref().and_then(DeliveryMode::parse);
    match mode {
        Some(mode) if op.config().ciba.offers(mode) => Ok(mode),
        _ => Err(unauthorized("the client's backchannel_token_delivery_mode is not offered here".into())),
    }
}

/// CIBA Core §7.1.1: a signed request's parameters are its own; one is required where the
/// server or the client says so. `request_uri` is not part of CIBA.
async fn signed_request(op: &Provider, client: &Client, params: Params) -> OAuthResult<Params> {
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request("request_uri is not supported at the backchannel endpoint"));
    }
    let Some(jwt) = params.get("request") else {
        let required = op.config().ciba.require_signed_request
            || client.backchannel_authentication_request_signing_alg.is_some();
        if required {
            return Err(OAuthError::invalid_request("a signed authentication request is required"));
        }
        return Ok(params);
    };
    // CIBA Core §13: a request object's problems are `invalid_request`; a storage failure
    // recording its `jti` stays a server error.
    super::request_object::resolve_backchannel(op, client, jwt).await.map_err(|(code, why)| match code {
        ErrorCode::ServerError => OAuthError::new(code, why),
        _ => OAuthError::invalid_request(why),
    })
}

/// CIBA Core §7.1: exactly one of `login_hint_token`, `id_token_hint` and `login_hint`.
fn hint(params: &Params) -> OAuthResult<Hint> {
    let given: Vec<Hint> = [
        params.get("login_hint").map(|h| Hint::LoginHint(h.into())),
        params.get("login_hint_token").map(|h| Hint::LoginHintToken(h.into())),
        params.get("id_token_hint").map(|h| Hint::IdTokenHint(h.into())),
    ]
    .into_iter()
    .flatten()
    .collect();
    match <[Hint; 1]>::try_from(given) {
        Ok([hint]) => Ok(hint),
        Err(given) if given.is_empty() => {
            Err(OAuthError::invalid_request("one of login_hint, login_hint_token and id_token_hint is required"))
        }
        Err(_) => Err(OAuthError::invalid_request("only one of login_hint, login_hint_token and id_token_hint")),
    }
}

/// CIBA Core §7.1: a short message, shown on both devices; too long or with control characters
/// it is `invalid_binding_message` (§13).
fn binding_message(op: &Provider, params: &Params) -> OAuthResult<Option<String>> {
    let Some(message) = params.get("binding_message") else { return Ok(None) };
    let max = op.config().ciba.max_binding_message;
    if message.chars().count() > max || message.chars().any(char::is_control) || message.trim().is_empty() {
        return Err(OAuthError::new(
            ErrorCode::InvalidBindingMessage,
            format!("binding_message must be 1 to {max} printable characters"),
        ));
    }
    Ok(Some(message.to_string()))
}

/// CIBA Core §7.1: a client that registered `backchannel_user_code_parameter` sends a
/// `user_code` where the server supports them (`missing_user_code`, §13).
fn user_code(op: &Provider, client: &Client, params: &Params) -> OAuthResult<Option<String>> {
    let expected = op.config().ciba.user_code_supported && client.backchannel_user_code_parameter;
    match params.get("user_code") {
        None if expected => Err(OAuthError::new(ErrorCode::MissingUserCode, "this client must send a user_code")),
        Some(code) if expected => Ok(Some(code.to_string())),
        _ => Ok(None),
    }
}

/// CIBA Core §7.1: ping and push clients send the bearer token for their notification endpoint.
fn notification_token(mode: DeliveryMode, params: &Params) -> OAuthResult<Option<String>> {
    match (mode, params.get("client_notification_token")) {
        (DeliveryMode::Poll, _) => Ok(None),
        (_, Some(token)) if (1..=1024).contains(&token.len()) => Ok(Some(token.to_string())),
        (_, Some(_)) => Err(OAuthError::invalid_request("client_notification_token must be 1 to 1024 characters")),
        (_, None) => Err(OAuthError::invalid_request("client_notification_token is required in ping and push modes")),
    }
}

/// CIBA Core §7.1: `requested_expiry`, a positive number of seconds, as a JSON number or string
/// (§7.1.1); longer than `[ciba] max_requested_expiry` it is shortened.
fn requested_expiry(op: &Provider, params: &Params) -> OAuthResult<u64> {
    let ciba = &op.config().ciba;
    let Some(asked) = params.get("requested_expiry") else { return Ok(ciba.request_lifetime) };
    match asked.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(seconds.min(ciba.max_requested_expiry)),
        _ => Err(OAuthError::invalid_request("requested_expiry must be a positive number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::default().with_overrides(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn exactly_one_hint() {
        assert_eq!(hint(&params(&[("login_hint", "alice")])).unwrap(), Hint::LoginHint("alice".into()));
        assert_eq!(hint(&params(&[])).unwrap_err().code, ErrorCode::InvalidRequest);
        let two = params(&[("login_hint", "alice"), ("id_token_hint", "x.y.z")]);
        assert_eq!(hint(&two).unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn ping_and_push_need_a_notification_token() {
        assert_eq!(notification_token(DeliveryMode::Poll, &params(&[])).unwrap(), None);
        assert!(notification_token(DeliveryMode::Ping, &params(&[])).is_err());
        let given = params(&[("client_notification_token", "t")]);
        assert_eq!(notification_token(DeliveryMode::Push, &given).unwrap().as_deref(), Some("t"));
    }
}
