//! The built-in server-rendered pages. They work without JavaScript and keep stable form field
//! names (`login`, `password`, `decision`), which the conformance suite's browser automation uses.
//! They speak the request's language and wear the operator's theme ([`Look`], `crate::i18n`),
//! and are made to be usable by everyone: a `lang`, a label for every field, focus on the first
//! field, the DOM in reading order, and colours that meet WCAG 2.2 AA contrast (checked in a
//! real browser by `ci/pages.sh`).

use crate::clients::Client;
pub(crate) use crate::i18n::{Look, escape};
use crate::model::Interaction;

/// What the pages show of a client (OIDC Registration §2): its name (in the page's language
/// where it registered one, §2.1), and its logo, privacy policy and terms of service where they
/// are https URLs.
pub(crate) struct ClientDisplay {
    name: String,
    logo_uri: Option<String>,
    policy_uri: Option<String>,
    tos_uri: Option<String>,
}

impl ClientDisplay {
    /// What `client` registered, for a page in `lang`.
    pub(crate) fn of(client: &Client, lang: &str) -> Self {
        // OIDC Registration §2.1: `client_name#de` is the German name, and so on.
        let localized = |member: &str| {
            let tagged = format!("{member}#{lang}");
            client.extra.iter().find(|(k, _)| k.eq_ignore_ascii_case(&tagged)).and_then(|(_, v)| v.as_str().map(String::from))
        };
        let https = |member: &str| {
            let value = localized(member).or_else(|| client.extra.get(member).and_then(|v| v.as_str()).map(String::from))?;
            url::Url::parse(&value).ok().filter(|u| u.scheme() == "https").map(|_| value)
        };
        Self {
            name: localized("client_name").unwrap_or_else(|| client.display_name().to_string()),
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
    fn header(&self, look: &Look) -> String {
        match &self.logo_uri {
            Some(logo) => format!(
                "<p><img class=\"client-logo\" src=\"{}\" alt=\"{}\" height=\"64\"></p>",
                escape(logo),
                look.fill("client.logo_alt", &[("client", &self.name)])
            ),
            None => String::new(),
        }
    }

    /// Links to the client's privacy policy and terms of service, if it registered them.
    fn links(&self, look: &Look) -> String {
        let link = |uri: &Option<String>, class: &str, key: &str| {
            uri.as_ref().map(|u| format!("<a class=\"{class}\" href=\"{}\">{}</a> ", escape(u), look.text(key))).unwrap_or_default()
        };
        let links = link(&self.policy_uri, "client-policy", "client.policy") + &link(&self.tos_uri, "client-tos", "client.tos");
        if links.is_empty() { links } else { format!("<p>{}</p>", links.trim_end()) }
    }
}

/// The built-in style: readable, and every colour pair at least 4.5:1 (WCAG 2.2 AA, 1.4.3);
/// focus always visible (2.4.7). The operator's stylesheet comes after it.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1f1f1f;\
background:#fff;line-height:1.5}label,input,button{display:block;width:100%;margin:.4rem 0;font-size:1rem}\
input{padding:.5rem;box-sizing:border-box;border:1px solid #5f6368;border-radius:4px}\
button{padding:.6rem;cursor:pointer;border-radius:4px;border:1px solid #1a56c4;background:#1a56c4;color:#fff}\
button[value=deny],button[value=no],.secondary{background:#fff;color:#1a56c4}a{color:#1a56c4}\
:focus-visible{outline:3px solid #b3261e;outline-offset:2px}.error{color:#b3261e}.row{display:flex;gap:.5rem}\
ul{padding-left:1.2rem}code{background:#f1f3f4;padding:0 .2rem}.site-logo{max-height:48px}\
header{margin-bottom:1.5rem}";

/// A whole page: its language, title, the operator's logo and style, and `body` in `<main>`.
pub(crate) fn layout(look: &Look, title: &str, body: &str) -> String {
    let theme = look.theme();
    let site = theme.name.as_deref().map(escape);
    let full_title = match &site {
        Some(site) => format!("{title} – {site}"),
        None => title.to_string(),
    };
    let logo = theme.logo_url.as_deref().map(|logo| {
        let alt = site.clone().unwrap_or_else(|| look.text("page.provider"));
        format!("<header><img class=\"site-logo\" src=\"{}\" alt=\"{alt}\"></header>", escape(logo))
    });
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width,initial-scale=1\"><title>{full_title}</title><style>{STYLE}{css}</style></head>\
         <body>{logo}<main>{body}</main></body></html>",
        lang = escape(look.lang()),
        css = theme.css,
        logo = logo.unwrap_or_default(),
    )
}

/// The login page. Password managers may fill it (NIST SP 800-63B-4 §3.1.1.2: verifiers allow
/// password managers and autofill): the fields say what they hold, autocomplete stays on.
/// `error` is already text of the page's language (escaped).
pub(crate) fn login(look: &Look, interaction: &Interaction, client: &ClientDisplay, base: &str, error: Option<&str>) -> String {
    let uid = escape(&interaction.uid);
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{e}</p>")).unwrap_or_default();
    let hint = escape(interaction.request.login_hint.as_deref().unwrap_or_default());
    let title = look.text("sign_in.title");
    layout(
        look,
        &title,
        &format!(
            "{header}<h1>{title}</h1><p>{to_continue}</p>{links}{error}\
             <form method=\"post\" action=\"{base}/interaction/{uid}/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label for=\"login\">{username}</label>\
             <input id=\"login\" name=\"login\" value=\"{hint}\" autocomplete=\"username\" required autofocus>\
             <label for=\"password\">{password}</label>\
             <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\" class=\"login-submit\">{submit}</button></form>\
             <p><a class=\"login-cancel\" href=\"{base}/interaction/{uid}/abort\">{cancel}</a></p>",
            to_continue = look.fill("sign_in.to_continue", &[("client", &client.name)]).replacen(
                &escape(&client.name),
                &format!("<strong>{}</strong>", escape(&client.name)),
                1
            ),
            header = client.header(look),
            links = client.links(look),
            csrf = escape(&interaction.csrf),
            username = look.text("sign_in.username"),
            password = look.text("sign_in.password"),
            submit = look.text("sign_in.submit"),
            cancel = look.text("sign_in.cancel"),
        ),
    )
}

/// RFC 9396 §3: what each `authorization_details` object asks for, by type, with its other
/// members as they came (their meaning is the type's, not the provider's).
fn authorization_details(look: &Look, details: &[serde_json::Value]) -> String {
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
    format!("<p>{}</p><ul>{items}</ul>", look.text("consent.details"))
}

/// The consent page: what is asked, in words where the scope is a standard one, and allow / deny.
pub(crate) fn consent(look: &Look, interaction: &Interaction, client: &ClientDisplay, base: &str) -> String {
    let uid = escape(&interaction.uid);
    let scopes = interaction.request.scopes.iter().map(|scope| match look.maybe(&format!("scope.{scope}")) {
        Some(words) => format!("<li>{words} <code>{}</code></li>", escape(scope)),
        None => format!("<li><code>{}</code></li>", escape(scope)),
    });
    let claims = interaction.request.claims.iter().flat_map(|c| c.end_user_claims());
    let claims = claims.map(|claim| format!("<li>{}</li>", look.fill("consent.claim", &[("claim", &claim)])));
    let asked: String = scopes.chain(claims).collect();
    let device = if interaction.request.is_device() { format!("<p>{}</p>", look.text("consent.device")) } else { String::new() };
    let details = authorization_details(look, &interaction.request.authorization_details);
    let strong = |text: String| text.replacen(&escape(&client.name), &format!("<strong>{}</strong>", escape(&client.name)), 1);
    layout(
        look,
        &look.text("consent.title"),
        &format!(
            "{header}<h1>{heading}</h1>{device}{links}<p>{asks_for}</p><ul>{asked}</ul>{details}\
             <form method=\"post\" action=\"{base}/interaction/{uid}/consent\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"row\">\
             <button type=\"submit\" name=\"decision\" value=\"allow\" class=\"consent-allow\">{allow}</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\" class=\"consent-deny\">{deny}</button></div></form>",
            heading = look.fill("consent.heading", &[("client", &client.name)]),
            asks_for = strong(look.fill("consent.asks_for", &[("client", &client.name)])),
            header = client.header(look),
            links = client.links(look),
            csrf = escape(&interaction.csrf),
            allow = look.text("consent.allow"),
            deny = look.text("consent.deny"),
        ),
    )
}

#[cfg(feature = "device-flow")]
/// The device verification page (RFC 8628 §3.3): type the code the device shows. `error` is
/// already text of the page's language (escaped).
pub(crate) fn device_entry(look: &Look, base: &str, prefilled: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{e}</p>")).unwrap_or_default();
    let title = look.text("device.title");
    layout(
        look,
        &title,
        &format!(
            "<h1>{title}</h1><p>{enter}</p>{error}\
             <form method=\"post\" action=\"{base}/device\"><label for=\"user_code\">{code_label}</label>\
             <input id=\"user_code\" name=\"user_code\" value=\"{code}\" autocomplete=\"off\" required autofocus>\
             <button type=\"submit\">{submit}</button></form>",
            enter = look.text("device.enter"),
            code_label = look.text("device.code"),
            code = escape(prefilled),
            submit = look.text("device.submit"),
        ),
    )
}

/// The end of a device authorization.
pub(crate) fn device_done(look: &Look, approved: bool) -> String {
    let (title, text) = if approved { ("device.connected_title", "device.connected") } else { ("device.refused_title", "device.refused") };
    let title = look.text(title);
    layout(look, &title, &format!("<h1 id=\"device-result\">{title}</h1><p>{}</p>", look.text(text)))
}

/// The logout confirmation (RP-Initiated Logout 1.0 §2): stable selectors for automation,
/// `button.logout-confirm` (focused) and `button.logout-cancel`.
#[cfg(feature = "logout")]
pub(crate) fn logout_confirm(look: &Look, request: &crate::logout::LogoutRequest, client: Option<&str>, base: &str) -> String {
    let from = client.map(|name| format!("<p>{}</p>", look.fill("logout.asks", &[("client", name)]))).unwrap_or_default();
    layout(
        look,
        &look.text("logout.title"),
        &format!(
            "<h1>{heading}</h1>{from}<p>{explain}</p>\
             <form method=\"post\" action=\"{base}/session/end/confirm\">\
             <input type=\"hidden\" name=\"logout_request\" value=\"{id}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><div class=\"row\">\
             <button type=\"submit\" name=\"logout\" value=\"yes\" class=\"logout-confirm\" autofocus>{confirm}</button>\
             <button type=\"submit\" name=\"logout\" value=\"no\" class=\"logout-cancel secondary\">{cancel}</button></div></form>",
            heading = look.text("logout.heading"),
            explain = look.text("logout.explain"),
            id = escape(&request.id),
            csrf = escape(&request.csrf),
            confirm = look.text("logout.confirm"),
            cancel = look.text("logout.cancel"),
        ),
    )
}

/// The end of a logout that returns to no client: signed out, or still signed in.
#[cfg(feature = "logout")]
pub(crate) fn signed_out(look: &Look, done: bool) -> String {
    let (title, text) = if done { ("logout.done_title", "logout.done") } else { ("logout.kept_title", "logout.kept") };
    let title = look.text(title);
    layout(look, &title, &format!("<h1 id=\"logout-result\">{title}</h1><p>{}</p>", look.text(text)))
}

/// Front-Channel Logout 1.0 §2: one iframe per client, then on to `next` (the client's
/// post-logout URI) or the signed-out text; without script, a link continues.
#[cfg(feature = "logout")]
pub(crate) fn frontchannel_logout(look: &Look, urls: &[String], next: Option<&str>) -> String {
    let frames: String = urls
        .iter()
        .map(|url| format!("<iframe class=\"frontchannel-logout\" src=\"{}\" title=\"\" hidden></iframe>", escape(url)))
        .collect();
    let (script, text) = match next {
        Some(next) => (
            format!("<script>window.addEventListener('load',function(){{location.replace({})}})</script>", js_string(next)),
            format!("<p><a id=\"continue\" href=\"{}\">{}</a></p>", escape(next), look.text("logout.continue")),
        ),
        None => (String::new(), format!("<p>{}</p>", look.text("logout.done"))),
    };
    let title = look.text("logout.done_title");
    layout(look, &title, &format!("<h1 id=\"logout-result\">{title}</h1>{text}{frames}{script}"))
}

/// A JavaScript string literal of `text`, safe inside a `<script>` element.
#[cfg(feature = "logout")]
fn js_string(text: &str) -> String {
    // JSON is a JavaScript string literal; `<`, `>` and `&` escaped keep `</script>` out.
    serde_json::to_string(text).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The error page for requests that cannot be answered at a trusted redirect URI. The error
/// code and its description are the protocol's, for the developer, in English.
pub(crate) fn error(look: &Look, code: &str, description: &str) -> String {
    layout(
        look,
        &look.text("error.title"),
        &format!(
            "<h1>{heading}</h1><p>{explain}</p>\
             <p>error: <code id=\"error\">{}</code></p><p lang=\"en\">error_description: <span id=\"error_description\">{}</span></p>",
            escape(code),
            escape(description),
            heading = look.text("error.heading"),
            explain = look.text("error.explain"),
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
        let look = crate::i18n::Catalog::load(&Default::default()).unwrap().look(&Default::default(), None, None);
        let html = frontchannel_logout(&look, &["https://rp.example/fc?a=\"><script>".into()], Some("https://rp.example/</script><script>x"));
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
