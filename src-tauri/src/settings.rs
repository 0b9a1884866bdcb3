//! App settings that are not secret (language, auto-lock minutes, automatic sync), kept as JSON
//! in the app's config folder so the unlock screen can use them before the vault is open.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The settings the UI reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: String,
    pub auto_lock_minutes: u32,
    /// Sync by itself while unlocked (`casebook::sync::auto`). Files of older versions lack it.
    #[serde(default = "yes")]
    pub auto_sync: bool,
    /// Publish this device's edits at most every … minutes (one of `auto::PUBLISH_MINUTES`).
    #[serde(default = "default_publish")]
    pub publish_minutes: u32,
}

fn yes() -> bool {
    true
}

fn default_publish() -> u32 {
    casebook::sync::auto::DEFAULT_PUBLISH_MINUTES
}

impl Default for Settings {
    fn default() -> Self {
        Settings { language: "en".into(), auto_lock_minutes: 5, auto_sync: true, publish_minutes: default_publish() }
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
        if !casebook::sync::auto::PUBLISH_MINUTES.contains(&self.publish_minutes) {
            return Err((
                "publishMinutes",
                format!("publishing must be every {:?} minutes", casebook::sync::auto::PUBLISH_MINUTES),
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_file_of_an_older_version_syncs_automatically_every_15_minutes() {
        let old: Settings = serde_json::from_str(r#"{"language":"ru","autoLockMinutes":9}"#).unwrap();
        assert!(old.auto_sync);
        assert_eq!(old.publish_minutes, 15);
        assert!(old.check().is_ok());
    }

    #[test]
    fn only_the_offered_publishing_intervals_are_accepted() {
        for (minutes, ok) in [(5, true), (15, true), (30, true), (60, true), (0, false), (7, false), (61, false)] {
            let s = Settings { publish_minutes: minutes, ..Settings::default() };
            assert_eq!(s.check().is_ok(), ok, "{minutes}");
        }
        let bad = Settings { publish_minutes: 7, ..Settings::default() };
        assert_eq!(bad.check().unwrap_err().0, "publishMinutes");
    }
}
