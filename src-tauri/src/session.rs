//! The session: the unlocked vault and its store, held only while unlocked. Locking drops
//! both, which zeroizes the data key and closes the database (SQLCipher wipes its memory).
//! A watcher thread locks after the idle time set in the settings and after a system suspend.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter, Manager};

use casebook::store::Store;

use crate::ipc_error::{IpcError, IpcResult};
use crate::settings::Settings;

/// An unlocked vault: its open store and its id. The vault's data key is dropped (zeroized) as
/// soon as the store is open; SQLCipher keeps its own copy of the database key until lock.
pub struct Session {
    pub store: Store,
    /// The vault's id (`Vault::id()`, a UUID as text): export bundles name the vault they came from.
    pub vault_id: String,
}

/// Everything the commands share.
pub struct AppState {
    pub vault_dir: PathBuf,
    pub settings_path: PathBuf,
    pub session: Mutex<Option<Session>>,
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
            settings: Mutex::new(settings),
            last_activity: Mutex::new(Instant::now()),
        })
    }

    /// Runs `f` with the open session, or fails with `locked`.
    pub fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> casebook::Result<T>) -> IpcResult<T> {
        self.touch();
        let mut guard = self.session.lock().map_err(|_| IpcError::locked())?;
        let session = guard.as_mut().ok_or_else(IpcError::locked)?;
        Ok(f(session)?)
    }

    /// Records user activity (for auto-lock).
    pub fn touch(&self) {
        if let Ok(mut t) = self.last_activity.lock() {
            *t = Instant::now();
        }
    }

    /// Drops the session: keys wiped, database closed. Returns whether it was open.
    pub fn lock(&self) -> bool {
        let taken = self.session.lock().ok().and_then(|mut g| g.take());
        taken.is_some()
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
