//! The built-in pages' languages and look. Texts come from catalogs: English and German are
//! built in (`en.toml`, `de.toml` beside this file); an operator adds languages, or rewords
//! built-in ones, with TOML files of the same keys in `pages.locales_dir` (`fr.toml`, ...). A
//! page speaks the first language the request prefers (`ui_locales`, OIDC Core §3.1.2.1, then
//! `Accept-Language`) that a catalog has, by tag or by primary subtag, else `pages.default_locale`.
//! A key a catalog lacks is shown in English. The operator's stylesheet and logo make the theme.

use crate::config::PagesConfig;
use std::collections::HashMap;
use std::sync::Arc;

const BUILT_IN: [(&str, &str); 2] = [("en", include_str!("en.toml")), ("de", include_str!("de.toml"))];

/// One language's texts, by dotted key (`sign_in.title`).
#[derive(Debug)]
pub(crate) struct Language {
    tag: String,
    texts: HashMap<String, String>,
}

/// Every language the pages speak.
#[derive(Debug)]
pub(crate) struct Catalog {
    languages: Vec<Arc<Language>>,
    english: Arc<Language>,
    default: Arc<Language>,
}

/// The look of the pages: the operator's stylesheet, logo and name.
#[derive(Debug, Default)]
pub(crate) struct Theme {
    /// CSS added after the built-in style.
    pub css: String,
    /// An image shown at the top of every page.
    pub logo_url: Option<String>,
    /// The service's name, in titles and as the logo's text.
    pub name: Option<String>,
}

/// What a page needs to speak and look right: its language's texts and the theme.
#[derive(Debug, Clone)]
pub(crate) struct Look {
    language: Arc<Language>,
    english: Arc<Language>,
    theme: Arc<Theme>,
}

/// Flattens a TOML table into dotted keys.
fn flatten(prefix: &str, table: &toml::Table, into: &mut HashMap<String, String>) -> Result<(), String> {
    for (key, value) in table {
        let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(text) => {
                into.insert(key, text.clone());
            }
            toml::Value::Table(inner) => flatten(&key, inner, into)?,
            _ => return Err(format!("{key}: must be text")),
        }
    }
    Ok(())
}

fn parse(tag: &str, text: &str) -> Result<Language, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
    let mut texts = HashMap::new();
    flatten("", &table, &mut texts)?;
    Ok(Language { tag: tag.to_string(), texts })
}

impl Catalog {
    /// The built-in languages and the operator's (`pages.locales_dir`), checked: every key of an
    /// operator's file must be one the pages use (a typo would otherwise show English silently).
    pub(crate) fn load(config: &PagesConfig) -> Result<Self, String> {
        let mut languages: Vec<Language> = Vec::new();
        for (tag, text) in BUILT_IN {
            languages.push(parse(tag, text).map_err(|e| format!("built-in {tag}.toml: {e}"))?);
        }
        if let Some(dir) = &config.locales_dir {
            let entries = std::fs::read_dir(dir).map_err(|e| format!("pages.locales_dir {}: {e}", dir.display()))?;
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for path in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "toml")) {
                let tag = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_ascii_lowercase();
                let shown = path.display();
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
                let language = parse(&tag, &text).map_err(|e| format!("{shown}: {e}"))?;
                if let Some(unknown) = language.texts.keys().find(|key| !languages[0].texts.contains_key(*key)) {
                    return Err(format!("{shown}: {unknown} is not a key of the pages (see en.toml)"));
                }
                match languages.iter_mut().find(|l| l.tag == tag) {
                    // Rewording a built-in language: the file's keys replace the built-in texts.
                    Some(existing) => existing.texts.extend(language.texts),
                    None => languages.push(language),
                }
            }
        }
        let languages: Vec<Arc<Language>> = languages.into_iter().map(Arc::new).collect();
        let english = languages[0].clone();
        let wanted = config.default_locale.to_ascii_lowercase();
        let default = languages
            .iter()
            .find(|l| l.tag == wanted)
            .cloned()
            .ok_or_else(|| format!("pages.default_locale: no catalog for {wanted:?}"))?;
        Ok(Self { languages, english, default })
    }

    /// The language tags the pages speak.
    pub(crate) fn tags(&self) -> Vec<&str> {
        self.languages.iter().map(|l| l.tag.as_str()).collect()
    }

    /// The first of `preferences` (BCP 47 tags, most preferred first) that a catalog has, by
    /// tag or primary subtag; the default language if none.
    fn choose<'a>(&self, preferences: impl IntoIterator<Item = &'a str>) -> Arc<Language> {
        for wanted in preferences {
            let wanted = wanted.to_ascii_lowercase();
            let primary = wanted.split('-').next().unwrap_or_default();
            if let Some(found) = self.languages.iter().find(|l| l.tag == wanted || l.tag == primary) {
                return found.clone();
            }
        }
        self.default.clone()
    }

    /// The look for a request: `ui_locales` first, then `Accept-Language`.
    pub(crate) fn look(&self, theme: &Arc<Theme>, ui_locales: Option<&str>, accept_language: Option<&str>) -> Look {
        let preferences = preferences(ui_locales, accept_language);
        Look {
            language: self.choose(preferences.iter().map(String::as_str)),
            english: self.english.clone(),
            theme: theme.clone(),
        }
    }
}

