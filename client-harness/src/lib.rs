//! A relying party that drives the provider's flows over real HTTP.
//!
//! [`launch`] starts the provider in-process on `127.0.0.1` with a profile and the fixtures (or
//! targets the issuer in `HARNESS_ISSUER`); [`rp`] builds `openidconnect` clients for the
//! fixture clients; [`browser::Browser`] plays the end-user on the provider's HTML pages.

pub mod assertion;
pub mod balancer;
pub mod browser;
pub mod dpop;
pub mod flow;
pub mod http;
pub mod launch;
pub mod oauth;
pub mod process;
pub mod rp;

pub use launch::{Options, Storage, TestProvider, launch, try_launch};

/// The repository's `fixtures/` folder.
pub fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}
