//! OAuth 2.0 / OpenID Connect errors: the spec's codes, a description, and how a 401 challenges.
//!
//! Every endpoint turns bad input into one of these; none of them ever carries a stack trace.
//! The web layer (`endpoints::respond`) decides the HTTP status and writes the body.

use super::token_type::TokenType;
use serde::Serialize;

/// The error codes of RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1 and OIDC Core §3.1.2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is missing, repeats or misuses a parameter (RFC 6749 §4.1.2.1, §5.2).
    InvalidRequest,
    /// Client authentication failed (RFC 6749 §5.2).
    InvalidClient,
    /// The grant (code, refresh token) is invalid, expired, revoked or another client's (RFC 6749 §5.2).
    InvalidGrant,
    /// The client may not use this grant or response type (RFC 6749 §5.2).
    UnauthorizedClient,
    /// The grant type is not supported (RFC 6749 §5.2).
    UnsupportedGrantType,
    /// The response type is not supported (RFC 6749 §4.1.2.1).
    UnsupportedResponseType,
    /// The scope is invalid or exceeds what was granted (RFC 6749 §5.2).
    InvalidScope,
    /// The end-user or the server denied the request (RFC 6749 §4.1.2.1).
    AccessDenied,
    /// An unexpected condition; details are logged, never sent (RFC 6749 §4.1.2.1).
    ServerError,
    /// The server is overloaded or in maintenance (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable,
    /// The access token is invalid, expired or revoked (RFC 6750 §3.1).
    InvalidToken,
    /// The access token lacks the needed scope (RFC 6750 §3.1).
    InsufficientScope,
    /// `prompt=none` but the end-user must log in (OIDC Core §3.1.2.6).
    LoginRequired,
    /// `prompt=none` but the end-user must consent (OIDC Core §3.1.2.6).
    ConsentRequired,
    /// `prompt=none` but some other interaction is needed (OIDC Core §3.1.2.6).
    InteractionRequired,
    /// `prompt=none` but the end-user must pick an account (OIDC Core §3.1.2.6).
    AccountSelectionRequired,
    /// The `request_uri` is invalid or unreachable (OIDC Core §3.1.2.6).
    InvalidRequestUri,
    /// The request object is invalid (OIDC Core §3.1.2.6).
    InvalidRequestObject,
    /// The `request` parameter is not supported (OIDC Core §3.1.2.6).
    RequestNotSupported,
    /// The `request_uri` parameter is not supported (OIDC Core §3.1.2.6).
    RequestUriNotSupported,
    /// The `registration` parameter is not supported (OIDC Core §3.1.2.6).
    RegistrationNotSupported,
    /// The resource is unknown or not granted (RFC 8707 §2).
    InvalidTarget,
    /// The device code has not been approved yet (RFC 8628 §3.5).
    AuthorizationPending,
    /// The device polls too fast (RFC 8628 §3.5).
    SlowDown,
    /// The device code has expired (RFC 8628 §3.5).
    ExpiredToken,
    /// A registered redirect URI is invalid (RFC 7591 §3.2.2).
    InvalidRedirectUri,
    /// A client metadata field is invalid (RFC 7591 §3.2.2).
    InvalidClientMetadata,
    /// The software statement is not a valid one (RFC 7591 §3.2.2).
    InvalidSoftwareStatement,
    /// The software statement is valid but not from an issuer this server trusts (RFC 7591
    /// §3.2.2).
    UnapprovedSoftwareStatement,
    /// The DPoP proof is missing, malformed or fails a check (RFC 9449 §5, §7.1).
    InvalidDpopProof,
    /// The DPoP proof must carry the server's current nonce (RFC 9449 §8, §9).
    UseDpopNonce,
    /// `authorization_details` is malformed, of an unknown type, or not granted (RFC 9396 §5,
    /// §6.2).
    InvalidAuthorizationDetails,
    /// The Client Attestation or its PoP is missing, malformed or fails a check
    /// (draft-ietf-oauth-attestation-based-client-auth-06 §6.2).
    InvalidClientAttestation,
    /// The Client Attestation PoP must carry the server's current challenge (§6.2, §8).
    UseAttestationChallenge,
    /// The hint names no user the provider knows (CIBA Core §13).
    UnknownUserId,
    /// The `login_hint_token` has expired (CIBA Core §13).
    ExpiredLoginHintToken,
    /// A `user_code` is required of this client but missing (CIBA Core §13).
    MissingUserCode,
    /// The `user_code` is wrong (CIBA Core §13).
    InvalidUserCode,
    /// The `binding_message` is invalid or unacceptable (CIBA Core §13).
    InvalidBindingMessage,
    /// The authentication could not be carried out (CIBA Core §12, push error).
    TransactionFailed,
}

