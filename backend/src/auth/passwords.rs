//! Password checks and hashes (argon2id, see `domain::organizer`): each takes tens of
//! milliseconds and 19 MiB on purpose. They run on a blocking thread without a database
//! connection (read what is needed first, write after), and only a few at once: blocking
//! threads are capped near the pool size (`startup`), so a burst of sign-ins that took them all
//! would stall RSVPs and live hellos behind it. Over the bound, password work waits its turn
//! among itself, holding nothing.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use super::Error;
use crate::domain::organizer::{decoy_hash, hash_password, verify_password};

/// Runs password work, a bounded number at once.
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Passwords {
    /// At most `at_once` checks or hashes at a time (at least one).
    pub fn new(at_once: usize) -> Self {
        Passwords {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
        }
    }

    /// How many at once beside `blocking_threads`: no more than half of them, so database
    /// work always finds threads free, and no more than the cores, which argon2 keeps busy.
    pub fn at_once_beside(blocking_threads: usize) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (blocking_threads / 2).min(cores).max(1)
    }

    /// Run `work` on a blocking thread once a permit is free. The permit goes with the work, so
    /// a caller that gives up (a closed connection) does not free it before the work ends.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        tokio::task::spawn_blocking(move || {
            let done = work();
            drop(permit);
            done
        })
        .await
        .map_err(Error::internal)
    }

    /// Whether `password` matches the `stored` hash. With no stored hash (an unknown handle) it
    /// is checked against a decoy and refused, taking as long as a real check.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, Error> {
        self.run(move || match stored {
            Some(stored) => verify_password(password.expose_secret(), &stored),
            None => {
                verify_password(password.expose_secret(), decoy_hash());
                false
            }
        })
        .await
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, Error> {
        self.run(move || hash_password(password.expose_secret()))
            .await?
            .map_err(Error::Internal)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_handles_never_do() {
        let passwords = Passwords::new(2);
        let hash = passwords
            .hash("a long enough passphrase".into())
            .await
            .expect("hashed");
        assert!(passwords
            .verify("a long enough passphrase".into(), Some(hash.clone()))
            .await
            .expect("checked"));
        assert!(!passwords
            .verify("another passphrase".into(), Some(hash))
            .await
            .expect("checked"));
        assert!(!passwords
            .verify("a long enough passphrase".into(), None)
            .await
            .expect("checked against the decoy"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_bound_run_at_once() {
        let passwords = Arc::new(Passwords::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (passwords, running, most) = (passwords.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    passwords
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            job.await.expect("joined").expect("ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_bound_leaves_blocking_threads_free() {
        for threads in [1, 2, 8, 16, 64] {
            let at_once = Passwords::at_once_beside(threads);
            assert!(at_once >= 1);
            assert!(at_once <= threads.div_ceil(2), "{threads}: {at_once}");
        }
    }
}
