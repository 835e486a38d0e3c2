//! The architecture, checked: which module may use which (docs/architecture.md).
//!
//! - Only the web layer (`endpoints/`, and the crate root that mounts it and the binary) uses
//!   Rocket; the domain below it knows no HTTP framework.
//! - `protocol`, the shared vocabulary, imports no other module of the crate.
//! - The public API is deliberate: the crate root makes public only the modules a host
//!   application uses; the others are internal (`internal!`), public only to the crate's own
//!   tests with the `internals` feature.
//! - No import cycle runs between the crate's top-level modules. The crate root (`Provider`, the
//!   handle every layer is given) is the composition, not a module, and is left out.
//!
//! Sources are read as text with comments, string and char literals and the trailing unit-test
//! module removed, so a mention in a doc comment or a log target does not count as a use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The crate's top-level modules, each with the code of its files.
fn modules() -> BTreeMap<String, Vec<(PathBuf, String)>> {
    let mut modules: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for path in rust_files(Path::new(SRC)) {
        let relative = path.strip_prefix(SRC).unwrap().to_path_buf();
        let top =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let code = code_of(&std::fs::read_to_string(&path).unwrap());
        modules.entry(top).or_default().push((relative, code));
    }
    modules
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code of a source file: no comments, no string or char literals, no unit-test module.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    let chars: Vec<char> = source.chars().collect();
    let mut code = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                code.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while j < chars.len() && !chars[j..].iter().collect::<String>().starts_with(&closing) {
                j += 1;
            }
            i = j + closing.len();
            code.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            code.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            code.push(c);
            i += 1;
        }
    }
    code
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The top-level modules a piece of code names through `crate::`, including inside
/// `use crate::{a::…, b::…}` groups.
fn imports(code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for path in inner.split(',') {
                let name: String = path.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                found.insert(name);
            }
        } else {
            found.insert(after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
        rest = after;
    }
    found.retain(|name| known.contains(name));
    found
}

/// The import graph between top-level modules, each edge with the files that make it.
fn graph() -> BTreeMap<String, BTreeMap<String, Vec<PathBuf>>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().filter(|m| *m != "lib" && *m != "bin").cloned().collect();
    let mut graph: BTreeMap<String, BTreeMap<String, Vec<PathBuf>>> = BTreeMap::new();
    for (module, files) in modules.iter().filter(|(m, _)| known.contains(*m)) {
        let edges = graph.entry(module.clone()).or_default();
        for (path, code) in files {
            for target in imports(code, &known).into_iter().filter(|t| t != module) {
                edges.entry(target).or_default().push(path.clone());
            }
        }
    }
    graph
}

/// Whether a file is in the web layer, where Rocket belongs.
fn is_web_layer(path: &Path) -> bool {
    path.starts_with("endpoints") || path == Path::new("lib.rs") || path.starts_with("bin")
}

#[test]
fn only_the_web_layer_uses_rocket() {
    let offenders: Vec<PathBuf> = modules()
        .into_values()
        .flatten()
        .filter(|(path, code)| !is_web_layer(path) && (code.contains("rocket::") || code.contains("use rocket")))
        .map(|(path, _)| path)
        .collect();
    assert!(offenders.is_empty(), "Rocket is used outside endpoints/: {offenders:?}");
}

#[test]
fn protocol_imports_nothing_of_ours() {
    let graph = graph();
    let protocol = graph.get("protocol").expect("the protocol module exists");
    assert!(protocol.is_empty(), "protocol imports {protocol:?}");
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = graph();
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_string()]);
        while let Some(module) = stack.pop() {
            for next in graph.get(&module).into_iter().flat_map(|edges| edges.keys()) {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let cycles: Vec<String> = graph
        .iter()
        .flat_map(|(from, edges)| edges.iter().map(move |(to, files)| (from, to, files)))
        .filter(|(from, to, _)| reaches(to, from))
        .map(|(from, to, files)| format!("{from} -> {to} (in {files:?})"))
        .collect();
    assert!(cycles.is_empty(), "import cycles between modules:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_api_modules_are_public() {
    let root = code_of(&std::fs::read_to_string(format!("{SRC}/lib.rs")).unwrap());
    let public: BTreeSet<&str> =
        root.lines().filter_map(|line| line.strip_prefix("pub mod ")?.strip_suffix(';')).collect();
    let api = [
        "accounts",
        "audit",
        "ciba",
        "config",
        "interaction",
        "keys",
        "logging",
        "metrics",
        "operator",
        "protocol",
        "rar",
        "storage",
    ];
    assert_eq!(public, api.into(), "a module outside the API is declared pub: declare it in internal!(...)");
    let internal = root.split("internal!(").nth(1).and_then(|rest| rest.split(')').next()).unwrap_or_default();
    for module in modules().keys().filter(|m| !matches!(m.as_str(), "lib" | "bin")) {
        assert!(
            api.contains(&module.as_str()) || internal.split(',').any(|m| m.trim() == module),
            "{module} is neither API nor internal"
        );
    }
}

#[test]
fn the_checks_see_what_they_look_for() {
    // The reader itself: a use is seen; a mention in a comment or a string is not.
    let code = code_of(
        "use crate::{model::X, jose};\n// crate::config\nlet s = \"crate::storage\";\nlet c = '\"';\nuse crate::security::now;",
    );
    let known: BTreeSet<String> = ["model", "jose", "config", "storage", "security"].map(String::from).into();
    assert_eq!(imports(&code, &known), ["jose", "model", "security"].map(String::from).into());
    // And the graph is not empty: it found the modules.
    let graph = graph();
    assert!(graph.get("endpoints").is_some_and(|edges| edges.contains_key("protocol")));
}
