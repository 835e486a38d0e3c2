//! Rich authorization requests (RFC 9396): `authorization_details`, a JSON array of objects each
//! with a `type`, asked for at the authorization, PAR and token endpoints. Each type is declared
//! in `[rar]` and checked by its JSON Schema, or by a [`DetailsValidator`] the host registers.
//! What the user approved travels with the authorization's claims into the code, the tokens, the
//! token response and introspection.

use crate::clients::Client;
use crate::config::RarConfig;
use crate::protocol::{ErrorCode, OAuthError, Params};
use serde_json::Value;
use std::sync::Arc;

/// Checks the objects of one `authorization_details` type: the host's own rules, where a JSON
/// Schema does not say enough.
pub trait DetailsValidator: Send + Sync {
    /// `Ok` if `detail` (an object whose `type` is this validator's) may be asked for; otherwise
    /// why not, as the `error_description` the client sees.
    fn validate(&self, detail: &Value) -> Result<(), String>;
}

/// A JSON Schema, compiled once.
struct Schema(jsonschema::Validator);

impl DetailsValidator for Schema {
    fn validate(&self, detail: &Value) -> Result<(), String> {
        self.0.validate(detail).map_err(|e| format!("{e} at {}", e.instance_path()))
    }
}

/// The types this provider offers, each with its validator.
#[derive(Clone, Default)]
pub(crate) struct DetailsTypes {
    types: Vec<(String, Arc<dyn DetailsValidator>)>,
}

impl std::fmt::Debug for DetailsTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl DetailsTypes {
    /// The configured types: each with its schema (read and compiled here), or with the host's
    /// validator of that name. A type with neither is a start-up error, and so is a host
    /// validator for a type the configuration does not declare.
    pub(crate) fn build(
        config: &RarConfig,
        mut host: Vec<(String, Arc<dyn DetailsValidator>)>,
    ) -> Result<Self, String> {
        let mut types = Vec::new();
        for declared in &config.types {
            let from_host = host.iter().position(|(name, _)| *name == declared.name).map(|at| host.remove(at).1);
            let validator = match (&declared.schema, from_host) {
                (_, Some(validator)) => validator,
                (Some(path), None) => {
                    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let schema: Value =
                        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
                    let compiled = jsonschema::validator_for(&schema)
                        .map_err(|e| format!("{}: not a JSON Schema: {e}", path.display()))?;
                    Arc::new(Schema(compiled)) as Arc<dyn DetailsValidator>
                }
                (None, None) => {
                    return Err(format!(
                        "rar.types: {:?} has no schema, and the host registered no validator for it",
                        declared.name
                    ));
                }
            };
            types.push((declared.name.clone(), validator));
        }
        if let Some((name, _)) = host.first() {
            return Err(format!("a validator is registered for {name:?}, which [rar] types does not declare"));
        }
        Ok(Self { types })
    }

