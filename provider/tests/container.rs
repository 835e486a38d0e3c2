//! The container image and the compose example, checked where no Docker engine runs: the
//! Dockerfile builds the way the README says, runs as a non-root user with a healthcheck and a
//! data volume, and every setting it and docker-compose.yml give is one the provider accepts.

mod binary;

use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Dockerfile's instructions, continuation lines joined.
fn instructions(dockerfile: &str) -> Vec<String> {
    let joined = dockerfile.replace("\\\n", " ");
    joined.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect()
}

/// `KEY=value` pairs of the Dockerfile's `ENV` instructions.
fn dockerfile_env(instructions: &[String]) -> Vec<(String, String)> {
    instructions
        .iter()
        .filter_map(|line| line.strip_prefix("ENV "))
        .flat_map(|pairs| pairs.split_whitespace().map(String::from).collect::<Vec<_>>())
        .filter_map(|pair| pair.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

#[test]
fn the_image_builds_as_the_readme_says_and_runs_unprivileged_with_a_healthcheck() {
    let dockerfile = read("Dockerfile");
    let lines = instructions(&dockerfile);
    let build = lines.iter().find_map(|l| l.strip_prefix("RUN cargo build")).expect("a cargo build step");
    let build = format!("cargo build{build}");
    assert!(read("README.md").contains(&format!("`{build}`")), "the README names the image's build command: {build}");
    assert!(read("ci/github/ci.yml").contains("docker compose up --build"), "the hosted CI builds the image");

    // The builder's Rust is at least the workspace's rust-version.
    let image = lines.iter().find_map(|l| l.strip_prefix("FROM rust:")).expect("a Rust build stage");
    let version = |text: &str| -> Vec<u32> { text.split('.').take(2).map(|n| n.parse().unwrap()).collect() };
    let workspace = read("Cargo.toml");
    let wanted = workspace.lines().find_map(|l| l.strip_prefix("rust-version = ")).unwrap().trim_matches('"');
    assert!(version(image.split('-').next().unwrap()) >= version(wanted), "rust:{image} is older than {wanted}");

    let runtime: Vec<&String> = lines.iter().skip_while(|l| !l.starts_with("FROM gcr.io/distroless")).collect();
    assert!(!runtime.is_empty(), "a distroless runtime stage");
    assert!(runtime.iter().any(|l| *l == "USER nonroot"), "runs as a non-root user");
    assert!(runtime.iter().any(|l| l.starts_with("HEALTHCHECK") && l.contains("\"health\"")), "provider health");
    assert!(runtime.iter().any(|l| l.starts_with("VOLUME") && l.contains("\"/data\"")), "a data volume");
    let env = dockerfile_env(&lines);
    let storage = env.iter().find(|(k, _)| k == "OP_STORAGE").map(|(_, v)| v.as_str());
    assert_eq!(storage, Some("sqlite:/data/provider.db"), "the database is in the volume");
}

/// Runs `provider check-config` with exactly `env`, the files it names taken from fixtures/.
fn accepted(env: &[(String, String)]) -> Result<String, String> {
    let mut command = binary::command();
    binary::without_op_variables(&mut command);
    for (key, value) in env {
        // The image's files are the repository's fixtures.
        let value = value.replace("/etc/provider/", &format!("{}/", binary::fixtures().display()));
        command.env(key, value);
    }
    let out = command.arg("check-config").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() && !stderr.contains("sets no configuration key") {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(stderr)
    }
}

#[test]
fn every_setting_of_the_image_and_the_compose_file_is_one_the_provider_accepts() {
    let image = dockerfile_env(&instructions(&read("Dockerfile")));
    let shown = accepted(&image).unwrap_or_else(|e| panic!("the image's settings: {e}"));
    assert!(shown.contains("address = \"0.0.0.0\""), "{shown}");

    let mut compose: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read("docker-compose.yml")).unwrap();
    compose.apply_merge().unwrap();
    let services = compose["services"].as_mapping().unwrap();
    let providers: Vec<_> = services.iter().filter(|(_, s)| s["build"].as_str() == Some(".")).collect();
    assert_eq!(providers.len(), 2, "two instances of the image");
    assert!(services.iter().any(|(_, s)| s["image"].as_str().is_some_and(|i| i.starts_with("postgres:"))));
    assert!(services.iter().any(|(_, s)| s["image"].as_str().is_some_and(|i| i.starts_with("nginx:"))));
    for (name, service) in providers {
        let mut env = image.clone();
        for (key, value) in service["environment"].as_mapping().expect("environment") {
            env.retain(|(k, _)| Some(k.as_str()) != key.as_str());
            env.push((key.as_str().unwrap().to_string(), value.as_str().unwrap().to_string()));
        }
        let shown = accepted(&env).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert!(shown.contains("storage = \"postgres://op:***@db:5432/op\""), "{shown}");
    }
    let proxy = read("deploy/nginx.conf");
    assert!(proxy.contains("server op-1:3000;") && proxy.contains("server op-2:3000;"));
}
