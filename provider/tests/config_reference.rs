//! docs/configuration.md's tables are the configuration types' own reference
//! (`provider::config::reference`): a setting added, removed, renamed, re-defaulted or
//! re-documented in the code without the docs fails here. `UPDATE_CONFIG_DOCS=1` rewrites them.

use provider::config::reference::{Section, sections};
use std::path::PathBuf;

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md")
}

/// The marker that opens a section's generated table in the docs.
fn opening(section: &Section) -> String {
    let name = if section.path.is_empty() { "top level".to_string() } else { section.path.clone() };
    format!("<!-- generated: {name} -->\n")
}

const CLOSING: &str = "<!-- end generated -->\n";

#[test]
fn the_configuration_reference_is_generated_from_the_code() {
    let text = std::fs::read_to_string(docs()).unwrap();
    let mut updated = text.clone();
    let mut stale = Vec::new();
    for section in sections() {
        let opening = opening(&section);
        let Some(start) = updated.find(&opening).map(|at| at + opening.len()) else {
            stale.push(format!("no marker {opening:?}"));
            continue;
        };
        let end = start + updated[start..].find(CLOSING).expect("a closing marker");
        if updated[start..end] != section.table {
            stale.push(format!("the table after {opening:?} differs"));
            updated.replace_range(start..end, &section.table);
        }
    }
    let known: Vec<String> = sections().iter().map(opening).collect();
    for marker in text.lines().filter(|l| l.starts_with("<!-- generated: ")) {
        if !known.contains(&format!("{marker}\n")) {
            stale.push(format!("{marker} names no section of the configuration"));
        }
    }
    if std::env::var_os("UPDATE_CONFIG_DOCS").is_some() {
        std::fs::write(docs(), updated).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "docs/configuration.md is stale (UPDATE_CONFIG_DOCS=1 rewrites it):\n{}",
        stale.join("\n")
    );
}
