//! Mutual-TLS client authentication (RFC 8705 §2): `tls_client_auth`, where a CA vouches for the
//! certificate and the client registered one of its names, and `self_signed_tls_client_auth`,
//! where the client registered the certificate itself in its JWK set.

use super::{AuthMethod, Client, keys};
use crate::Provider;
use crate::protocol::OAuthError;
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid_registry, oid2abbrev};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

/// Whether a registered `token_endpoint_auth_method` is one of RFC 8705's.
pub(super) fn is_mtls_method(method: &str) -> bool {
    matches!(method, "tls_client_auth" | "self_signed_tls_client_auth")
}

/// Authenticates `client`, registered for an mTLS method, by the certificate of the connection
/// (the TLS handshake proved possession of its key). Every failure is `invalid_client`.
pub(super) async fn authenticate(op: &Provider, client: &Client, certificate: Option<&[u8]>) -> Result<AuthMethod, OAuthError> {
    if !op.config().mtls.enabled {
        return Err(OAuthError::invalid_client("mutual-TLS client authentication is not enabled"));
    }
    let der = certificate.ok_or_else(|| OAuthError::invalid_client("no client certificate was presented"))?;
    let (_, parsed) = X509Certificate::from_der(der)
        .map_err(|_| OAuthError::invalid_client("the client certificate cannot be parsed"))?;
    if !parsed.validity().is_valid() {
        return Err(OAuthError::invalid_client("the client certificate has expired or is not valid yet"));
    }
    if client.token_endpoint_auth_method == "self_signed_tls_client_auth" {
        // RFC 8705 §2.2.2: the certificate matches one registered in the client's JWK set.
        let registered = keys::has_certificate(op, client, der).await.map_err(OAuthError::invalid_client)?;
        return match registered {
            true => Ok(AuthMethod::SelfSignedTlsClientAuth),
            false => Err(OAuthError::invalid_client("the client certificate is not one the client registered")),
        };
    }
    match matches_registered_name(client, &parsed) {
        true => Ok(AuthMethod::TlsClientAuth),
        false => Err(OAuthError::invalid_client("the client certificate does not carry the registered name")),
    }
}

/// RFC 8705 §2.1.2: the certificate holds the one name the client registered: its subject DN, or
/// a SAN entry of the registered type.
fn matches_registered_name(client: &Client, certificate: &X509Certificate<'_>) -> bool {
    if let Some(dn) = &client.tls_client_auth_subject_dn {
        return parse_dn(dn).is_some_and(|registered| subject_matches(&registered, certificate.subject()));
    }
    let names: Vec<&GeneralName<'_>> = match certificate.subject_alternative_name() {
        Ok(Some(san)) => san.value.general_names.iter().collect(),
        _ => return false,
    };
    let any = |wanted: &dyn Fn(&GeneralName<'_>) -> bool| names.iter().any(|name| wanted(name));
    if let Some(dns) = &client.tls_client_auth_san_dns {
        return any(&|n| matches!(n, GeneralName::DNSName(v) if v.eq_ignore_ascii_case(dns)));
    }
    if let Some(uri) = &client.tls_client_auth_san_uri {
        return any(&|n| matches!(n, GeneralName::URI(v) if v == uri));
    }
    if let Some(email) = &client.tls_client_auth_san_email {
        return any(&|n| matches!(n, GeneralName::RFC822Name(v) if v.eq_ignore_ascii_case(email)));
    }
    if let Some(ip) = client.tls_client_auth_san_ip.as_deref().and_then(|ip| ip.parse::<std::net::IpAddr>().ok()) {
        let octets = match ip {
            std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
            std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        return any(&|n| matches!(n, GeneralName::IPAddress(v) if *v == octets.as_slice()));
    }
    false
}

/// A DN as RDNs, each a list of (attribute type, value), both normalised: the type upper-cased,
/// the value trimmed, its inner spaces collapsed and lower-cased (RFC 4517 `caseIgnoreMatch`).
type Dn = Vec<Vec<(String, String)>>;

/// The certificate's subject equals the registered DN, written in RFC 4514 order (the last RDN
/// first) or in the certificate's own order, as many tools print it.
fn subject_matches(registered: &Dn, subject: &X509Name<'_>) -> bool {
    let Some(mut actual) = subject_dn(subject) else { return false };
    if *registered == actual {
        return true;
    }
    actual.reverse();
    *registered == actual
}

/// The subject's RDNs, in the certificate's order; `None` if a value is not a string.
fn subject_dn(subject: &X509Name<'_>) -> Option<Dn> {
    let mut dn = Vec::new();
    for rdn in subject.iter() {
        let mut attributes = Vec::new();
        for attribute in rdn.iter() {
            let oid = attribute.attr_type();
            let name = oid2abbrev(oid, oid_registry()).map(str::to_string).unwrap_or_else(|_| oid.to_id_string());
            attributes.push(normalise(&name, attribute.as_str().ok()?));
        }
        attributes.sort();
        dn.push(attributes);
    }
    Some(dn)
}

/// Parses an RFC 4514 string: RDNs separated by `,`, multi-valued ones joined by `+`, values
/// escaped with `\` (a special character, or two hex digits of a UTF-8 byte). `None` if it
/// is malformed.
fn parse_dn(text: &str) -> Option<Dn> {
    let mut dn = Vec::new();
    let mut rdn = Vec::new();
    let (mut name, mut value) = (String::new(), Vec::<u8>::new());
    let mut in_value = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_value => {
                let first = chars.next()?;
                match (first.to_digit(16), chars.peek().and_then(|c| c.to_digit(16))) {
                    (Some(high), Some(low)) => {
                        chars.next();
                        value.push((high * 16 + low) as u8);
                    }
                    _ => value.extend(first.to_string().as_bytes()),
                }
            }
            '=' if !in_value => in_value = true,
            ',' | '+' if in_value => {
                rdn.push(normalise(&name, &String::from_utf8(std::mem::take(&mut value)).ok()?));
                name.clear();
                in_value = false;
                if c == ',' {
                    rdn.sort();
                    dn.push(std::mem::take(&mut rdn));
                }
            }
            ',' | '+' => return None,
            _ if in_value => value.extend(c.to_string().as_bytes()),
            _ => name.push(c),
        }
    }
    if !in_value {
        return None;
    }
    rdn.push(normalise(&name, &String::from_utf8(value).ok()?));
    rdn.sort();
    dn.push(rdn);
    Some(dn)
}

