//! The built-in server-rendered pages. They work without JavaScript and keep stable form field
//! names (`login`, `password`, `decision`), which the conformance suite's browser automation uses.

use crate::clients::Client;
use crate::model::Interaction;

/// What the pages show of a client (OIDC Registration §2): its name, and its logo, privacy
/// policy and terms of service where they are https URLs.
pub(crate) struct ClientDisplay {
    name: String,
    logo_uri: Option<String>,
    policy_uri: Option<String>,
    tos_uri: Option<String>,
}

impl ClientDisplay {
    /// What `client` registered.
    pub(crate) fn of(client: &Client) -> Self {
        let https = |member: &str| {
            let value = client.extra.get(member).and_then(|v| v.as_str())?;
            url::Url::parse(value).ok().filter(|u| u.scheme() == "https").map(|_| value.to_string())
        };
        Self {
            name: client.display_name().to_string(),
            logo_uri: https("logo_uri"),
            policy_uri: https("policy_uri"),
            tos_uri: https("tos_uri"),
        }
    }

    /// A client known only by its id.
    pub(crate) fn unknown(client_id: &str) -> Self {
        Self { name: client_id.to_string(), logo_uri: None, policy_uri: None, tos_uri: None }
    }

    /// The client's logo, if any, above its name.
    fn header(&self) -> String {
        match &self.logo_uri {
            Some(logo) => format!(
                "<p><img class=\"client-logo\" src=\"{}\" alt=\"{} logo\" height=\"64\"></p>",
                escape(logo),
                escape(&self.name)
            ),
            None => String::new(),
        }
    }

    /// Links to the client's privacy policy and terms of service, if it registered them.
    fn links(&self) -> String {
        let link = |uri: &Option<String>, class: &str, text: &str| {
            uri.as_ref().map(|u| format!("<a class=\"{class}\" href=\"{}\">{text}</a> ", escape(u))).unwrap_or_default()
        };
        let links = link(&self.policy_uri, "client-policy", "Privacy policy") + &link(&self.tos_uri, "client-tos", "Terms of service");
        if links.is_empty() { links } else { format!("<p>{}</p>", links.trim_end()) }
    }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}\
label,input,button{display:block;width:100%;margin:.4rem 0;font-size:1rem}input{padding:.5rem;box-sizing:border-box}\
button{padding:.6rem;cursor:pointer}.error{color:#b00020}.row{display:flex;gap:.5rem}ul{padding-left:1.2rem}";

pub(crate) fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head>\
         <body><main>{body}</main></body></html>",
        title = escape(title)
    )
}

/// The login page. Password managers may fill it (NIST SP 800-63B-4 §3.1.1.2: verifiers allow
/// password managers and autofill): the fields say what they hold, autocomplete stays on.
pub(crate) fn login(interaction: &Interaction, client: &ClientDisplay, base: &str, error: Option<&str>) -> String {
    let uid = escape(&interaction.uid);
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let hint = escape(interaction.request.login_hint.as_deref().unwrap_or_default());
    layout(
        "Sign in",
        &format!(
            "{header}<h1>Sign in</h1><p>to continue to <strong>{client}</strong></p>{links}{error}\
             <form method=\"post\" action=\"{base}/interaction/{uid}/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label for=\"login\">Username</label>\
             <input id=\"login\" name=\"login\" value=\"{hint}\" autocomplete=\"username\" required autofocus>\
             <label for=\"password\">Password</label>\
             <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\" class=\"login-submit\">Sign in</button></form>\
             <p><a href=\"{base}/interaction/{uid}/abort\">Cancel</a></p>",
            client = escape(&client.name),
            header = client.header(),
            links = client.links(),
            csrf = escape(&interaction.csrf),
        ),
    )
}

/// RFC 9396 §3: what each `authorization_details` object asks for, by type, with its other
/// members as they came (their meaning is the type's, not the provider's).
fn authorization_details(details: &[serde_json::Value]) -> String {
    if details.is_empty() {
        return String::new();
    }
    let items: String = details
        .iter()
        .map(|detail| {
            let kind = detail["type"].as_str().unwrap_or_default();
            let mut rest = detail.clone();
            if let Some(members) = rest.as_object_mut() {
                members.remove("type");
            }
            let shown = serde_json::to_string_pretty(&rest).unwrap_or_default();
            format!("<li class=\"authorization-detail\"><strong>{}</strong><pre>{}</pre></li>", escape(kind), escape(&shown))
        })
        .collect();
    format!("<p>and these authorizations:</p><ul>{items}</ul>")
}

/// The consent page: what is asked, and allow / deny.
pub(crate) fn consent(interaction: &Interaction, client: &ClientDisplay, base: &str) -> String {
    let uid = escape(&interaction.uid);
    let claims = interaction.request.claims.iter().flat_map(|c| c.end_user_claims());
    let scopes: String = interaction
        .request
        .scopes
        .iter()
        .cloned()
        .chain(claims.map(|c| format!("claim: {c}")))
        .map(|s| format!("<li>{}</li>", escape(&s)))
        .collect();
    let device = if interaction.request.is_device() {
        "<p>Check that your device shows the code you typed before you allow it.</p>"
    } else {
        ""
    };
    let details = authorization_details(&interaction.request.authorization_details);
    layout(
        "Authorize",
        &format!(
            "{header}<h1>Authorize {client}</h1>{device}{links}<p><strong>{client}</strong> asks for:</p><ul>{scopes}</ul>{details}\
             <form method=\"post\" action=\"{base}/interaction/{uid}/consent\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"row\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\" class=\"consent-allow\">Allow</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"consent-deny\">Deny</button></div></form>",
            client = escape(&client.name),
            header = client.header(),
            links = client.links(),
            csrf = escape(&interaction.csrf),
        ),
    )
}

