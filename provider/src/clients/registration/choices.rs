//! OpenID Connect RP Metadata Choices 1.0: a registration may list every value the RP supports
//! where the metadata has a single value (`id_token_signing_alg_values_supported` beside
//! `id_token_signed_response_alg`), and the provider chooses.
//!
//! The provider chooses from what its discovery document publishes under the same name (the
//! draft names each list after the provider metadata it matches): the RP's own single value
//! when it is offered and supported, else the first offered value it supports. The lists are
//! input only (§2): what is stored and answered is the chosen single value. The draft defines
//! no provider metadata of its own, so discovery announces nothing beyond those lists.

use super::validate::metadata_error;
use crate::Provider;
use crate::protocol::OAuthResult;
use serde_json::{Map, Value};

/// Each multi-valued member (§2) and the single-valued member it chooses.
const CHOICES: [(&str, &str); 19] = [
    ("subject_types_supported", "subject_type"),
    ("id_token_signing_alg_values_supported", "id_token_signed_response_alg"),
    ("id_token_encryption_alg_values_supported", "id_token_encrypted_response_alg"),
    ("id_token_encryption_enc_values_supported", "id_token_encrypted_response_enc"),
    ("userinfo_signing_alg_values_supported", "userinfo_signed_response_alg"),
    ("userinfo_encryption_alg_values_supported", "userinfo_encrypted_response_alg"),
    ("userinfo_encryption_enc_values_supported", "userinfo_encrypted_response_enc"),
    ("request_object_signing_alg_values_supported", "request_object_signing_alg"),
    ("request_object_encryption_alg_values_supported", "request_object_encryption_alg"),
    ("request_object_encryption_enc_values_supported", "request_object_encryption_enc"),
    ("token_endpoint_auth_methods_supported", "token_endpoint_auth_method"),
    ("token_endpoint_auth_signing_alg_values_supported", "token_endpoint_auth_signing_alg"),
    ("backchannel_authentication_request_signing_alg_values_supported", "backchannel_authentication_request_signing_alg"),
    ("authorization_signing_alg_values_supported", "authorization_signed_response_alg"),
    ("authorization_encryption_alg_values_supported", "authorization_encrypted_response_alg"),
    ("authorization_encryption_enc_values_supported", "authorization_encrypted_response_enc"),
    ("introspection_signing_alg_values_supported", "introspection_signed_response_alg"),
    ("introspection_encryption_alg_values_supported", "introspection_encrypted_response_alg"),
    ("introspection_encryption_enc_values_supported", "introspection_encrypted_response_enc"),
];

/// Replaces each list the registration offers with the provider's choice from it.
pub(super) fn resolve(op: &Provider, metadata: &mut Map<String, Value>) -> OAuthResult<()> {
    if !CHOICES.iter().any(|(list, _)| metadata.contains_key(*list)) {
        return Ok(());
    }
    let discovery: Value = serde_json::from_str(op.discovery_json()).unwrap_or_default();
    for (list, single) in CHOICES {
        let Some(offered) = metadata.remove(list) else { continue };
        let chosen = choose(list, single, &offered, metadata.get(single), &discovery[list])?;
        metadata.insert(single.into(), chosen.into());
    }
    Ok(())
}

/// The value chosen from `offered` for `single`, whose registered value (if any) is `preferred`.
fn choose(list: &str, single: &str, offered: &Value, preferred: Option<&Value>, supported: &Value) -> OAuthResult<String> {
    let offered: Vec<&str> = offered
        .as_array()
        .and_then(|values| values.iter().map(Value::as_str).collect::<Option<_>>())
        .filter(|values: &Vec<&str>| !values.is_empty())
        .ok_or_else(|| metadata_error(list, "must be a non-empty array of strings"))?;
    let supported: Vec<&str> = supported.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let preferred = match preferred {
        None => None,
        // §2: "If a [single-valued] metadata parameter is also present, its value MUST be in the list."
        Some(Value::String(value)) if offered.contains(&value.as_str()) => Some(value.as_str()),
        Some(_) => return Err(metadata_error(single, &format!("must be one of the values of {list}"))),
    };
    // §4: an unsupported single value is no error while the list holds a supported one.
    preferred
        .filter(|value| supported.contains(value))
        .or_else(|| offered.iter().copied().find(|value| supported.contains(value)))
        .map(str::to_string)
        .ok_or_else(|| metadata_error(list, "the provider supports none of these values"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chosen(offered: Value, preferred: Option<Value>, supported: Value) -> Result<String, String> {
        choose("x_values_supported", "x", &offered, preferred.as_ref(), &supported).map_err(|e| e.description)
    }

    #[test]
    fn the_first_offered_value_the_provider_supports_is_chosen() {
        assert_eq!(chosen(json!(["HS512", "ES256", "RS256"]), None, json!(["RS256", "ES256"])).unwrap(), "ES256");
    }

    #[test]
    fn the_rps_own_single_value_wins_when_it_is_supported() {
        let offered = json!(["ES256", "PS256", "RS256"]);
        assert_eq!(chosen(offered.clone(), Some(json!("RS256")), json!(["RS256", "ES256"])).unwrap(), "RS256");
        // The draft's own example: RS256 preferred but unsupported, so another offered value.
        assert_eq!(chosen(offered, Some(json!("RS256")), json!(["PS256", "ES256"])).unwrap(), "ES256");
    }

    #[test]
    fn a_single_value_outside_the_list_is_refused_and_named() {
        let error = chosen(json!(["ES256"]), Some(json!("RS256")), json!(["RS256", "ES256"])).unwrap_err();
        assert!(error.starts_with("x: must be one of the values of x_values_supported"), "{error}");
    }

    #[test]
    fn nothing_supported_or_a_malformed_list_is_refused_and_named() {
        let error = chosen(json!(["HS512"]), None, json!(["RS256"])).unwrap_err();
        assert!(error.starts_with("x_values_supported: the provider supports none"), "{error}");
        let error = chosen(json!(["ES256"]), None, Value::Null).unwrap_err();
        assert!(error.contains("supports none"), "a list the provider does not publish supports nothing: {error}");
        for malformed in [json!("ES256"), json!([]), json!(["ES256", 1])] {
            let error = chosen(malformed.clone(), None, json!(["ES256"])).unwrap_err();
            assert!(error.contains("non-empty array of strings"), "{malformed}: {error}");
        }
    }
}
