//! The token endpoint's grants: a closed set, parsed into an enum so dispatch is exhaustive.

mod authorization_code;
#[cfg(feature = "ciba")]
mod ciba;
mod client_credentials;
mod credential;
#[cfg(feature = "device-flow")]
mod device_code;
#[cfg(any(feature = "device-flow", feature = "ciba"))]
mod polling;
mod refresh_token;

use crate::Provider;
use crate::clients::ClientRequest;
use crate::protocol::Params;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, grant_type};
use crate::sender;
use crate::tokens::TokenResponse;

/// What a token request asks its access token to be for.
#[derive(Debug, Default)]
pub(crate) struct Asked {
    /// Resource indicators (RFC 8707 §2.2).
    pub resource: Vec<String>,
    /// `authorization_details`, checked (RFC 9396 §6); `None` without the parameter.
    pub details: Option<Vec<serde_json::Value>>,
}

impl Asked {
    /// The claims the access token carries: `claims` with the details asked for, if any, each
    /// one granted (RFC 9396 §6.1); `None` when they are the grant's own.
    pub(crate) fn narrow(&mut self, claims: &crate::model::TokenClaims) -> OAuthResult<Option<crate::model::TokenClaims>> {
        self.details.take().map(|details| claims.with_details(details)).transpose()
    }
}

/// A parsed token request (RFC 6749 §4.1.3, §6).
#[derive(Debug)]
pub(crate) enum GrantRequest {
    /// `authorization_code`.
    AuthorizationCode {
        /// The code.
        code: String,
        /// The redirect URI the code was sent to.
        redirect_uri: Option<String>,
        /// The PKCE verifier.
        code_verifier: Option<String>,
        /// Resource indicators (RFC 8707).
        resource: Vec<String>,
    },
    /// `refresh_token`.
    RefreshToken {
        /// The refresh token.
        refresh_token: String,
        /// A narrower scope, if asked.
        scope: Option<String>,
        /// Resource indicators (RFC 8707).
        resource: Vec<String>,
    },
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4).
    #[cfg(feature = "device-flow")]
    DeviceCode {
        /// The device code.
        device_code: String,
    },
    /// `urn:openid:params:grant-type:ciba` (CIBA Core §10.1).
    #[cfg(feature = "ciba")]
    Ciba {
        /// The `auth_req_id`.
        auth_req_id: String,
    },
    /// `client_credentials`.
    ClientCredentials {
        /// The scope asked for.
        scope: Option<String>,
        /// Resource indicators (RFC 8707).
        resource: Vec<String>,
    },
}

impl GrantRequest {
    /// Parses the form; an unknown `grant_type` is `unsupported_grant_type`.
    pub(crate) fn parse(params: &Params) -> OAuthResult<Self> {
        let owned = |name: &str| params.get(name).map(String::from);
        match params.require("grant_type")? {
            grant_type::AUTHORIZATION_CODE => Ok(Self::AuthorizationCode {
                code: params.require("code")?.to_string(),
                redirect_uri: owned("redirect_uri"),
                code_verifier: owned("code_verifier"),
                resource: params.get_all("resource"),
            }),
            grant_type::REFRESH_TOKEN => Ok(Self::RefreshToken {
                refresh_token: params.require("refresh_token")?.to_string(),
                scope: owned("scope"),
                resource: params.get_all("resource"),
            }),
            #[cfg(feature = "device-flow")]
            grant_type::DEVICE_CODE => Ok(Self::DeviceCode { device_code: params.require("device_code")?.to_string() }),
            #[cfg(feature = "ciba")]
            grant_type::CIBA => Ok(Self::Ciba { auth_req_id: params.require("auth_req_id")?.to_string() }),
            grant_type::CLIENT_CREDENTIALS => {
                Ok(Self::ClientCredentials { scope: owned("scope"), resource: params.get_all("resource") })
            }
            other => Err(OAuthError::new(ErrorCode::UnsupportedGrantType, format!("unsupported grant_type {other}"))),
        }
    }

    /// The `grant_type` name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => grant_type::AUTHORIZATION_CODE,
            Self::RefreshToken { .. } => grant_type::REFRESH_TOKEN,
            Self::ClientCredentials { .. } => grant_type::CLIENT_CREDENTIALS,
            #[cfg(feature = "device-flow")]
            Self::DeviceCode { .. } => grant_type::DEVICE_CODE,
            #[cfg(feature = "ciba")]
            Self::Ciba { .. } => grant_type::CIBA,
        }
    }
}

/// Runs a token request from an authenticated client.
pub(crate) async fn exchange(op: &Provider, request: ClientRequest) -> OAuthResult<TokenResponse> {
    let grant = GrantRequest::parse(&request.params)?;
    if !request.client.allows_grant(grant.name()) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!("the client is not registered for {}", grant.name()),
        ));
    }
    // How the access token will be bound to this client: one check for every grant.
    let certificate_bound = request.client.tls_client_certificate_bound_access_tokens;
    #[cfg_attr(not(feature = "attestation"), allow(unused_mut))]
    let mut binding = sender::bind(op, &request.context, certificate_bound).await?;
    crate::fapi::check_binding(op.config().fapi.profile, binding.cnf.is_some())?;
    // Attestation-based client auth §10.2: refresh tokens are bound to the client instance.
    #[cfg(feature = "attestation")]
    if request.method == crate::clients::AuthMethod::AttestJwtClientAuth {
        binding.instance = crate::clients::attestation::instance_key(&request.context);
    }
    let binding = &binding;
    let client = &request.client;
    // RFC 9396 §6: details asked for at the token endpoint, checked once for every grant.
    #[cfg(feature = "rar")]
    let details = crate::rar::requested(op, client, &request.params)?;
    #[cfg(not(feature = "rar"))]
    let details = None;
    let grant_type = grant.name();
    let issued = match grant {
        GrantRequest::AuthorizationCode { code, redirect_uri, code_verifier, resource } => {
            let (redirect_uri, verifier) = (redirect_uri.as_deref(), code_verifier.as_deref());
            let asked = Asked { resource, details };
            authorization_code::exchange(op, client, &code, redirect_uri, verifier, asked, binding).await
        }
        GrantRequest::RefreshToken { refresh_token, scope, resource } => {
            let asked = Asked { resource, details };
            refresh_token::exchange(op, client, &refresh_token, scope.as_deref(), asked, binding).await
        }
        #[cfg(feature = "device-flow")]
        GrantRequest::DeviceCode { device_code } => device_code::exchange(op, client, &device_code, binding).await,
        #[cfg(feature = "ciba")]
        GrantRequest::Ciba { auth_req_id } => ciba::exchange(op, client, &auth_req_id, binding).await,
        GrantRequest::ClientCredentials { scope, resource } => {
            let asked = Asked { resource, details };
            client_credentials::exchange(op, client, request.method, scope.as_deref(), asked, binding).await
        }
    };
    if let Ok(response) = &issued {
        op.metrics().token_issued(grant_type, &response.access_token);
    }
    issued
}
