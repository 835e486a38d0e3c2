//! One pipeline for every front door. Each door runs its requests through the same named steps,
//! picked from one table, as node-oidc-provider's `actions/authorization` does. A door decides
//! where the outcome goes ([`Completion`]), and so how errors are delivered. Before the
//! redirect URI is trusted, an error is shown on a page. After that it follows the completion:
//! redirected to the client, or shown to the user of a device. A JSON door turns any error into
//! an OAuth error.
//!
//! PAR (RFC 9126) runs the `/authorize` steps up to `Settle` for an authenticated client, then
//! stores the request; `/authorize` with its `request_uri` takes it back and runs the policy.
//! CIBA's backchannel request (`Backchannel`) runs the scope and resource steps for an
//! authenticated client, beside its own checks (`backchannel`); the user's approval comes later,
//! from their authentication device, not through a browser.

use super::policy::{Decision, decide};
use super::request as steps;
use crate::Provider;
use crate::clients::Client;
use crate::model::{Interaction, Session};
use crate::protocol::{
    AuthorizationError, AuthorizationRequest, ClaimsRequest, ErrorCode, Params, PromptValue, ResponseTarget,
    ResponseType,
};
use std::sync::Arc;

/// A way in to the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    /// `GET` or `POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
    Authorize,
    /// Back from an interaction, with the request it stored.
    Resume,
    /// `POST /device_authorization` (RFC 8628 §3.1), answered in JSON.
    DeviceAuthorization,
    /// A user code typed on the device page (RFC 8628 §3.3).
    DeviceConfirmation,
    /// `POST /par` (RFC 9126 §2.1): validated, kept, answered in JSON.
    Push,
    /// `/authorize` with the `request_uri` of a pushed request (RFC 9126 §4).
    Pushed,
    /// `POST /backchannel` (CIBA Core §7.1), answered in JSON.
    Backchannel,
}

/// A named step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The client, known and named once (a page if not).
    Client,
    /// A request object's parameters merged in (OIDC Core §6).
    RequestObject,
    /// The redirect URI, matched exactly (a page if not).
    RedirectUri,
    /// `response_mode`, `state` and `iss`: from here on errors are redirected.
    ResponseTarget,
    /// A client (or server) that requires pushed requests gets no other (RFC 9126 §5, §6).
    RequirePushed,
    /// No parameter given twice (RFC 6749 §3.1).
    RejectRepeated,
    /// `response_type`, supported and registered.
    ResponseType,
    /// The response mode fits the response type.
    ResponseMode,
    /// `nonce` where an ID token is returned.
    Nonce,
    /// `resource`, each a known resource server (RFC 8707).
    Resources,
    /// `authorization_details`, each of a type offered and valid (RFC 9396 §2, §5).
    AuthorizationDetails,
    /// `scope`, filtered to what the provider knows and the client may have.
    Scope,
    /// An OpenID request names its redirect URI (OIDC Core §3.1.2.1).
    OpenIdRedirectUri,
    /// PKCE, S256 only (RFC 7636).
    Pkce,
    /// `prompt`.
    Prompt,
    /// `max_age`, or the client's `default_max_age`.
    MaxAge,
    /// The `claims` parameter.
    Claims,
    /// `id_token_hint`, ours.
    IdTokenHint,
    /// The FAPI profile's rules for the request, if a profile is configured.
    Fapi,
    /// The validated request, assembled.
    Settle,
    /// The pushed request the `request_uri` names, for this client (RFC 9126 §4).
    PushedRequest,
    /// The client of a stored request, still registered.
    StoredClient,
    /// Login and consent as needed, then the outcome (issued, or recorded for a device).
    Policy,
}

use Door::*;

