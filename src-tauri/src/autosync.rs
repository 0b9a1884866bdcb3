//! Sync by itself while unlocked: a thread that looks at the share every few seconds and syncs
//! when the policy of `casebook::sync::auto` says so, telling the UI with the `sync-finished`
//! event. It never holds the session while a command does (it skips that look), it is not user
//! activity (auto-lock still comes), and a share that stops answering costs it nothing but a
//! skipped look: share IO runs on the core's IO thread, and lock cancels a sync in flight.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use casebook::store::Store;
use casebook::sync::auto::{AutoSync, Due, LOOK_MS};
use casebook::sync::engine::{self, SyncReport};

use crate::ipc_error::IpcError;
use crate::session::AppState;

/// The `sync-finished` event (also sent after "Sync now" by the UI itself, not by this).
#[derive(Serialize)]
struct Finished {
    automatic: bool,
    report: Option<SyncReport>,
    error: Option<IpcError>,
}

pub fn spawn(app: AppHandle) {
    // Without the thread (it failed to start), the app still syncs with "Sync now".
    let _ = std::thread::Builder::new().name("casebook-autosync".into()).spawn(move || {
        let mut schedule = AutoSync::default();
        loop {
            std::thread::sleep(Duration::from_millis(LOOK_MS));
            let state = app.state::<AppState>();
            let (enabled, minutes) =
                state.settings.lock().map(|s| (s.auto_sync, s.publish_minutes)).unwrap_or((false, 15));
            if !enabled || !state.is_unlocked() {
                // A new session (or turning it on) starts with a catch-up sync.
                schedule = AutoSync::default();
                continue;
            }
            let every_ms = u64::from(minutes) * 60_000;
            let idle_ms = state.last_activity.lock().map(|t| t.elapsed().as_millis() as u64).unwrap_or(0);
            let outcome = state.try_with_session(|s| Ok(look(&mut s.store, &mut schedule, idle_ms, every_ms)));
            let finished = match outcome {
                None | Some(Ok(None)) => continue,
                Some(Ok(Some(Ok(report)))) => Finished { automatic: true, report: Some(report), error: None },
                Some(Ok(Some(Err(e)))) => Finished { automatic: true, report: None, error: Some(e.into()) },
                Some(Err(_locked)) => continue,
            };
            let _ = app.emit("sync-finished", serde_json::to_value(&finished).unwrap_or_default());
        }
    });
}

/// One look: `None` when nothing was due (or the vault has no share).
fn look(
    store: &mut Store,
    schedule: &mut AutoSync,
    idle_ms: u64,
    every_ms: u64,
) -> Option<casebook::Result<SyncReport>> {
    let unsent = engine::has_unsent(store).ok()?; // an error here: no share attached
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let listing = engine::share_listing(store).ok();
    let due = schedule.due(now, listing, unsent, idle_ms, every_ms);
    if due == Due::Nothing {
        return None;
    }
    let publish = due == Due::Publish;
    let result = engine::sync_with(store, publish);
    schedule.ran(now, engine::share_listing(store).ok(), publish && result.is_ok());
    Some(result)
}