impl ErrorCode {
    /// The code as it appears in the `error` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::InvalidTarget => "invalid_target",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidSoftwareStatement => "invalid_software_statement",
            Self::UnapprovedSoftwareStatement => "unapproved_software_statement",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InvalidAuthorizationDetails => "invalid_authorization_details",
            Self::InvalidClientAttestation => "invalid_client_attestation",
            Self::UseAttestationChallenge => "use_attestation_challenge",
            Self::UnknownUserId => "unknown_user_id",
            Self::ExpiredLoginHintToken => "expired_login_hint_token",
            Self::MissingUserCode => "missing_user_code",
            Self::InvalidUserCode => "invalid_user_code",
            Self::InvalidBindingMessage => "invalid_binding_message",
            Self::TransactionFailed => "transaction_failed",
        }
    }
}

/// An `error_description` in the characters RFC 6749 §5.2 allows (%x20-21 / %x23-5B / %x5D-7E):
/// others, which may come from echoed input, become `?`.
pub fn description_chars(text: &str) -> String {
    text.chars().map(|c| if matches!(c, ' '..='~') && c != '"' && c != '\\' { c } else { '?' }).collect()
}

/// How a 401 challenges the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// No `WWW-Authenticate` header.
    None,
    /// `WWW-Authenticate: Basic` for client authentication (RFC 6749 §5.2).
    Basic,
    /// `WWW-Authenticate: Bearer` for protected resources (RFC 6750 §3).
    Bearer,
    /// `WWW-Authenticate: DPoP` for protected resources (RFC 9449 §7.1), with the algorithms
    /// accepted for proofs.
    DPoP(&'static str),
}

/// An OAuth error answered as JSON (token, userinfo and other back-channel endpoints).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct OAuthError {
    /// The `error` code.
    pub code: ErrorCode,
    /// The `error_description`: human-readable, never containing secrets.
    pub description: String,
    /// The authentication challenge for a 401.
    pub challenge: Challenge,
}

impl OAuthError {
    /// An error with a description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        let challenge = match code {
            ErrorCode::InvalidClient => Challenge::Basic,
            ErrorCode::InvalidToken | ErrorCode::InsufficientScope => Challenge::Bearer,
            _ => Challenge::None,
        };
        Self { code, description: description.into(), challenge }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client` (401, `WWW-Authenticate: Basic`).
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// `server_error`: the detail goes to the log, never to the caller.
    pub fn server_error(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "server error");
        Self::new(ErrorCode::ServerError, "the server could not complete the request")
    }

    /// The `WWW-Authenticate` value of a 401 or 403 (RFC 6749 §5.2, RFC 6750 §3).
    pub fn challenge_header(&self) -> Option<String> {
        match self.challenge {
            Challenge::None => None,
            Challenge::Basic => Some("Basic realm=\"token\"".to_string()),
            // RFC 6750 §3: a request without any token gets a bare challenge.
            Challenge::Bearer if self.description.is_empty() => Some(TokenType::Bearer.as_str().to_string()),
            Challenge::Bearer => Some(format!(
                "{} error=\"{}\", error_description=\"{}\"",
                TokenType::Bearer.as_str(),
                self.code.as_str(),
                description_chars(&self.description)
            )),
            Challenge::DPoP(algs) if self.description.is_empty() => {
                Some(format!("{} algs=\"{algs}\"", TokenType::DPoP.as_str()))
            }
            Challenge::DPoP(algs) => Some(format!(
                "{} algs=\"{algs}\", error=\"{}\", error_description=\"{}\"",
                TokenType::DPoP.as_str(),
                self.code.as_str(),
                description_chars(&self.description)
            )),
        }
    }

    /// The same error, challenging with DPoP, as a resource answers a DPoP-bound token's
    /// problems (RFC 9449 §7.1).
    pub fn with_dpop_challenge(mut self, algs: &'static str) -> Self {
        self.challenge = Challenge::DPoP(algs);
        self
    }
}

/// The result type of JSON endpoints.
pub type OAuthResult<T> = Result<T, OAuthError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_client_challenges_with_basic() {
        let err = OAuthError::invalid_client("unknown client");
        assert_eq!(err.challenge_header().as_deref(), Some("Basic realm=\"token\""));
    }

    #[test]
    fn bearer_challenge_escapes_quotes() {
        let err = OAuthError::new(ErrorCode::InvalidToken, "bad \"token\"");
        assert_eq!(
            err.challenge_header().unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"bad ?token?\""
        );
    }

    #[test]
    fn descriptions_keep_to_the_rfc6749_charset() {
        assert_eq!(
            description_chars("unsupported response_type \"x\\y\" § é\n"),
            "unsupported response_type ?x?y? ? ??"
        );
        assert_eq!(description_chars("plain text (RFC 6749) ok!"), "plain text (RFC 6749) ok!");
    }
}
