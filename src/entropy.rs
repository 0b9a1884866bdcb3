//! Injected time, randomness and fault points.
//!
//! Core code never calls `SystemTime::now()` or the OS RNG directly: it takes a [`Clock`] and an
//! [`Entropy`], so tests and sync runs are deterministic; tests make named operations fail
//! through [`Faults`]. Nothing here does file IO.

/// Wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }
}

/// A clock that returns a fixed time, advanced by hand (tests).
#[derive(Debug, Default)]
pub struct FixedClock(std::sync::atomic::AtomicU64);

impl FixedClock {
    /// A clock stopped at `ms`.
    pub fn new(ms: u64) -> Self {
        FixedClock(std::sync::atomic::AtomicU64::new(ms))
    }
    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
    /// Sets the clock (may go backwards, as real clocks do).
    pub fn set(&self, ms: u64) {
        self.0.store(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A source of random bytes. Production code uses [`OsEntropy`]; keys are only ever made from it.
pub trait Entropy: Send {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]);
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        // The OS RNG failing is not recoverable and must never yield predictable keys.
        getrandom::fill(buf).expect("the operating system's random number generator failed");
    }
}

/// A deterministic generator for tests and benchmarks (SplitMix64). Never used for keys in
/// production paths: the CLI and the app always pass [`OsEntropy`].
#[derive(Debug, Clone)]
pub struct SeededEntropy(u64);

impl SeededEntropy {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededEntropy(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Injected fault points: named places in the core where a test makes an operation fail as a
/// full disk or a dead drive would. Production code installs [`NoFaults`].
pub trait Faults: Send {
    /// Whether the operation at `point` fails this time.
    fn fails(&self, point: &str) -> bool;
    /// The core reached the crash point `point` (between two durable steps); a crash test's
    /// implementation ends the process there, as a power cut would.
    fn reached(&self, _point: &str) {}
}

/// Ends the process at one crash point (`casebook` installs it for crash tests when
/// `CASEBOOK_CRASH_AT` names the point; nothing in the library reads the environment).
#[derive(Debug, Clone)]
pub struct CrashAt(pub String);

impl Faults for CrashAt {
    fn fails(&self, _point: &str) -> bool {
        false
    }
    fn reached(&self, point: &str) {
        if point == self.0 {
            std::process::abort();
        }
    }
}

/// No faults (production).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFaults;

impl Faults for NoFaults {
    fn fails(&self, _point: &str) -> bool {
        false
    }
}

/// Fails the named points while armed (tests): `FaultSwitch::new(&["apply-delta"])`.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch {
    armed: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FaultSwitch {
    /// A switch armed at `points`.
    pub fn new(points: &[&str]) -> Self {
        FaultSwitch {
            armed: std::sync::Arc::new(std::sync::Mutex::new(points.iter().map(|p| p.to_string()).collect())),
        }
    }
    /// Disarms every point (the disk has room again).
    pub fn clear(&self) {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Faults for FaultSwitch {
    fn fails(&self, point: &str) -> bool {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|p| p == point)
    }
}
