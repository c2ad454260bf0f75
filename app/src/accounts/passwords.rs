//! Passwords: the length rules, Argon2id hashes (PHC strings) and the small
//! pool of OS threads that computes them.
//!
//! Hashing is deliberately slow (OWASP: m = 19456 KiB, t = 2, p = 1), so it
//! never runs on the async runtime: a few dedicated threads take jobs from a
//! bounded queue, and a call that finds the queue full fails at once with
//! [`PasswordError::Busy`], so a flood of sign-ins cannot starve the runtime
//! or order placement.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::oneshot;

/// Why a password was refused by the length rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("a password has at least {min} characters")]
    TooShort { min: usize },
    #[error("a password has at most {max} characters")]
    TooLong { max: usize },
}

impl PasswordRuleError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            PasswordRuleError::TooShort { .. } => "password_too_short",
            PasswordRuleError::TooLong { .. } => "password_too_long",
        }
    }
}

/// A password in clear, of an accepted length. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters a password has.
    pub const MIN: usize = 10;
    /// The most characters a password has (so a hash cannot be made to cost more).
    pub const MAX: usize = 128;

    /// Accepts 10 to 128 characters (Unicode scalar values, not bytes).
    pub fn parse(input: impl Into<String>) -> Result<Password, PasswordRuleError> {
        let input = input.into();
        let length = input.chars().count();
        if length < Password::MIN {
            Err(PasswordRuleError::TooShort { min: Password::MIN })
        } else if length > Password::MAX {
            Err(PasswordRuleError::TooLong { max: Password::MAX })
        } else {
            Ok(Password(input))
        }
    }

    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An Argon2 hash as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
/// Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Reads a stored PHC string; refuses one that is not an Argon2 hash.
    pub fn from_phc(phc: impl Into<String>) -> Result<PasswordHash, PasswordError> {
        let phc = phc.into();
        let parsed =
            argon2::PasswordHash::new(&phc).map_err(|e| PasswordError::Malformed(e.to_string()))?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(PasswordError::Malformed(format!(
                "{} is not an Argon2 hash",
                parsed.algorithm
            )));
        }
        Ok(PasswordHash(phc))
    }

    /// The PHC string, to store.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// Why hashing or verifying did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The queue is full: try again in a moment (503 with Retry-After).
    #[error("too many passwords are being checked; try again in a moment")]
    Busy,
    /// The pool's threads are gone.
    #[error("the password pool has stopped")]
    Stopped,
    /// A stored hash is not a PHC string of Argon2.
    #[error("malformed password hash: {0}")]
    Malformed(String),
    /// Argon2 refused its input (cannot happen with the parameters used).
    #[error("cannot hash: {0}")]
    Hashing(String),
}

/// Argon2id's cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordCost {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: PasswordCost = PasswordCost {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    fn hasher(self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

type Job = Box<dyn FnOnce(&Worker) + Send>;

/// What a pool thread hashes with.
struct Worker {
    cost: PasswordCost,
    /// A hash of no one's password, verified against when the account is
    /// unknown, so an unknown e-mail costs what a known one does.
    dummy: Arc<OnceLock<Result<PasswordHash, PasswordError>>>,
}

impl Worker {
    fn hash(&self, password: &Password) -> Result<PasswordHash, PasswordError> {
        let salt = SaltString::generate(&mut OsRng);
        self.cost
            .hasher()?
            .hash_password(password.expose(), &salt)
            .map(|hash| PasswordHash(hash.to_string()))
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    }

    fn verify(
        &self,
        password: &Password,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, PasswordError> {
        let Some(hash) = hash else {
            let dummy = self.dummy.get_or_init(|| {
                let mut noise = [0u8; 24];
                argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut noise);
                let text: String = noise.iter().map(|b| format!("{b:02x}")).collect();
                self.hash(&Password(text))
            });
            let dummy = dummy.clone()?;
            // The answer is no whatever the password; the work is the same.
            self.verify(password, Some(&dummy))?;
            return Ok(false);
        };
        let parsed = argon2::PasswordHash::new(hash.as_phc())
            .map_err(|e| PasswordError::Malformed(e.to_string()))?;
        Ok(self
            .cost
            .hasher()?
            .verify_password(password.expose(), &parsed)
            .is_ok())
    }
}

/// A small pool of OS threads that hash and verify passwords, fed by a
/// bounded queue. Cheap to clone; the threads end when the last clone drops.
#[derive(Clone)]
pub struct PasswordPool {
    jobs: SyncSender<Job>,
    threads: usize,
}

impl std::fmt::Debug for PasswordPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasswordPool({} threads)", self.threads)
    }
}

impl PasswordPool {
    /// A pool of `threads` threads (at least 1) with room for `queue` waiting
    /// jobs (at least 1), hashing at [`PasswordCost::OWASP`].
    pub fn new(threads: usize, queue: usize) -> PasswordPool {
        PasswordPool::with_cost(threads, queue, PasswordCost::OWASP)
    }

    /// A pool sized for this machine: 1 thread on 2 cores or fewer, half
    /// the cores otherwise; 32 waiting jobs per thread.
    pub fn for_this_machine() -> PasswordPool {
        let threads = PasswordPool::default_threads();
        PasswordPool::new(threads, threads * 32)
    }

    /// 1 on 2 cores or fewer, half the cores otherwise.
    pub fn default_threads() -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores <= 2 {
            1
        } else {
            cores / 2
        }
    }

    /// [`PasswordPool::new`] with other cost parameters (tests).
    pub fn with_cost(threads: usize, queue: usize, cost: PasswordCost) -> PasswordPool {
        let threads = threads.max(1);
        let (jobs, receiver) = sync_channel::<Job>(queue.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let dummy = Arc::new(OnceLock::new());
        for n in 0..threads {
            let worker = Worker {
                cost,
                dummy: dummy.clone(),
            };
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("otd-passwords-{n}"))
                .spawn(move || run(&receiver, &worker));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password thread");
            }
        }
        PasswordPool { jobs, threads }
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Hashes `password` with a fresh salt.
    pub async fn hash(&self, password: Password) -> Result<PasswordHash, PasswordError> {
        self.submit(move |worker| worker.hash(&password)).await?
    }

    /// Whether `password` matches `hash`; with no hash (an unknown account),
    /// verifies against a fixed dummy hash and answers `false`, taking the
    /// same time.
    pub async fn verify(
        &self,
        password: Password,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, PasswordError> {
        let hash = hash.cloned();
        self.submit(move |worker| worker.verify(&password, hash.as_ref()))
            .await?
    }

    /// Queues `work` for a pool thread; [`PasswordError::Busy`] at once when
    /// the queue is full.
    async fn submit<T, F>(&self, work: F) -> Result<T, PasswordError>
    where
        T: Send + 'static,
        F: FnOnce(&Worker) -> T + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |worker| {
            // The caller may have gone; nobody is left to tell.
            let _ = answer.send(work(worker));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(PasswordError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(PasswordError::Stopped),
        }
        answered.await.map_err(|_| PasswordError::Stopped)
    }
}

fn run(receiver: &Mutex<Receiver<Job>>, worker: &Worker) {
    loop {
        let job = {
            let Ok(receiver) = receiver.lock() else {
                return;
            };
            match receiver.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(worker))).is_err() {
            tracing::error!("a password job panicked");
        }
    }
}

#[cfg(test)]
#[path = "passwords_tests.rs"]
mod tests;
