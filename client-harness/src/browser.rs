//! The end-user's browser: a cookie jar, redirects followed one hop at a time, and forms filled
//! by their field names, as a person (or the conformance suite's automation) would.

use scraper::{Html, Selector};
use url::Url;

/// Where a navigation ended.
#[derive(Debug, Clone)]
pub enum Landing {
    /// A redirect away from the provider: the authorization response in a URL.
    Callback(Url),
    /// A page of the provider's.
    Page(Page),
}

impl Landing {
    /// The callback URL, or a panic describing the page instead.
    pub fn callback(self) -> Url {
        match self {
            Landing::Callback(url) => url,
            Landing::Page(page) => {
                panic!("expected a redirect to the client, got a {} page at {}:\n{}", page.status, page.url, page.html)
            }
        }
    }

    /// The page, or a panic naming the callback instead.
    pub fn page(self) -> Page {
        match self {
            Landing::Page(page) => page,
            Landing::Callback(url) => panic!("expected a page, got a redirect to {url}"),
        }
    }
}

/// An HTML page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its URL.
    pub url: Url,
    /// The HTTP status.
    pub status: u16,
    /// The markup.
    pub html: String,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
}

/// A form found on a page.
#[derive(Debug, Clone)]
pub struct Form {
    /// The absolute action URL.
    pub action: Url,
    /// `get` or `post`.
    pub method: String,
    /// Its inputs' names and values, in document order.
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// Sets a field's value (adding it if absent).
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value.to_string(),
            None => self.fields.push((name.into(), value.into())),
        }
        self
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Page {
    /// The first form whose action contains `action_part`.
    pub fn form(&self, action_part: &str) -> Option<Form> {
        let doc = Html::parse_document(&self.html);
        let forms = Selector::parse("form").expect("selector");
        let inputs = Selector::parse("input[name]").expect("selector");
        doc.select(&forms).find_map(|form| {
            let action = form.value().attr("action").unwrap_or_default();
            if !action.contains(action_part) {
                return None;
            }
            let fields = form
                .select(&inputs)
                .map(|i| {
                    (
                        i.value().attr("name").unwrap_or_default().to_string(),
                        i.value().attr("value").unwrap_or_default().to_string(),
                    )
                })
                .collect();
            Some(Form {
                action: self.url.join(action).ok()?,
                method: form.value().attr("method").unwrap_or("get").to_ascii_lowercase(),
                fields,
            })
        })
    }

    /// The text of the element with this id.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let doc = Html::parse_document(&self.html);
        let selector = Selector::parse(&format!("#{id}")).ok()?;
        doc.select(&selector).next().map(|e| e.text().collect())
    }

    /// The href of the first link whose text is `text`.
    pub fn link(&self, text: &str) -> Option<Url> {
        let doc = Html::parse_document(&self.html);
        let links = Selector::parse("a[href]").expect("selector");
        doc.select(&links)
            .find(|a| a.text().collect::<String>().trim() == text)
            .and_then(|a| self.url.join(a.value().attr("href")?).ok())
    }
}

/// A browser bound to one provider origin.
pub struct Browser {
    client: reqwest::Client,
    provider_origin: String,
    /// Other origins whose redirects the browser follows (a login app's), besides the provider's.
    also_follows: Vec<String>,
    /// The client address a trusted proxy would report (`X-Real-IP`), if any.
    address: Option<String>,
}

impl Browser {
    /// A fresh browser (empty cookie jar) for the provider at `issuer`.
    pub fn new(issuer: &str) -> Self {
        let origin = Url::parse(issuer).expect("issuer URL").origin().ascii_serialization();
        Self { client: crate::http::client(true), provider_origin: origin, also_follows: Vec::new(), address: None }
    }

    /// This browser, following redirects to `url`'s origin too (a login app's pages), as it
    /// follows the provider's; a redirect anywhere else is where the flow lands.
    pub fn following(mut self, url: &str) -> Self {
        self.also_follows.push(Url::parse(url).expect("a URL").origin().ascii_serialization());
        self
    }

    /// A fresh browser whose requests arrive, as a reverse proxy reports it in `X-Real-IP`, from
    /// `address` (for a provider with `proxy.trust_forwarded_headers`).
    pub fn at_address(issuer: &str, address: &str) -> Self {
        Self { address: Some(address.into()), ..Self::new(issuer) }
    }

    /// Opens a URL and follows the provider's redirects.
    pub async fn open(&self, url: &str) -> Landing {
        self.follow(self.client.get(url)).await
    }

    fn send(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.address {
            Some(address) => request.header("X-Real-IP", address),
            None => request,
        }
    }

    /// Submits a form (with an optional submit button `name=value`) and follows redirects.
    pub async fn submit(&self, form: &Form, button: Option<(&str, &str)>) -> Landing {
        let mut fields = form.fields.clone();
        if let Some((name, value)) = button {
            fields.push((name.into(), value.into()));
        }
        let request = if form.method == "post" {
            self.client.post(form.action.clone()).form(&fields)
        } else {
            self.client.get(form.action.clone()).query(&fields)
        };
        self.follow(request).await
    }

    async fn follow(&self, request: reqwest::RequestBuilder) -> Landing {
        let mut response = self.send(request).send().await.expect("request to the provider");
        for _ in 0..10 {
            let url = response.url().clone();
            let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(String::from);
            let Some(location) = location.filter(|_| response.status().is_redirection()) else {
                let (status, headers) = (response.status().as_u16(), response.headers().clone());
                let html = response.text().await.unwrap_or_default();
                return Landing::Page(Page { url, status, html, headers });
            };
            let next = url.join(&location).expect("a valid Location");
            let origin = next.origin().ascii_serialization();
            if origin != self.provider_origin && !self.also_follows.contains(&origin) {
                return Landing::Callback(next);
            }
            response = self.send(self.client.get(next)).send().await.expect("redirect to the provider");
        }
        panic!("too many redirects");
    }

    /// Opens an authorization URL and completes login (if asked) and consent (if asked) by
    /// allowing; returns where the provider sent the browser.
    pub async fn authorize(&self, url: &str, username: &str, password: &str) -> Landing {
        let mut landing = self.open(url).await;
        for _ in 0..3 {
            let Landing::Page(page) = &landing else {
                return landing;
            };
            if let Some(mut form) = page.form("/login") {
                form.set("login", username).set("password", password);
                landing = self.submit(&form, None).await;
            } else if let Some(form) = page.form("/consent") {
                landing = self.submit(&form, Some(("decision", "allow"))).await;
            } else {
                return landing;
            }
        }
        landing
    }
}

/// The query (or fragment) parameters of a callback URL.
pub fn callback_params(url: &Url) -> std::collections::HashMap<String, String> {
    let part = url.fragment().map(String::from).or_else(|| url.query().map(String::from)).unwrap_or_default();
    url::form_urlencoded::parse(part.as_bytes()).into_owned().collect()
}
