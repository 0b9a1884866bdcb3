//! App settings that are not secret (language, auto-lock minutes), kept as JSON in the app's
//! config folder so the unlock screen can use them before the vault is open.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The settings the UI reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: String,
    pub auto_lock_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { language: "en".into(), auto_lock_minutes: 5 }
    }
}

impl Settings {
    /// Checks the values, naming the bad one.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if !["en", "ru"].contains(&self.language.as_str()) {
            return Err(("language", format!("`{}` is not a supported language (en, ru)", self.language)));
        }
        if !(1..=120).contains(&self.auto_lock_minutes) {
            return Err(("autoLockMinutes", "auto-lock must be between 1 and 120 minutes".into()));
        }
        Ok(())
    }

    /// Reads the settings file; a missing or unreadable one gives the defaults.
    pub fn load(path: &Path) -> Settings {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
            .filter(|s| s.check().is_ok())
            .unwrap_or_default()
    }

    /// Writes the settings file atomically.
    pub fn save(&self, path: &Path) -> casebook::Result<()> {
        let dir: PathBuf = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)
            .map_err(|e| casebook::Error::io(format!("could not create {}", dir.display()), e))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("settings.json");
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        casebook::vault::write_atomically(&dir, name, &bytes)
    }
}
