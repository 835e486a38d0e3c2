//! The shared vocabulary of OAuth 2.0 and OpenID Connect: error codes, request parameters,
//! response types and modes, grant type names, the claims request and the validated
//! authorization request.
//!
//! Every other module may import this one; it imports none of them, so it knows nothing of
//! HTTP, storage or the provider.

mod claims;
mod errors;
pub mod grant_type;
mod params;
mod request;
mod response;
mod response_type;
mod token_type;
pub mod typ;

pub use claims::{ClaimSpec, ClaimsRequest};
pub use errors::{Challenge, ErrorCode, OAuthError, OAuthResult, description_chars};
pub use params::Params;
pub use request::{AuthorizationRequest, Completion, PromptValue};
pub use response::{AuthorizationError, AuthorizationResponse, ResponseMode, ResponseTarget};
pub use response_type::ResponseType;
pub use token_type::TokenType;
