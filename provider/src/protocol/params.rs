//! `application/x-www-form-urlencoded` parameters, as OAuth reads them.
//!
//! RFC 6749 §3.1 / §3.2: "Request and response parameters MUST NOT be included more than once."
//! Repetition is recorded rather than rejected here, because the authorization endpoint must first
//! know the client and its redirect URI to decide whether the error is redirected or shown.

use super::errors::OAuthError;

/// Parsed form or query parameters. Empty values count as absent (RFC 6749 §3.1).
///
/// An OAuth request has a handful of parameters, so they are kept in order in a vector and
/// found by a scan: cheaper than hashing each name, on every request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: Vec<(String, String)>,
    repeated: Vec<String>,
    /// Every value of the parameters that may repeat.
    multi: Vec<(String, Vec<String>)>,
}

/// Parameters that may be given more than once: `resource` (RFC 8707 §2).
const MULTI_VALUED: [&str; 1] = ["resource"];

impl Params {
    /// Parses a urlencoded string.
    pub fn parse(input: &str) -> Self {
        let mut params = Self::default();
        for (key, value) in url::form_urlencoded::parse(input.as_bytes()) {
            if value.is_empty() {
                continue;
            }
            let multi_valued = MULTI_VALUED.contains(&key.as_ref());
            if multi_valued {
                match params.multi.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, values)) => values.push(value.to_string()),
                    None => params.multi.push((key.to_string(), vec![value.to_string()])),
                }
            }
            if params.position(&key).is_none() {
                params.values.push((key.into_owned(), value.into_owned()));
            } else if !multi_valued && !params.is_repeated(&key) {
                params.repeated.push(key.into_owned());
            }
        }
        params
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.values.iter().position(|(k, _)| k == name)
    }

    /// The value of a parameter given once (the first value if it was repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).map(|at| self.values[at].1.as_str())
    }

    /// Every value of a parameter that may repeat (`resource`).
    pub fn get_all(&self, name: &str) -> Vec<String> {
        self.multi.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Whether `name` was given more than once.
    pub fn is_repeated(&self, name: &str) -> bool {
        self.repeated.iter().any(|k| k == name)
    }

    /// Fails with `invalid_request` if any parameter was repeated.
    pub fn reject_repeated(&self) -> Result<(), OAuthError> {
        match self.repeated.first() {
            Some(name) => Err(OAuthError::invalid_request(format!("parameter {name} is repeated"))),
            None => Ok(()),
        }
    }

    /// A required parameter, or `invalid_request` naming it.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }

    /// A copy with `overrides` replacing (or adding) values; an overridden parameter no longer
    /// counts as repeated, since the override is the one value used.
    pub fn with_overrides(&self, overrides: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut merged = self.clone();
        for (name, value) in overrides {
            merged.repeated.retain(|r| *r != name);
            let at = merged.position(&name);
            match (at, value.is_empty()) {
                (Some(at), true) => {
                    merged.values.remove(at);
                }
                (Some(at), false) => merged.values[at].1 = value,
                (None, false) => merged.values.push((name, value)),
                (None, true) => {}
            }
        }
        merged
    }

    /// A copy with only the parameters named in `kept`.
    pub fn only(&self, kept: &[&str]) -> Self {
        let keeps = |name: &String| kept.contains(&name.as_str());
        Self {
            values: self.values.iter().filter(|(k, _)| keeps(k)).cloned().collect(),
            repeated: self.repeated.iter().filter(|k| keeps(k)).cloned().collect(),
            multi: self.multi.iter().filter(|(k, _)| keeps(k)).cloned().collect(),
        }
    }

    /// Removes and returns a parameter (used when a value is consumed by client authentication).
    pub fn take(&mut self, name: &str) -> Option<String> {
        let at = self.position(name)?;
        Some(self.values.remove(at).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever names and values a client sends, urlencoded, parse into what it sent: the
        /// first non-empty value of each name, in order, and a repeated name is recorded
        /// (RFC 6749 §3.1: empty values count as absent; `resource` may repeat, RFC 8707 §2).
        #[test]
        fn a_urlencoded_form_parses_back_into_its_parameters(
            pairs in proptest::collection::vec(("(resource|[a-z_]{1,6}|\\PC{0,8})", "\\PC{0,12}"), 0..12)
        ) {
            let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
            let params = Params::parse(&encoded);
            let mut first: Vec<(&str, &str)> = Vec::new();
            let mut repeated: Vec<&str> = Vec::new();
            for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
                if !first.iter().any(|(n, _)| n == name) {
                    first.push((name, value));
                } else if name != "resource" && !repeated.contains(&name.as_str()) {
                    repeated.push(name);
                }
            }
            for (name, value) in &first {
                prop_assert_eq!(params.get(name), Some(*value));
            }
            for (name, _) in pairs.iter().filter(|(n, _)| !first.iter().any(|(f, _)| f == n)) {
                prop_assert_eq!(params.get(name), None, "{} has only empty values", name);
            }
            prop_assert_eq!(params.reject_repeated().is_ok(), repeated.is_empty());
            let resources: Vec<String> =
                pairs.iter().filter(|(n, v)| n == "resource" && !v.is_empty()).map(|(_, v)| v.clone()).collect();
            prop_assert_eq!(params.get_all("resource"), resources);
        }

        /// Any bytes at all parse without a panic.
        #[test]
        fn any_input_parses(input in "\\PC{0,64}") {
            let _ = Params::parse(&input);
        }
    }

    #[test]
    fn repeated_parameters_are_recorded() {
        let params = Params::parse("a=1&b=2&a=3");
        assert_eq!(params.get("a"), Some("1"));
        assert!(params.is_repeated("a"));
        assert!(!params.is_repeated("b"));
        assert!(params.reject_repeated().is_err());
    }

    #[test]
    fn resource_may_repeat() {
        let params = Params::parse("resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example");
        assert!(params.reject_repeated().is_ok());
        assert_eq!(params.get_all("resource"), ["https://a.example", "https://b.example"]);
    }

    #[test]
    fn empty_values_are_absent() {
        let params = Params::parse("state=&scope=openid");
        assert_eq!(params.get("state"), None);
        assert!(params.require("state").is_err());
        assert_eq!(params.require("scope").unwrap(), "openid");
    }

    #[test]
    fn percent_and_plus_decoding() {
        let params = Params::parse("redirect_uri=https%3A%2F%2Frp.example%2Fcb&scope=openid+email");
        assert_eq!(params.get("redirect_uri"), Some("https://rp.example/cb"));
        assert_eq!(params.get("scope"), Some("openid email"));
    }
}
