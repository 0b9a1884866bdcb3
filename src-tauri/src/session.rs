//! The session: the unlocked vault and its store, held only while unlocked. Locking drops
//! both, which zeroizes the data key and closes the database (SQLCipher wipes its memory).
//! A watcher thread locks after the idle time set in the settings and after a system suspend.
//!
//! Lock never waits for a command. When one holds the session (a sync on a slow share), lock
//! marks the session closed at once (every later command answers `locked`, the UI clears the
//! screen) and cancels it: its waits for the share end at once (share IO runs on a thread that
//! holds only paths and ciphertext, `casebook::sync::share_io`), the SQL statement in flight is
//! interrupted (its transaction rolls back), and the thread of that command drops the session
//! the moment it returns — within a second even when the share never answers. A command that panics drops the
//! session too, and a poisoned lock still locks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter, Manager};

use casebook::store::{CancelHandle, Store};

use crate::ipc_error::{IpcError, IpcResult};
use crate::settings::Settings;

/// An unlocked vault: its open store and its id. The vault's data key is dropped (zeroized) as
/// soon as the store is open; SQLCipher keeps its own copy of the database key until lock.
pub struct Session {
    pub store: Store,
    /// The vault's id (`Vault::id()`, a UUID as text): export bundles name the vault they came from.
    pub vault_id: String,
    /// The bundle the last import preview decrypted and the plan it showed: an import applies
    /// exactly these (no second decryption; refused if the file or the vault changed since).
    /// Gone at lock.
    pub previewed: Option<(casebook::export::Bundle, casebook::export::ImportPlan)>,
}

/// Everything the commands share.
pub struct AppState {
    pub vault_dir: PathBuf,
    pub settings_path: PathBuf,
    session: Mutex<Option<Session>>,
    /// Set by a lock that found the session in use: the command holding it drops it on return.
    closing: AtomicBool,
    /// Stops the open session's work from the lock path (never blocks on the session): its
    /// waits for the share end, its SQL is interrupted.
    interrupt: Mutex<Option<CancelHandle>>,
    pub settings: Mutex<Settings>,
    pub last_activity: Mutex<Instant>,
}

impl AppState {
    /// State for the vault at `$CASEBOOK_VAULT` or the platform data folder (shared with the
    /// CLI) and settings in the app's config folder.
    pub fn new(app: &AppHandle) -> Result<AppState, Box<dyn std::error::Error>> {
        let vault_dir = casebook::vault::default_dir()?;
        let settings_path = match std::env::var_os("CASEBOOK_CONFIG_DIR") {
            Some(dir) => PathBuf::from(dir).join("settings.json"),
            None => app.path().app_config_dir()?.join("settings.json"),
        };
        let settings = Settings::load(&settings_path);
        Ok(AppState {
            vault_dir,
            settings_path,
            session: Mutex::new(None),
            closing: AtomicBool::new(false),
            interrupt: Mutex::new(None),
            settings: Mutex::new(settings),
            last_activity: Mutex::new(Instant::now()),
        })
    }