    /// The type names, as `authorization_details_types_supported` lists them (RFC 9396 §10.1).
    pub(crate) fn names(&self) -> Vec<&str> {
        self.types.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Parses and checks `authorization_details` from `client` (RFC 9396 §2, §5): a JSON array of
    /// objects, each of a type offered here (and registered by the client, if it registered
    /// `authorization_details_types`, §10.2) that its validator accepts.
    pub(crate) fn check(&self, client: &Client, text: &str) -> Result<Vec<Value>, OAuthError> {
        let invalid = |why: String| OAuthError::new(ErrorCode::InvalidAuthorizationDetails, why);
        let details: Vec<Value> = match serde_json::from_str(text) {
            Ok(Value::Array(details)) if !details.is_empty() => details,
            _ => return Err(invalid("authorization_details must be a non-empty JSON array".into())),
        };
        let registered: Option<Vec<&str>> = client
            .extra
            .get("authorization_details_types")
            .and_then(Value::as_array)
            .map(|types| types.iter().filter_map(Value::as_str).collect());
        for (index, detail) in details.iter().enumerate() {
            let Some(kind) = detail.get("type").and_then(Value::as_str) else {
                return Err(invalid(format!("authorization_details[{index}] is not an object with a type")));
            };
            let Some((_, validator)) = self.types.iter().find(|(name, _)| name == kind) else {
                return Err(invalid(format!("authorization_details[{index}]: type {kind:?} is not supported")));
            };
            if registered.as_ref().is_some_and(|types| !types.contains(&kind)) {
                return Err(invalid(format!("the client is not registered for type {kind:?}")));
            }
            validator.validate(detail).map_err(|why| invalid(format!("authorization_details[{index}]: {why}")))?;
        }
        Ok(details)
    }
}

/// The `authorization_details` a request asks for, checked; `None` without the parameter, and
/// always `None` where `[rar]` is off (the parameter is then an unknown one, ignored).
pub(crate) fn requested(
    op: &crate::Provider,
    client: &Client,
    params: &Params,
) -> Result<Option<Vec<Value>>, OAuthError> {
    match params.get("authorization_details") {
        Some(text) if op.config().rar.enabled => op.details_types().check(client, text).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DetailsType;
    use serde_json::json;

    struct OnlyEur;

    impl DetailsValidator for OnlyEur {
        fn validate(&self, detail: &Value) -> Result<(), String> {
            match detail["currency"] == "EUR" {
                true => Ok(()),
                false => Err("only EUR".into()),
            }
        }
    }

    fn client(types: Option<&[&str]>) -> Client {
        let mut metadata = json!({"client_id": "c", "redirect_uris": ["https://rp.example/cb"]});
        if let Some(types) = types {
            metadata["authorization_details_types"] = json!(types);
        }
        serde_json::from_value(metadata).unwrap()
    }

    fn types(schema: &Value) -> DetailsTypes {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payment.json");
        std::fs::write(&path, schema.to_string()).unwrap();
        let config = RarConfig {
            enabled: true,
            types: vec![
                DetailsType { name: "payment_initiation".into(), schema: Some(path) },
                DetailsType { name: "fx".into(), schema: None },
            ],
        };
        DetailsTypes::build(&config, vec![("fx".into(), Arc::new(OnlyEur) as Arc<dyn DetailsValidator>)]).unwrap()
    }

    fn payment_schema() -> Value {
        json!({"type": "object", "required": ["type", "instructedAmount"],
            "properties": {"instructedAmount": {"type": "object", "required": ["amount"]}}})
    }

    #[test]
    fn each_object_is_checked_by_its_types_schema_or_host_validator() {
        let types = types(&payment_schema());
        assert_eq!(types.names(), ["payment_initiation", "fx"]);
        let ok = json!([{"type": "payment_initiation", "instructedAmount": {"amount": "12.00"}}, {"type": "fx", "currency": "EUR"}]);
        assert_eq!(types.check(&client(None), &ok.to_string()).unwrap().len(), 2);
        let code = |text: &str| types.check(&client(None), text).unwrap_err().code;
        for bad in [
            json!([{"type": "payment_initiation"}]).to_string(),
            json!([{"type": "fx", "currency": "USD"}]).to_string(),
            json!([{"type": "unknown"}]).to_string(),
            json!([{"no": "type"}]).to_string(),
            json!([]).to_string(),
            json!({"type": "fx"}).to_string(),
            "not json".into(),
        ] {
            assert_eq!(code(&bad), ErrorCode::InvalidAuthorizationDetails, "{bad}");
        }
        // RFC 9396 §10.2: a client registered for some types asks only for those.
        let fx_only = client(Some(&["fx"]));
        assert!(types.check(&fx_only, &json!([{"type": "fx", "currency": "EUR"}]).to_string()).is_ok());
        assert!(types.check(&fx_only, &ok.to_string()).is_err());
    }

    #[test]
    fn a_type_needs_a_schema_or_a_host_validator_and_a_host_validator_a_declared_type() {
        let config = RarConfig { enabled: true, types: vec![DetailsType { name: "fx".into(), schema: None }] };
        assert!(DetailsTypes::build(&config, vec![]).unwrap_err().contains("\"fx\""));
        let stray = vec![("other".to_string(), Arc::new(OnlyEur) as Arc<dyn DetailsValidator>)];
        assert!(DetailsTypes::build(&RarConfig::default(), stray).unwrap_err().contains("\"other\""));
    }
}
