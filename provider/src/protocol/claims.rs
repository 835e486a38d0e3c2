//! The `claims` request parameter (OIDC Core §5.5): individual claims asked for the ID token and
//! for userinfo, each voluntary or essential, optionally with the value(s) wanted.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How one claim is requested; `null` in the request means "voluntary, any value".
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClaimSpec {
    /// Whether the RP needs it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub essential: bool,
    /// The one value wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Acceptable values, in order of preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

/// Requested claims per destination.
pub(super) type ClaimSet = BTreeMap<String, Option<ClaimSpec>>;

/// A parsed `claims` parameter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClaimsRequest {
    /// Claims for the UserInfo response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<ClaimSet>,
    /// Claims for the ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<ClaimSet>,
}

impl ClaimsRequest {
    /// Parses the JSON value of the parameter.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("claims is not a valid claims request: {e}"))
    }

    /// The claim names asked for the ID token.
    pub fn id_token_names(&self) -> impl Iterator<Item = &str> {
        self.id_token.iter().flat_map(|set| set.keys().map(String::as_str))
    }

    /// The claim names asked for userinfo.
    pub fn userinfo_names(&self) -> impl Iterator<Item = &str> {
        self.userinfo.iter().flat_map(|set| set.keys().map(String::as_str))
    }

    /// Every end-user claim asked for, for consent (protocol claims like `acr` need none).
    pub fn end_user_claims(&self) -> BTreeSet<String> {
        const PROTOCOL: [&str; 4] = ["sub", "acr", "auth_time", "amr"];
        self.id_token_names().chain(self.userinfo_names()).filter(|n| !PROTOCOL.contains(n)).map(String::from).collect()
    }

    /// Whether `sub` is a value the RP asked for the ID token's `sub`, if it asked for one
    /// (OIDC Core §3.1.2.2): equal to its `value` and among its `values`, where given.
    pub fn allows_sub(&self, sub: &str) -> bool {
        let Some(Some(spec)) = self.id_token.as_ref().and_then(|set| set.get("sub")) else { return true };
        spec.value.as_ref().is_none_or(|v| *v == *sub)
            && spec.values.as_ref().is_none_or(|vs| vs.iter().any(|v| *v == *sub))
    }

    /// The `acr` values the RP requires, if it asked for `acr` as essential (§5.5.1.1).
    pub fn essential_acrs(&self) -> Option<Vec<String>> {
        let spec = self.id_token.as_ref()?.get("acr")?.as_ref().filter(|s| s.essential)?;
        let values: Vec<String> = spec
            .value
            .iter()
            .chain(spec.values.iter().flatten())
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_core_5_5_example() {
        let request = ClaimsRequest::parse(
            r#"{"userinfo": {"given_name": {"essential": true}, "nickname": null, "email": {"essential": true}},
                "id_token": {"auth_time": {"essential": true}, "acr": {"values": ["urn:mace:incommon:iap:silver"]}}}"#,
        )
        .unwrap();
        assert_eq!(request.userinfo_names().collect::<Vec<_>>(), ["email", "given_name", "nickname"]);
        assert_eq!(request.end_user_claims().into_iter().collect::<Vec<_>>(), ["email", "given_name", "nickname"]);
        assert_eq!(request.essential_acrs(), None, "acr was voluntary");
    }

    #[test]
    fn essential_acr_values() {
        let request =
            ClaimsRequest::parse(r#"{"id_token": {"acr": {"essential": true, "values": ["a", "b"]}}}"#).unwrap();
        assert_eq!(request.essential_acrs(), Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn a_sub_value_names_the_user() {
        let allows = |json: &str, sub: &str| ClaimsRequest::parse(json).unwrap().allows_sub(sub);
        assert!(allows(r#"{"id_token": {"sub": {"value": "alice"}}}"#, "alice"));
        assert!(!allows(r#"{"id_token": {"sub": {"value": "alice"}}}"#, "bob"));
        assert!(allows(r#"{"id_token": {"sub": {"values": ["bob", "alice"]}}}"#, "alice"));
        assert!(!allows(r#"{"id_token": {"sub": {"values": ["bob"]}, "email": null}}"#, "alice"));
        assert!(!allows(r#"{"id_token": {"sub": {"value": "alice", "values": ["bob"]}}}"#, "alice"), "both apply");
        // No value asked: anyone; and userinfo's sub says what to return, not who the request is for.
        assert!(allows(r#"{"id_token": {"sub": {"essential": true}}}"#, "alice"));
        assert!(allows(r#"{"id_token": {"sub": null}}"#, "alice"));
        assert!(allows(r#"{"userinfo": {"sub": {"value": "bob"}}}"#, "alice"));
    }

    #[test]
    fn malformed_requests_are_refused() {
        assert!(ClaimsRequest::parse("not json").is_err());
        assert!(ClaimsRequest::parse(r#"{"userinfo": {"email": "yes"}}"#).is_err());
        assert!(ClaimsRequest::parse(r#"{"userinfo": ["email"]}"#).is_err());
    }
}
