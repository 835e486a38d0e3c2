//! The configuration reference, made from the configuration types: each setting's key, type,
//! default and environment variable, and its meaning from the field's doc comment. The tables of
//! `docs/configuration.md` are these; a test fails when they differ, and
//! `UPDATE_CONFIG_DOCS=1 cargo test -p provider --test config_reference` rewrites them.

use serde_json::{Map, Value};

/// One table of the reference: a section of the configuration and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section's TOML path: `""` for the top level, `keys`, `rar.types`, ...
    pub path: String,
    /// Whether it is an array of tables (`[[resource_servers]]`).
    pub array: bool,
    /// The Markdown table.
    pub table: String,
}

/// Every section of the configuration, the top level first, then in declaration order.
pub fn sections() -> Vec<Section> {
    let schema = schemars::schema_for!(super::Config).to_value();
    let defs = schema.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut sections = Vec::new();
    walk(&schema, "", false, &defs, &mut sections);
    sections
}

/// Adds the section at `path` (whose schema is `object`), then the sections nested in it.
fn walk(object: &Value, path: &str, array: bool, defs: &Map<String, Value>, sections: &mut Vec<Section>) {
    let Some(properties) = object.get("properties").and_then(Value::as_object) else { return };
    let defaults = object.get("default");
    let mut rows = Vec::new();
    let mut nested = Vec::new();
    for (key, property) in properties {
        let (resolved, optional) = resolve(property, defs);
        let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        if resolved.get("properties").is_some() {
            nested.push((resolved, child, false));
            continue;
        }
        if let Some(items) = resolved.get("items").map(|items| resolve(items, defs).0)
            && items.get("properties").is_some()
        {
            nested.push((items, child, true));
            continue;
        }
        let default = property.get("default").or_else(|| defaults.and_then(|d| d.get(key)));
        let env = if array { "—".to_string() } else { format!("`OP_{}`", child.replace('.', "__").to_uppercase()) };
        rows.push(format!(
            "| `{key}` | {kind} | {default} | {env} | {meaning} |",
            kind = kind(&resolved, optional, defs),
            default = default.map_or_else(|| if optional { "none".into() } else { "—".into() }, shown),
            meaning = cell(property.get("description").or_else(|| resolved.get("description"))),
        ));
    }
    if !rows.is_empty() || path.is_empty() {
        let table =
            format!("| key | type | default | environment | meaning |\n|---|---|---|---|---|\n{}\n", rows.join("\n"));
        sections.push(Section { path: path.to_string(), array, table });
    }
    for (schema, child, array) in nested {
        walk(&schema, &child, array, defs, sections);
    }
}

/// The schema `property` stands for (`$ref` followed, an `Option`'s null dropped), and whether
/// it may be absent.
fn resolve(property: &Value, defs: &Map<String, Value>) -> (Value, bool) {
    let deref = |schema: &Value| -> Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => defs.get(reference.trim_start_matches("#/$defs/")).cloned().unwrap_or(Value::Null),
            None => schema.clone(),
        }
    };
    if let Some(options) = property.get("anyOf").and_then(Value::as_array) {
        let real: Vec<&Value> = options.iter().filter(|o| o.get("type") != Some(&"null".into())).collect();
        if let [one] = real.as_slice() {
            return (deref(one), real.len() < options.len());
        }
    }
    let resolved = deref(property);
    let optional = match resolved.get("type") {
        Some(Value::Array(types)) => types.contains(&"null".into()),
        _ => false,
    };
    (resolved, optional)
}

/// The setting's type, as a reader of TOML sees it.
fn kind(schema: &Value, optional: bool, defs: &Map<String, Value>) -> String {
    let base = if let Some(values) = enum_values(schema) {
        format!("one of {}", values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "))
    } else {
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
            _ => vec![],
        };
        match types.as_slice() {
            ["array"] => {
                let items = schema.get("items").map(|i| resolve(i, defs).0).unwrap_or(Value::Null);
                format!("list of {}", plural(&kind(&items, false, defs)))
            }
            [one] => (*one).to_string(),
            _ => "value".to_string(),
        }
    };
    if optional { format!("{base} (optional)") } else { base }
}

/// The values of an enumeration, however the schema spells it.
fn enum_values(schema: &Value) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter_map(Value::as_str).map(String::from).collect());
    }
    let variants = schema.get("oneOf").and_then(Value::as_array)?;
    let values: Vec<String> = variants
        .iter()
        .flat_map(|v| match (v.get("const"), v.get("enum")) {
            (Some(Value::String(c)), _) => vec![c.clone()],
            (_, Some(Value::Array(vs))) => vs.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => vec![],
        })
        .collect();
    (!values.is_empty()).then_some(values)
}

fn plural(kind: &str) -> String {
    match kind {
        "string" => "strings".into(),
        "integer" => "integers".into(),
        other => other.to_string(),
    }
}

/// A default as TOML would write it.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(s) => format!("`\"{s}\"`"),
        other => format!("`{}`", other.to_string().replace(',', ", ")),
    }
}

/// A doc comment as one table cell.
fn cell(description: Option<&Value>) -> String {
    let text = description.and_then(Value::as_str).unwrap_or_default();
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}
