//! The `[test_resource]` section: a protected resource to test clients and bindings against.

use serde::{Deserialize, Serialize};

/// Whether `/resource` is served.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TestResourceConfig {
    /// Serve `/resource`, which answers with what the presented access token says (after every
    /// check userinfo makes) and echoes `x-fapi-interaction-id`. For test set-ups (the FAPI
    /// conformance plans' `resourceUrl`); off by default.
    pub enabled: bool,
}