    /// Runs `f` with the open session, or fails with `locked`. If a lock came while `f` ran,
    /// the session is dropped as soon as `f` returns; if `f` panics, it is dropped too.
    pub fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> casebook::Result<T>) -> IpcResult<T> {
        self.touch();
        let guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        self.run(guard, f)
    }

    /// As [`AppState::with_session`] for work the user did not ask for (automatic sync): does
    /// not count as activity for auto-lock, and gives `None` at once when a command holds the
    /// session.
    pub fn try_with_session<T>(&self, f: impl FnOnce(&mut Session) -> casebook::Result<T>) -> Option<IpcResult<T>> {
        let guard = match self.session.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(self.run(guard, f))
    }

    fn run<T>(
        &self,
        mut guard: std::sync::MutexGuard<'_, Option<Session>>,
        f: impl FnOnce(&mut Session) -> casebook::Result<T>,
    ) -> IpcResult<T> {
        if self.closing.load(Ordering::SeqCst) {
            drop(guard.take());
            return Err(IpcError::locked());
        }
        let session = guard.as_mut().ok_or_else(IpcError::locked)?;
        let out = catch_unwind(AssertUnwindSafe(|| f(session)));
        if out.is_err() || self.closing.load(Ordering::SeqCst) {
            drop(guard.take());
            *self.interrupt.lock().unwrap_or_else(PoisonError::into_inner) = None;
            return Err(IpcError::locked());
        }
        Ok(out.expect("checked")?)
    }

    /// Whether a vault is unlocked (never waits for a command in flight).
    pub fn is_unlocked(&self) -> bool {
        match self.session.try_lock() {
            Ok(g) => g.is_some(),
            Err(TryLockError::Poisoned(p)) => p.into_inner().is_some(),
            Err(TryLockError::WouldBlock) => !self.closing.load(Ordering::SeqCst),
        }
    }

    /// Whether no session is open any more (keys dropped), without waiting for a command.
    pub fn is_closed(&self) -> bool {
        match self.session.try_lock() {
            Ok(g) => g.is_none(),
            Err(TryLockError::Poisoned(p)) => p.into_inner().is_none(),
            Err(TryLockError::WouldBlock) => false,
        }
    }

    /// Installs a freshly unlocked session. Fails while a locked session is still closing (a
    /// command that held it when the vault was locked, such as a sync on a share that does not
    /// answer, has not returned yet).
    pub fn open(&self, session: Session) -> IpcResult<()> {
        let handle = session.store.cancel_handle();
        let mut guard = match self.session.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(IpcError::closing()),
        };
        self.closing.store(false, Ordering::SeqCst);
        *guard = Some(session);
        *self.interrupt.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
        drop(guard);
        self.touch();
        Ok(())
    }

    /// Records user activity (for auto-lock).
    pub fn touch(&self) {
        if let Ok(mut t) = self.last_activity.lock() {
            *t = Instant::now();
        }
    }

    /// Locks without waiting: drops the session (keys wiped, database closed) when no command
    /// holds it; otherwise marks it closing, interrupts its SQL, and leaves the drop to the
    /// command's thread. Returns whether a session was open. With automatic sync on, the
    /// unsent edits are first sealed and queued for the share (`engine::publish_at_lock`,
    /// which never waits for the share), so they leave with the lock, quit or suspend.
    pub fn lock(&self) -> bool {
        let publish = self.settings.lock().map(|s| s.auto_sync).unwrap_or(false);
        match self.session.try_lock() {
            Ok(mut g) => {
                if let (true, Some(s)) = (publish, g.as_mut()) {
                    // A failure only means the next sync publishes them.
                    let _ = catch_unwind(AssertUnwindSafe(|| casebook::sync::engine::publish_at_lock(&mut s.store)));
                }
                let open = g.take().is_some();
                *self.interrupt.lock().unwrap_or_else(PoisonError::into_inner) = None;
                open
            }
            Err(TryLockError::Poisoned(p)) => {
                let open = p.into_inner().take().is_some();
                *self.interrupt.lock().unwrap_or_else(PoisonError::into_inner) = None;
                open
            }
            Err(TryLockError::WouldBlock) => {
                let first = !self.closing.swap(true, Ordering::SeqCst);
                if let Some(h) = self.interrupt.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
                    h.cancel();
                }
                first
            }
        }
    }
}

/// Seconds since boot including time spent suspended (Linux `CLOCK_BOOTTIME`), or None.
fn boottime_secs() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) } == 0 {
            return Some(ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9);
        }
    }
    None
}