/// The preferred languages: `ui_locales` (space-separated, in order), then `Accept-Language`
/// (comma-separated, by `q`, RFC 9110 §12.5.4).
fn preferences(ui_locales: Option<&str>, accept_language: Option<&str>) -> Vec<String> {
    let mut tags: Vec<String> = ui_locales.unwrap_or_default().split_whitespace().map(String::from).collect();
    let mut weighted: Vec<(f32, String)> = accept_language
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
            (!tag.is_empty() && tag != "*" && q > 0.0).then(|| (q, tag.to_string()))
        })
        .collect();
    // Stable: equal weights keep the header's order.
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    tags.extend(weighted.into_iter().map(|(_, tag)| tag));
    tags
}

impl Theme {
    /// The operator's stylesheet (read once, at start), logo and name.
    pub(crate) fn load(config: &PagesConfig) -> Result<Self, String> {
        let css = match &config.stylesheet {
            Some(path) => std::fs::read_to_string(path).map_err(|e| format!("pages.stylesheet {}: {e}", path.display()))?,
            None => String::new(),
        };
        // Inside a <style> element: `</style` would end it early.
        if css.to_ascii_lowercase().contains("</style") {
            return Err("pages.stylesheet: must not contain </style".into());
        }
        Ok(Self { css, logo_url: config.logo_url.clone(), name: config.name.clone() })
    }
}

impl Look {
    /// The page's language tag, for `<html lang>`.
    pub(crate) fn lang(&self) -> &str {
        &self.language.tag
    }

    /// The theme.
    pub(crate) fn theme(&self) -> &Theme {
        &self.theme
    }

    /// The text of `key`, HTML-escaped; in English where the language lacks it.
    pub(crate) fn text(&self, key: &str) -> String {
        self.fill(key, &[])
    }

    /// The text of `key` with each `{name}` replaced by its value, all HTML-escaped.
    pub(crate) fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.language.texts.get(key).or_else(|| self.english.texts.get(key)).map_or(key, String::as_str);
        let mut text = escape(template);
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), &escape(value));
        }
        text
    }

    /// The text of `key` if a catalog has it (scope descriptions exist for some scopes only).
    pub(crate) fn maybe(&self, key: &str) -> Option<String> {
        self.english.texts.contains_key(key).then(|| self.text(key))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(&PagesConfig::default()).unwrap()
    }

    #[test]
    fn every_built_in_language_has_every_key_of_english() {
        let catalog = catalog();
        for language in &catalog.languages {
            let missing: Vec<_> = catalog.english.texts.keys().filter(|k| !language.texts.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", language.tag);
        }
    }

    #[test]
    fn ui_locales_come_first_then_accept_language_by_weight_then_the_default() {
        let (catalog, theme) = (catalog(), Arc::new(Theme::default()));
        assert_eq!(catalog.look(&theme, Some("fr-CA de"), Some("en")).lang(), "de");
        assert_eq!(catalog.look(&theme, None, Some("fr;q=0.9, de-AT;q=0.8, en;q=0.5")).lang(), "de");
        assert_eq!(catalog.look(&theme, None, Some("de;q=0.1, en;q=0.9")).lang(), "en");
        assert_eq!(catalog.look(&theme, None, Some("de;q=0")).lang(), "en", "q=0 is not acceptable");
        assert_eq!(catalog.look(&theme, None, None).lang(), "en");
    }

    #[test]
    fn values_and_texts_are_escaped() {
        let look = catalog().look(&Arc::new(Theme::default()), Some("en"), None);
        assert_eq!(look.fill("consent.heading", &[("client", "<b>x</b>")]), "Authorize &lt;b&gt;x&lt;/b&gt;");
        assert_eq!(look.maybe("scope.unknown"), None);
    }

    #[test]
    fn an_operator_adds_a_language_and_rewords_one_and_a_typo_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fr.toml"), "[sign_in]\ntitle = \"Connexion\"\n").unwrap();
        std::fs::write(dir.path().join("en.toml"), "[sign_in]\nsubmit = \"Continue\"\n").unwrap();
        let config = PagesConfig { locales_dir: Some(dir.path().into()), ..PagesConfig::default() };
        let catalog = Catalog::load(&config).unwrap();
        let theme = Arc::new(Theme::default());
        let french = catalog.look(&theme, Some("fr"), None);
        assert_eq!((french.text("sign_in.title"), french.text("sign_in.password")), ("Connexion".into(), "Password".into()));
        assert_eq!(catalog.look(&theme, None, None).text("sign_in.submit"), "Continue");
        std::fs::write(dir.path().join("fr.toml"), "[sign_in]\ntitel = \"Connexion\"\n").unwrap();
        let error = Catalog::load(&config).unwrap_err();
        assert!(error.contains("sign_in.titel"), "{error}");
    }
}
