//! argon2id password hashes (PHC string format).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password with argon2id and a random salt (for `provider hash-password`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Checks a password against a PHC hash. CPU-heavy: call it off the async workers.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A cap on concurrent password verifications. Each holds argon2's 19 MiB and a core for tens
/// of milliseconds, so without one a burst of wrong passwords from many addresses (each within
/// its throttle) drove memory up by hundreds of MiB and starved every other request of CPU.
/// Past the cap, verifications queue.
struct Cap(tokio::sync::Semaphore);

impl Cap {
    /// [`verify_password`] on the blocking pool once a permit is free; `false` if the check
    /// could not run.
    async fn verify(&self, password: String, hash: String) -> bool {
        let Ok(_permit) = self.0.acquire().await else { return false };
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
    }
}

/// [`verify_password`] on the blocking pool, at most one per core at once, process-wide.
pub async fn verify_password_capped(password: String, hash: String) -> bool {
    static CAP: std::sync::OnceLock<Cap> = std::sync::OnceLock::new();
    let cap = CAP.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Cap(tokio::sync::Semaphore::new(cores))
    });
    cap.verify(password, hash).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn verifications_wait_for_a_permit() {
        let hash = hash_password("pw").unwrap();
        let cap = std::sync::Arc::new(Cap(tokio::sync::Semaphore::new(2)));
        // Every permit taken: a verification waits, and runs once one is free.
        let held = cap.0.acquire_many(2).await.unwrap();
        let waiting = tokio::spawn({
            let cap = cap.clone();
            async move { cap.verify("pw".into(), hash).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "a verification ran beyond the cap");
        drop(held);
        assert!(tokio::time::timeout(Duration::from_secs(10), waiting).await.unwrap().unwrap());
    }

    #[test]
    fn hash_then_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
