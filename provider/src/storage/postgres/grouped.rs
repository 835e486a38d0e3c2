//! Grouped statements: the PostgreSQL backend's answer to the SQLite writer's group commit.
//!
//! A request's upsert or lookup by id is queued; a few worker tasks each take the first waiting
//! and every other already queued (up to [`MAX_GROUP`]), and run them as one statement over
//! arrays (`unnest`): one round-trip, one plan, and for writes one commit and WAL flush, for the
//! group. Alone, a call runs at once as a group of one; under load, groups grow with the queue.

use super::super::StorageError;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Most calls in one statement: bounds how long the first of them waits.
pub(super) const MAX_GROUP: usize = 256;

type Answer<Out> = oneshot::Sender<Result<Out, StorageError>>;

/// A queue of calls of one kind, and the workers that run them in groups.
pub(super) struct Grouped<In, Out> {
    queue: mpsc::UnboundedSender<(In, Answer<Out>)>,
}

impl<In: Send + 'static, Out: Send + 'static> Grouped<In, Out> {
    /// Starts `workers` tasks, each running a group with `run`, which answers each input in order,
    /// and counting its groups in the metrics as `operation`. They end when the handle is dropped.
    pub(super) fn spawn<F, Fut>(workers: usize, operation: &'static str, run: F) -> Self
    where
        F: Fn(Vec<In>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Out>, StorageError>> + Send,
    {
        let (queue, waiting) = mpsc::unbounded_channel();
        // The workers share the queue: the one holding the lock takes a group; the others wait
        // for the lock, or run theirs.
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..workers {
            let (waiting, run) = (waiting.clone(), run.clone());
            tokio::spawn(async move {
                while let Some(group) = take_group(&waiting).await {
                    let (inputs, answers): (Vec<In>, Vec<Answer<Out>>) = group.into_iter().unzip();
                    let (count, started) = (inputs.len(), std::time::Instant::now());
                    let outcome = run(inputs).await;
                    crate::metrics::storage::group("postgres", operation, count, started.elapsed());
                    match outcome {
                        Ok(outputs) if outputs.len() == count => {
                            for (answer, output) in answers.into_iter().zip(outputs) {
                                // A caller that gave up waiting no longer needs its answer.
                                let _ = answer.send(Ok(output));
                            }
                        }
                        Ok(_) => fail(answers, "a grouped statement answered the wrong number of rows"),
                        Err(e) => fail(answers, &e.0),
                    }
                }
            });
        }
        Self { queue }
    }

    /// Queues `input` and waits for its answer.
    pub(super) async fn call(&self, input: In) -> Result<Out, StorageError> {
        let stopped = || StorageError("the PostgreSQL workers have stopped".into());
        let (answer, answered) = oneshot::channel();
        self.queue.send((input, answer)).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// Every call of a failed group fails: the statement, and its transaction, were all or nothing.
fn fail<Out>(answers: Vec<Answer<Out>>, why: &str) {
    for answer in answers {
        let _ = answer.send(Err(StorageError(why.to_string())));
    }
}

/// The next group: the first call to come (waiting for it), then every other already queued.
/// `None` once the handle is gone.
async fn take_group<T>(waiting: &Mutex<mpsc::UnboundedReceiver<T>>) -> Option<Vec<T>> {
    let mut waiting = waiting.lock().await;
    let mut group = vec![waiting.recv().await?];
    while group.len() < MAX_GROUP {
        match waiting.try_recv() {
            Ok(next) => group.push(next),
            Err(_) => break,
        }
    }
    Some(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn calls_are_answered_in_groups_each_with_its_own_output() {
        let groups = Arc::new(AtomicUsize::new(0));
        let counter = groups.clone();
        let doubled = Arc::new(Grouped::spawn(2, "test", move |inputs: Vec<u32>| {
            counter.fetch_add(1, Ordering::Relaxed);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(inputs.into_iter().map(|n| n * 2).collect())
            }
        }));
        let calls: Vec<_> = (0..300u32)
            .map(|n| {
                let doubled = doubled.clone();
                tokio::spawn(async move { (n, doubled.call(n).await.unwrap()) })
            })
            .collect();
        for call in calls {
            let (n, answer) = call.await.unwrap();
            assert_eq!(answer, n * 2);
        }
        let groups = groups.load(Ordering::Relaxed);
        assert!(groups < 300, "{groups} groups for 300 calls");
    }

    #[tokio::test]
    async fn a_failed_group_fails_every_call_in_it() {
        let failing: Grouped<u32, u32> =
            Grouped::spawn(1, "test", |_: Vec<u32>| async { Err(StorageError("the server went away".into())) });
        assert_eq!(failing.call(1).await.unwrap_err().0, "the server went away");
        let short: Grouped<u32, u32> = Grouped::spawn(1, "test", |_: Vec<u32>| async { Ok(Vec::new()) });
        assert!(short.call(1).await.is_err(), "a missing answer is an error, not a hang");
    }
}