/// One attribute, normalised for comparison; the e-mail attribute has several names in use.
fn normalise(name: &str, value: &str) -> (String, String) {
    let name = match name.trim().to_ascii_uppercase().as_str() {
        "E" | "EMAILADDRESS" | "1.2.840.113549.1.9.1" => "EMAIL".to_string(),
        other => other.to_string(),
    };
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    (name, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.into(), value.into())
    }

    #[test]
    fn rfc_4514_strings_are_parsed_with_escapes_and_multi_valued_rdns() {
        assert_eq!(
            parse_dn("CN=Steve Kille,O=Isode Limited,C=GB"),
            Some(vec![vec![pair("CN", "steve kille")], vec![pair("O", "isode limited")], vec![pair("C", "gb")]])
        );
        // RFC 4514 §4 examples: a multi-valued RDN, an escaped comma, a hex-escaped UTF-8 character.
        assert_eq!(
            parse_dn("OU=Sales+CN=J.  Smith,DC=example"),
            Some(vec![vec![pair("CN", "j. smith"), pair("OU", "sales")], vec![pair("DC", "example")]])
        );
        assert_eq!(parse_dn("CN=L. Eagle\\, Jr.,O=X"), Some(vec![vec![pair("CN", "l. eagle, jr.")], vec![pair("O", "x")]]));
        assert_eq!(parse_dn("CN=Lu\\C4\\8Di\\C4\\87"), Some(vec![vec![pair("CN", "lučić")]]));
        assert_eq!(parse_dn("emailAddress=a@rp.example"), Some(vec![vec![pair("EMAIL", "a@rp.example")]]));
        for malformed in ["", "CN", "CN=a,,O=b", "CN=a,O", "CN=\\", "CN=\\FF"] {
            assert_eq!(parse_dn(malformed), None, "{malformed:?}");
        }
    }

    #[test]
    fn the_fixture_client_certificate_matches_its_subject_in_either_order() {
        let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/tls/client.pem")).unwrap();
        let der = crate::sender::forwarded_certificate(pem.split_inclusive("-----END CERTIFICATE-----").next().unwrap())
            .unwrap();
        let (_, certificate) = X509Certificate::from_der(&der).unwrap();
        let registered = |dn: &str| parse_dn(dn).unwrap();
        assert!(subject_matches(&registered("CN=rp-mtls"), certificate.subject()));
        assert!(subject_matches(&registered("cn=RP-mtls"), certificate.subject()), "caseIgnoreMatch");
        assert!(!subject_matches(&registered("CN=rp-mtls,O=x"), certificate.subject()));
        assert!(!subject_matches(&registered("CN=rp"), certificate.subject()));
    }
}
