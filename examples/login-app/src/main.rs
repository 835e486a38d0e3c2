//! Runs the example login app:
//! `PROVIDER=http://127.0.0.1:3000 SECRET=... PORT=4000 cargo run -p login-app`,
//! beside `provider serve` with `OP_LOGIN_APP__URL=http://127.0.0.1:4000/` and
//! `OP_LOGIN_APP__SECRET=...` (the same secret).

#[rocket::main]
async fn main() -> Result<(), String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let settings = login_app::Settings { provider: var("PROVIDER")?, secret: var("SECRET")? };
    let port = var("PORT").unwrap_or_else(|_| "4000".into()).parse().map_err(|e| format!("PORT: {e}"))?;
    login_app::rocket(settings, port).launch().await.map(drop).map_err(|e| e.to_string())
}