/// Locks after the configured idle time, and after a suspend: `Instant` (monotonic) stops
/// while the machine sleeps, `CLOCK_BOOTTIME` does not, so a gap between them means the laptop
/// was suspended (lid closed, sleep) and the vault is locked before anyone can look.
pub fn spawn_auto_lock(app: AppHandle) {
    std::thread::spawn(move || {
        let mut last_mono = Instant::now();
        let mut last_boot = boottime_secs();
        loop {
            std::thread::sleep(Duration::from_secs(2));
            let state = app.state::<AppState>();
            let mono = last_mono.elapsed().as_secs_f64();
            let boot = boottime_secs();
            let suspended = matches!((last_boot, boot), (Some(a), Some(b)) if (b - a) - mono > 5.0);
            last_mono = Instant::now();
            last_boot = boot;
            let idle_limit = state.settings.lock().map(|s| s.auto_lock_minutes).unwrap_or(5);
            let idle = state.last_activity.lock().map(|t| t.elapsed()).unwrap_or_default();
            let reason = if suspended {
                Some("suspend")
            } else if idle > Duration::from_secs(u64::from(idle_limit) * 60) {
                Some("idle")
            } else {
                None
            };
            if let Some(reason) = reason {
                if state.lock() {
                    let _ = app.emit("vault-locked", serde_json::json!({ "reason": reason }));
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Arc};

    use casebook::entropy::{OsEntropy, SystemClock};
    use casebook::store::{open_connection, DbKey};
    use casebook::vault::header::DbCipher;

    use super::*;

    fn state() -> Arc<AppState> {
        Arc::new(AppState {
            vault_dir: PathBuf::new(),
            settings_path: PathBuf::new(),
            session: Mutex::new(None),
            closing: AtomicBool::new(false),
            interrupt: Mutex::new(None),
            settings: Mutex::new(Settings::default()),
            last_activity: Mutex::new(Instant::now()),
        })
    }

    /// A session on a fresh encrypted store (raw key: no KDF) in its own folder.
    fn session(name: &str) -> Session {
        let dir = std::env::temp_dir().join(format!("casebook-session-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conn = open_connection(&dir.join("casebook.db"), DbKey::Raw(&[7; 32], DbCipher::default())).unwrap();
        let store = Store::open(conn, Box::new(SystemClock), Box::new(OsEntropy)).unwrap();
        Session { store, vault_id: name.into(), previewed: None }
    }

    fn is_open(st: &AppState) -> bool {
        st.session.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    #[test]
    fn lock_never_waits_for_a_command_and_the_command_drops_the_keys() {
        let st = state();
        st.open(session("wait")).unwrap();
        let (started, running) = mpsc::channel();
        let s2 = st.clone();
        // A command stuck for 1.5 s, as a sync on a share that answers slowly.
        let cmd = std::thread::spawn(move || {
            s2.with_session(|_| {
                started.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(1500));
                Ok(())
            })
        });
        running.recv().unwrap();
        let t = Instant::now();
        assert!(st.lock());
        assert!(!st.is_unlocked());
        assert!(t.elapsed() < Duration::from_millis(100), "lock took {:?}", t.elapsed());
        assert_eq!(st.open(session("early")).unwrap_err().code, "closing", "unlock waits for the command");
        assert_eq!(cmd.join().unwrap().unwrap_err().code, "locked", "the stuck command's result is discarded");
        assert!(!is_open(&st), "the command's thread dropped the session");
        assert_eq!(st.with_session(|_| Ok(())).unwrap_err().code, "locked");
        st.open(session("again")).unwrap();
        assert!(st.is_unlocked() && st.with_session(|_| Ok(())).is_ok(), "a new unlock works normally");
    }

    #[test]
    fn lock_interrupts_the_sql_in_flight() {
        let st = state();
        st.open(session("sql")).unwrap();
        let (started, running) = mpsc::channel();
        let s2 = st.clone();
        let cmd = std::thread::spawn(move || {
            s2.with_session(|s| {
                started.send(()).unwrap();
                // Never ends by itself.
                let n: i64 = s.store.connection().query_row(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                    [],
                    |r| r.get(0),
                )?;
                Ok(n)
            })
        });
        running.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let t = Instant::now();
        assert!(st.lock());
        assert_eq!(cmd.join().unwrap().unwrap_err().code, "locked");
        assert!(t.elapsed() < Duration::from_secs(1), "closed after {:?}", t.elapsed());
        assert!(!is_open(&st));
    }

    #[test]
    fn a_command_that_panics_drops_the_session_and_a_poisoned_lock_still_locks() {
        let st = state();
        st.open(session("panic")).unwrap();
        let r = st.with_session(|_| -> casebook::Result<()> { panic!("a bug in a command") });
        assert_eq!(r.unwrap_err().code, "locked");
        assert!(!is_open(&st));
        // Poison the mutex while a session is inside, as a panic outside `with_session` would.
        st.open(session("poison")).unwrap();
        let s2 = st.clone();
        let _ = std::thread::spawn(move || {
            let _g = s2.session.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(st.session.is_poisoned());
        assert!(st.lock(), "a poisoned lock still locks");
        assert!(!is_open(&st));
    }
}
