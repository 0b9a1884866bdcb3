//! Where share IO runs: one thread for the whole process, which holds only paths and
//! ciphertext — no key, no database handle, nothing decrypted. A read stuck in the kernel on a
//! hung network mount cannot be cancelled; with this, it does not need to be. The caller waits
//! for each answer and gives up at once when its [`ShareIo::cancel`] flag is set (the app's
//! lock), or when the share has not answered for [`NO_ANSWER`]; what the thread returns later
//! is discarded. There is never more than one such thread, so syncs on a dead mount do not
//! pile up threads: a new sync fails fast while the thread is stuck ([`STUCK`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// A share operation that has not answered for this long fails as "does not answer".
pub const NO_ANSWER: Duration = Duration::from_secs(300);
/// A new sync fails fast when the IO thread has been busy with one operation this long.
pub const STUCK: Duration = Duration::from_secs(20);

/// How the share IO of one sync may be stopped or, in tests, stalled.
#[derive(Clone, Default)]
pub struct ShareIo {
    /// Set from outside (the app's lock): every wait for the share returns [`Error::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Test hook: while set, every operation blocks inside the IO thread, as on a hung mount.
    pub stall: Option<Arc<AtomicBool>>,
}

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// When the job the thread is running started (None: idle).
    busy_since: Arc<Mutex<Option<Instant>>>,
}

fn worker() -> &'static Worker {
    static WORKER: OnceLock<Worker> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let busy_since = Arc::new(Mutex::new(None));
        let busy = busy_since.clone();
        std::thread::Builder::new()
            .name("casebook-share-io".into())
            .spawn(move || {
                for job in rx {
                    *busy.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                    job();
                    *busy.lock().unwrap_or_else(PoisonError::into_inner) = None;
                }
            })
            .expect("the share IO thread starts");
        Worker { jobs: Mutex::new(tx), busy_since }
    })
}

fn no_answer(path: &Path, reason: String) -> Error {
    Error::ShareUnreachable { path: path.to_path_buf(), reason }
}

impl ShareIo {
    /// Whether the share IO thread is stuck on an operation (then `path`'s sync fails fast).
    pub fn check_not_stuck(path: &Path) -> Result<()> {
        let since = *worker().busy_since.lock().unwrap_or_else(PoisonError::into_inner);
        match since {
            Some(t) if t.elapsed() > STUCK => Err(no_answer(
                path,
                format!(
                    "the folder does not answer (a read or write started {} s ago has not returned); reconnect the \
                     network drive or USB stick",
                    t.elapsed().as_secs()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Runs `f` (file-system work on `path`, holding only paths and bytes) on the IO thread
    /// and waits for its answer, the cancel flag or [`NO_ANSWER`], whichever comes first.
    pub fn run<R: Send + 'static>(&self, path: &Path, f: impl FnOnce() -> Result<R> + Send + 'static) -> Result<R> {
        if self.cancelled() {
            return Err(Error::Cancelled);
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let stall = self.stall.clone();
        let job: Job = Box::new(move || {
            while stall.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = tx.send(f());
        });
        worker()
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| no_answer(path, "the share IO thread has stopped; restart Casebook".into()))?;
        let start = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_millis(25)) {
                Ok(answer) => return answer,
                Err(RecvTimeoutError::Timeout) if self.cancelled() => return Err(Error::Cancelled),
                Err(RecvTimeoutError::Timeout) if start.elapsed() > NO_ANSWER => {
                    return Err(no_answer(path, format!("the folder has not answered for {} s", NO_ANSWER.as_secs())))
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(no_answer(path, "the share IO thread has stopped; restart Casebook".into()))
                }
            }
        }
    }

    /// Queues `f` on the IO thread without waiting for it (lock, quit and suspend hand over the
    /// files they sealed: the caller's keys are gone long before a slow share answers). False
    /// when the thread has stopped.
    pub fn submit(&self, f: impl FnOnce() + Send + 'static) -> bool {
        let stall = self.stall.clone();
        let job: Job = Box::new(move || {
            while stall.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
                std::thread::sleep(Duration::from_millis(10));
            }
            f();
        });
        worker().jobs.lock().unwrap_or_else(PoisonError::into_inner).send(job).is_ok()
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_pass_through_and_a_cancel_stops_the_wait_on_a_stalled_operation() {
        let io = ShareIo::default();
        assert_eq!(io.run(Path::new("/x"), || Ok(41 + 1)).unwrap(), 42);
        let cancel = Arc::new(AtomicBool::new(false));
        let stall = Arc::new(AtomicBool::new(true));
        let io = ShareIo { cancel: Some(cancel.clone()), stall: Some(stall.clone()) };
        let c = cancel.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            c.store(true, Ordering::SeqCst);
        });
        let start = Instant::now();
        assert!(matches!(io.run(Path::new("/x"), || Ok(())), Err(Error::Cancelled)));
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
        t.join().unwrap();
        // The stalled job is still in the thread; once it returns, its answer is dropped and
        // the next operation runs normally.
        stall.store(false, Ordering::SeqCst);
        assert_eq!(ShareIo::default().run(Path::new("/x"), || Ok("after")).unwrap(), "after");
    }
}
