//! The `[pages]` section: the built-in pages' languages and look.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Languages and theme of the login, consent, device, logout, CIBA and error pages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PagesConfig {
    /// The language of a request that prefers none the pages speak (`en` and `de` are built in).
    pub default_locale: String,
    /// A folder of TOML catalogs named by language tag (`fr.toml`, `pt-br.toml`) with the keys of
    /// the built-in `en.toml`: each adds a language, or rewords a built-in one; a key a catalog
    /// lacks is shown in English. Read at start; an unknown key stops the start.
    pub locales_dir: Option<PathBuf>,
    /// A CSS file added after the built-in style of every page (read at start).
    pub stylesheet: Option<PathBuf>,
    /// An image shown at the top of every page (https, or a `data:` URI).
    pub logo_url: Option<String>,
    /// The service's name: in page titles, and the logo's text.
    pub name: Option<String>,
}

impl Default for PagesConfig {
    fn default() -> Self {
        Self { default_locale: "en".into(), locales_dir: None, stylesheet: None, logo_url: None, name: None }
    }
}

impl PagesConfig {
    /// A logo the browser may load on an https page.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if let Some(logo) = &self.logo_url
            && !(logo.starts_with("https://") || logo.starts_with("data:image/") || logo.starts_with('/'))
        {
            errors.push(ConfigError::new("pages.logo_url", "must be https, a data:image URI, or a path on this host"));
        }
    }
}
