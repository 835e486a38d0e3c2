//! The `[rar]` section: rich authorization requests (RFC 9396).

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Whether `authorization_details` is accepted, and its types.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RarConfig {
    /// Accept `authorization_details` at `/authorize`, `/par` and the token endpoint, and publish
    /// `authorization_details_types_supported`. Off, the parameter is ignored like any unknown one.
    pub enabled: bool,
    /// The types offered, each `{ type = "NAME", schema = "FILE" }`: every object of that type must match the JSON
    /// Schema in the file (draft 2020-12 unless the schema names another; `$ref`s to other files or URLs are not
    /// fetched). Without `schema`, the host registers a validator for the type
    /// (`ProviderBuilder::authorization_details_type`, implementing `provider::rar::DetailsValidator`); a type with
    /// neither stops the start.
    pub types: Vec<DetailsType>,
}

/// One `authorization_details` type (RFC 9396 §2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsType {
    /// The `type` value.
    #[serde(rename = "type")]
    pub name: String,
    /// A JSON Schema file (draft 2020-12 unless it says otherwise) each object of this type must match; absent, the
    /// host registers a validator for the type.
    #[serde(default)]
    pub schema: Option<PathBuf>,
}

impl RarConfig {
    /// Unique, non-empty type names; schema files that exist.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        for (index, kind) in self.types.iter().enumerate() {
            if kind.name.is_empty() {
                errors.push(ConfigError::new("rar.types", format!("types[{index}]: type must not be empty")));
            }
            if self.types[..index].iter().any(|earlier| earlier.name == kind.name) {
                errors.push(ConfigError::new("rar.types", format!("type {:?} is declared twice", kind.name)));
            }
            if let Some(path) = kind.schema.as_ref().filter(|p| !p.is_file()) {
                errors.push(ConfigError::new("rar.types", format!("{}: not a readable file", path.display())));
            }
        }
    }
}