/// Every step, in order, with the doors that run it.
const TABLE: &[(Step, &[Door])] = &[
    (Step::Client, &[Authorize, Pushed]),
    (Step::RequestObject, &[Authorize, Push]),
    (Step::RedirectUri, &[Authorize, Push]),
    (Step::ResponseTarget, &[Authorize, Push]),
    (Step::RequirePushed, &[Authorize]),
    (Step::RejectRepeated, &[Authorize, Push]),
    (Step::ResponseType, &[Authorize, Push]),
    (Step::ResponseMode, &[Authorize, Push]),
    (Step::Nonce, &[Authorize, Push]),
    (Step::Resources, &[Authorize, DeviceAuthorization, Push, Backchannel]),
    (Step::AuthorizationDetails, &[Authorize, Push]),
    (Step::Scope, &[Authorize, DeviceAuthorization, Push, Backchannel]),
    (Step::OpenIdRedirectUri, &[Authorize, Push]),
    (Step::Pkce, &[Authorize, Push]),
    (Step::Prompt, &[Authorize, Push]),
    (Step::MaxAge, &[Authorize, Push]),
    (Step::Claims, &[Authorize, Push]),
    (Step::IdTokenHint, &[Authorize, Push]),
    (Step::Fapi, &[Authorize, Push]),
    (Step::Settle, &[Authorize, Push]),
    (Step::PushedRequest, &[Pushed]),
    (Step::StoredClient, &[Resume, DeviceConfirmation]),
    (Step::Policy, &[Authorize, Resume, DeviceConfirmation, Pushed]),
];

impl Door {
    /// The steps this door runs, in order.
    pub(crate) fn steps(self) -> impl Iterator<Item = Step> {
        TABLE.iter().filter(move |(_, doors)| doors.contains(&self)).map(|(step, _)| *step)
    }
}

/// A request on its way through the steps: what each step has found so far.
pub(super) struct Flow<'a> {
    pub(super) op: &'a Provider,
    pub(super) door: Door,
    pub(super) params: Params,
    pub(super) client: Option<Arc<Client>>,
    pub(super) redirect_uri: Option<String>,
    pub(super) target: Option<ResponseTarget>,
    pub(super) response_type: Option<ResponseType>,
    pub(super) nonce: Option<String>,
    pub(super) resources: Vec<String>,
    pub(super) authorization_details: Vec<serde_json::Value>,
    pub(super) scopes: Vec<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) prompt: Vec<PromptValue>,
    pub(super) max_age: Option<i64>,
    pub(super) claims: Option<ClaimsRequest>,
    pub(super) id_token_hint_sub: Option<String>,
    /// The validated request: settled by the steps, or stored by an earlier door.
    pub(super) request: Option<AuthorizationRequest>,
    pub(super) session: Option<Session>,
    pub(super) interaction: Option<Interaction>,
    pub(super) decision: Option<Decision>,
}

impl<'a> Flow<'a> {
    /// A request coming in by `door` with `params`.
    pub(super) fn new(op: &'a Provider, door: Door, params: Params) -> Self {
        Self {
            op,
            door,
            params,
            client: None,
            redirect_uri: None,
            target: None,
            response_type: None,
            nonce: None,
            resources: Vec::new(),
            authorization_details: Vec::new(),
            scopes: Vec::new(),
            code_challenge: None,
            prompt: Vec::new(),
            max_age: None,
            claims: None,
            id_token_hint_sub: None,
            request: None,
            session: None,
            interaction: None,
            decision: None,
        }
    }

    #[cfg(any(feature = "device-flow", feature = "par", feature = "ciba"))]
    /// With the client already known (a door that authenticated it).
    pub(super) fn with_client(mut self, client: Arc<Client>) -> Self {
        self.client = Some(client);
        self
    }

    /// With a request validated earlier (stored in an interaction, or made from a record).
    pub(super) fn with_request(mut self, request: AuthorizationRequest) -> Self {
        self.request = Some(request);
        self
    }

    /// With the browser's session.
    pub(super) fn with_session(mut self, session: Option<Session>) -> Self {
        self.session = session;
        self
    }

    /// Resuming this interaction.
    pub(super) fn with_interaction(mut self, interaction: Interaction) -> Self {
        self.interaction = Some(interaction);
        self
    }

    /// Runs the door's steps in order; the first failure ends the run.
    pub(super) async fn run(mut self) -> Result<Self, AuthorizationError> {
        for step in self.door.steps() {
            self.step(step).await?;
        }
        Ok(self)
    }

