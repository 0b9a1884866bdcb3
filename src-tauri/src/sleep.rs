//! Lock before the computer sleeps. The app holds a logind "delay" sleep inhibitor
//! (`org.freedesktop.login1.Manager.Inhibit("sleep", …, "delay")`); when logind announces
//! `PrepareForSleep(true)`, it locks (never waiting for a command: `AppState::lock`), waits at
//! most [`KEYS_GONE`] for the session to be dropped, then lets go of the inhibitor so the
//! machine sleeps — within logind's default `InhibitDelayMaxSec` of 5 s. After resume it takes a
//! new inhibitor. Without a system bus or logind, nothing happens here, and the resume-gap check
//! of `session::spawn_auto_lock` still locks on wake.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dbus::arg::OwnedFd;
use dbus::blocking::Connection;
use dbus::message::MatchRule;
use tauri::{AppHandle, Emitter, Manager};

use crate::session::AppState;

/// How long the machine's sleep waits for the session's keys to be dropped.
const KEYS_GONE: Duration = Duration::from_secs(3);

pub fn spawn(app: AppHandle) {
    let _ = std::thread::Builder::new().name("casebook-sleep-lock".into()).spawn(move || {
        let Ok(conn) = Connection::new_system() else { return };
        let _ = watch(&conn, move || {
            let state = app.state::<AppState>();
            if state.lock() {
                let _ = app.emit("vault-locked", serde_json::json!({ "reason": "suspend" }));
            }
            let start = Instant::now();
            while !state.is_closed() && start.elapsed() < KEYS_GONE {
                std::thread::sleep(Duration::from_millis(20));
            }
        });
    });
}

/// Holds a sleep inhibitor on `conn` and runs `before_sleep` each time the machine is about to
/// sleep, releasing the inhibitor only after it returned. Returns when the bus goes away.
pub fn watch(conn: &Connection, before_sleep: impl Fn() + Send + 'static) -> Result<(), dbus::Error> {
    // Listen first, then take the inhibitor, so that no announcement falls in between.
    let held: Arc<Mutex<Option<OwnedFd>>> = Arc::new(Mutex::new(None));
    let h = held.clone();
    let rule = MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
    conn.add_match(rule, move |(starting,): (bool,), c: &Connection, _| {
        let mut fd = h.lock().unwrap_or_else(PoisonError::into_inner);
        if starting {
            before_sleep();
            fd.take(); // closing the descriptor lets the sleep go on
        } else if fd.is_none() {
            *fd = inhibit(c);
        }
        true
    })?;
    let first = inhibit(conn);
    *held.lock().unwrap_or_else(PoisonError::into_inner) = first;
    loop {
        conn.process(Duration::from_secs(60))?;
    }
}

fn inhibit(conn: &Connection) -> Option<OwnedFd> {
    let proxy = conn.with_proxy("org.freedesktop.login1", "/org/freedesktop/login1", Duration::from_secs(5));
    let (fd,): (OwnedFd,) = proxy
        .method_call(
            "org.freedesktop.login1.Manager",
            "Inhibit",
            ("sleep", "Casebook", "Locks the vault before the computer sleeps", "delay"),
        )
        .ok()?;
    Some(fd)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read};
    use std::os::fd::FromRawFd;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc;

    use dbus::channel::{Channel, MatchingReceiver};
    use dbus::Message;

    use super::*;

    fn connect(address: &str) -> Connection {
        let mut ch = Channel::open_private(address).unwrap();
        ch.register().unwrap();
        Connection::from(ch)
    }

    /// A fake logind on a private bus: it hands out the write end of a pipe as the inhibitor
    /// and tells the test (through the read end) when the app let go of it.
    #[test]
    fn the_vault_locks_before_sleep_and_the_inhibitor_is_released_only_after() {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (Debian's dbus-daemon package, installed by scripts/setup.sh)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.trim().to_string();

        let (pipes, inhibitors) = mpsc::channel::<std::fs::File>();
        let (ready, served) = mpsc::channel::<()>();
        let (say, to_say) = mpsc::channel::<bool>();
        let addr = address.clone();
        std::thread::spawn(move || {
            let logind = connect(&addr);
            logind.request_name("org.freedesktop.login1", false, true, true).unwrap();
            logind.start_receive(
                MatchRule::new_method_call(),
                Box::new(move |msg: Message, c: &Connection| {
                    if msg.member().as_deref() == Some("Inhibit") {
                        let mut fds = [0; 2];
                        // SAFETY: `fds` has room for the two descriptors.
                        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
                        // SAFETY: fresh descriptors owned by nothing else.
                        let (read, write) = unsafe { (std::fs::File::from_raw_fd(fds[0]), OwnedFd::new(fds[1])) };
                        pipes.send(read).unwrap();
                        let _ = c.channel().send(msg.method_return().append1(write));
                    }
                    true
                }),
            );
            ready.send(()).unwrap();
            loop {
                logind.process(Duration::from_millis(20)).unwrap();
                if let Ok(starting) = to_say.try_recv() {
                    let signal = Message::new_signal(
                        "/org/freedesktop/login1",
                        "org.freedesktop.login1.Manager",
                        "PrepareForSleep",
                    )
                    .unwrap()
                    .append1(starting);
                    logind.channel().send(signal).unwrap();
                }
            }
        });
        served.recv().unwrap();

        let locked = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicUsize::new(0));
        let (l, n, addr) = (locked.clone(), calls.clone(), address.clone());
        std::thread::spawn(move || {
            let app = connect(&addr);
            let _ = watch(&app, move || {
                n.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200)); // dropping the session takes a moment
                l.store(true, Ordering::SeqCst);
            });
        });
        let mut first = inhibitors.recv_timeout(Duration::from_secs(5)).expect("an inhibitor is taken at start");
        say.send(true).unwrap();
        // EOF on the read end: the app closed its inhibitor, and only after locking (bounded:
        // a test that waits for ever is no test).
        let (eof, released) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1];
            let _ = eof.send(first.read(&mut buf).map(|n| n == 0).unwrap_or(false));
        });
        assert!(released.recv_timeout(Duration::from_secs(5)).expect("released within logind's 5 s"));
        assert!(locked.load(Ordering::SeqCst), "released before the vault was locked");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Woken up: a new inhibitor for the next sleep.
        say.send(false).unwrap();
        let second = inhibitors.recv_timeout(Duration::from_secs(5)).expect("a new inhibitor after resume");
        drop(second);
        let _ = daemon.kill();
        let _ = daemon.wait();
    }
}