#[cfg(feature = "device-flow")]
/// The device verification page (RFC 8628 §3.3): type the code the device shows.
pub(crate) fn device_entry(base: &str, prefilled: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    layout(
        "Connect a device",
        &format!(
            "<h1>Connect a device</h1><p>Enter the code shown on your device.</p>{error}\
             <form method=\"post\" action=\"{base}/device\"><label for=\"user_code\">Code</label>\
             <input id=\"user_code\" name=\"user_code\" value=\"{code}\" autocomplete=\"off\" required autofocus>\
             <button type=\"submit\">Continue</button></form>",
            code = escape(prefilled)
        ),
    )
}

/// The end of a device authorization.
pub(crate) fn device_done(approved: bool) -> String {
    let (title, text) = if approved {
        ("Device connected", "You can return to your device: it is signing in now.")
    } else {
        ("Device not connected", "The device was not given access. You can close this page.")
    };
    layout(title, &format!("<h1 id=\"device-result\">{title}</h1><p>{text}</p>"))
}

/// The logout confirmation (RP-Initiated Logout 1.0 §2): stable selectors for automation,
/// `button.logout-confirm` (focused) and `button.logout-cancel`.
#[cfg(feature = "logout")]
pub(crate) fn logout_confirm(request: &crate::logout::LogoutRequest, client: Option<&str>, base: &str) -> String {
    let from = client.map(|name| format!("<p>{} asks you to sign out.</p>", escape(name))).unwrap_or_default();
    layout(
        "Sign out",
        &format!(
            "<h1>Sign out?</h1>{from}<p>You will be signed out of this provider and the applications you used through it.</p>\
             <form method=\"post\" action=\"{base}/session/end/confirm\">\
             <input type=\"hidden\" name=\"logout_request\" value=\"{id}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"row\">\
             <button type=\"submit\" name=\"logout\" value=\"yes\" class=\"logout-confirm\" autofocus>Sign out</button>\
             <button type=\"submit\" name=\"logout\" value=\"no\" class=\"logout-cancel\">Stay signed in</button></div></form>",
            id = escape(&request.id),
            csrf = escape(&request.csrf),
        ),
    )
}

/// The end of a logout that returns to no client: signed out, or still signed in.
#[cfg(feature = "logout")]
pub(crate) fn signed_out(done: bool) -> String {
    let (title, text) = if done {
        ("Signed out", "You have been signed out. You can close this page.")
    } else {
        ("Still signed in", "You are still signed in.")
    };
    layout(title, &format!("<h1 id=\"logout-result\">{title}</h1><p>{text}</p>"))
}

/// Front-Channel Logout 1.0 §2: one iframe per client, then on to `next` (the client's
/// post-logout URI) or the signed-out text; without script, a link continues.
#[cfg(feature = "logout")]
pub(crate) fn frontchannel_logout(urls: &[String], next: Option<&str>) -> String {
    let frames: String = urls
        .iter()
        .map(|url| format!("<iframe class=\"frontchannel-logout\" src=\"{}\" hidden></iframe>", escape(url)))
        .collect();
    let (script, text) = match next {
        Some(next) => (
            format!("<script>window.addEventListener('load',function(){{location.replace({})}})</script>", js_string(next)),
            format!("<p><a id=\"continue\" href=\"{}\">Continue</a></p>", escape(next)),
        ),
        None => (String::new(), "<p>You have been signed out. You can close this page.</p>".to_string()),
    };
    layout("Signed out", &format!("<h1 id=\"logout-result\">Signed out</h1>{text}{frames}{script}"))
}

/// A JavaScript string literal of `text`, safe inside a `<script>` element.
#[cfg(feature = "logout")]
fn js_string(text: &str) -> String {
    // JSON is a JavaScript string literal; `<`, `>` and `&` escaped keep `</script>` out.
    serde_json::to_string(text).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The error page for requests that cannot be answered at a trusted redirect URI.
pub(crate) fn error(code: &str, description: &str) -> String {
    layout(
        "Error",
        &format!(
            "<h1>Something went wrong</h1><p>The request could not be completed.</p>\
             <p>error: <code id=\"error\">{}</code></p><p>error_description: <span id=\"error_description\">{}</span></p>",
            escape(code),
            escape(description)
        ),
    )
}

/// The Form Post Response Mode page: an auto-submitting form that also works with JavaScript off.
pub(crate) fn form_post(action: &str, params: &[(String, String)]) -> String {
    let inputs: String = params
        .iter()
        .map(|(k, v)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(k), escape(v)))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Submit this form</title></head>\
         <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}\
         <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
        escape(action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[cfg(feature = "logout")]
    #[test]
    fn the_frontchannel_page_cannot_be_broken_out_of() {
        let html = frontchannel_logout(&["https://rp.example/fc?a=\"><script>".into()], Some("https://rp.example/</script><script>x"));
        assert!(!html.contains("\"><script>"), "{html}");
        assert_eq!(html.matches("</script>").count(), 1, "only the page's own script ends: {html}");
    }

    #[test]
    fn form_post_escapes_values() {
        let html = form_post("https://rp.example/cb", &[("state".into(), "\"><script>".into())]);
        assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;\""));
        assert!(!html.contains("\"><script>"));
    }
}