    async fn step(&mut self, step: Step) -> Result<(), AuthorizationError> {
        match step {
            Step::Client => steps::client(self).await,
            Step::RequestObject => steps::request_object(self).await,
            Step::RedirectUri => steps::redirect_uri(self),
            Step::ResponseTarget => steps::response_target(self),
            Step::RequirePushed => steps::require_pushed(self),
            Step::RejectRepeated => steps::reject_repeated(self),
            Step::ResponseType => steps::response_type(self),
            Step::ResponseMode => steps::response_mode(self),
            Step::Nonce => steps::nonce(self),
            Step::Resources => steps::resources(self),
            Step::AuthorizationDetails => steps::authorization_details(self),
            Step::Scope => steps::scope(self),
            Step::OpenIdRedirectUri => steps::openid_redirect_uri(self),
            Step::Pkce => steps::pkce(self),
            Step::Prompt => steps::prompt(self),
            Step::MaxAge => steps::max_age(self),
            Step::Claims => steps::claims(self),
            Step::IdTokenHint => steps::id_token_hint(self),
            Step::Fapi => steps::fapi(self),
            Step::Settle => steps::settle(self),
            Step::PushedRequest => steps::pushed_request(self).await,
            Step::StoredClient => steps::stored_client(self).await,
            Step::Policy => self.policy().await,
        }
    }

    async fn policy(&mut self) -> Result<(), AuthorizationError> {
        let (Some(client), Some(request)) = (self.client.clone(), self.request.take()) else {
            return Err(AuthorizationError::server_error("the policy ran on a request that was not validated"));
        };
        let pushed = request.pushed.clone();
        let decision = decide(self.op, &client, request, self.session.take(), self.interaction.take()).await;
        // RFC 9126 §4: a pushed request is used up once its authorization completes, either way.
        #[cfg(feature = "par")]
        if let Some(id) = pushed
            && !matches!(decision, Ok(Decision::Interact(_)))
        {
            super::pushed::use_up(self.op, &id).await;
        }
        #[cfg(not(feature = "par"))]
        let _ = pushed;
        self.decision = Some(decision?);
        Ok(())
    }

    /// An error, delivered as this request's errors are at this point: where its outcome goes
    /// once that is settled, to the client's redirect URI once that is trusted, on a page before.
    pub(super) fn fail(&self, code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
        match (&self.request, &self.target) {
            (Some(request), _) => request.error(code, description),
            (None, Some(target)) => target.error(code, description),
            (None, None) => AuthorizationError::Page { code, description: description.into() },
        }
    }

    #[cfg(feature = "par")]
    /// The request the steps settled.
    pub(super) fn into_request(self) -> Result<AuthorizationRequest, AuthorizationError> {
        self.request.ok_or_else(|| AuthorizationError::server_error("the door's steps settled no request"))
    }

    /// The decision the policy took.
    pub(super) fn decision(self) -> Result<Decision, AuthorizationError> {
        self.decision.ok_or_else(|| AuthorizationError::server_error("the door's steps took no decision"))
    }

    #[cfg(any(feature = "device-flow", feature = "ciba"))]
    /// The scopes the steps kept, and the resource indicators they accepted.
    pub(super) fn into_scopes_and_resources(self) -> (Vec<String>, Vec<String>) {
        (self.scopes, self.resources)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_runs_for_some_door_and_in_one_order() {
        for (step, doors) in TABLE {
            assert!(!doors.is_empty(), "{step:?} runs for no door");
        }
        let authorize: Vec<Step> = Authorize.steps().collect();
        assert_eq!(authorize.first(), Some(&Step::Client));
        assert_eq!(authorize.last(), Some(&Step::Policy));
        // The redirect URI is trusted before anything can be redirected.
        let at = |s: Step| authorize.iter().position(|x| *x == s).unwrap();
        assert!(at(Step::RedirectUri) < at(Step::ResponseTarget) && at(Step::ResponseTarget) < at(Step::ResponseType));
    }

    #[test]
    fn the_device_doors_share_the_scope_and_policy_steps() {
        let device: Vec<Step> = DeviceAuthorization.steps().collect();
        assert_eq!(device, [Step::Resources, Step::Scope]);
        let confirmation: Vec<Step> = DeviceConfirmation.steps().collect();
        assert_eq!(confirmation, [Step::StoredClient, Step::Policy]);
        assert_eq!(Resume.steps().collect::<Vec<_>>(), confirmation);
    }
}
