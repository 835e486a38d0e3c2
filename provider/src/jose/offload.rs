//! CPU-heavy JOSE work off the async workers: a fixed set of threads, one per core, taking jobs
//! in the order they came. An RSA-2048 signature costs about a millisecond; run on an async
//! worker it would stall every request queued behind it, and on tokio's blocking pool (which
//! grows to hundreds of threads) concurrent signatures would share the cores and all finish
//! late. In first-come order, each waits only for the ones before it.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    queue: mpsc::Sender<Job>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for index in 0..threads {
            let jobs = jobs.clone();
            // If a thread cannot start, the others carry the load; with none, `run` reports it.
            let _ = std::thread::Builder::new().name(format!("jose-{index}")).spawn(move || {
                loop {
                    // The lock is held only while taking a job, not while running it.
                    let job = match jobs.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        }
        Pool { queue }
    })
}

/// Runs `work` on the JOSE threads and waits for its result without blocking the caller's
/// thread.
pub(crate) async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = answer.send(work());
    });
    pool().queue.send(job).map_err(|_| "the JOSE threads have stopped".to_string())?;
    answered.await.map_err(|_| "a JOSE job was dropped".to_string())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs_work_on_another_thread_and_returns_its_result() {
        let caller = std::thread::current().id();
        let (value, thread) = super::run(|| (6 * 7, std::thread::current().id())).await.unwrap();
        assert_eq!(value, 42);
        assert_ne!(thread, caller);
    }
}
