//! The `[test_resource]` section: a protected resource to test clients and bindings against.

use serde::{Deserialize, Serialize};

/// Whether `/resource` is served.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TestResourceConfig {
    /// Serve `/resource` (GET and POST): a protected resource for test set-ups, such as the FAPI conformance plans'
    /// `resourceUrl`. It checks the access token exactly as userinfo does, every binding included, and answers with
    /// what the token says (`sub` as the client knows it, `client_id`, `scope`, `resources`, `exp`, `cnf`), echoing
    /// `x-fapi-interaction-id` or making one (a UUID).
    pub enabled: bool,
}
