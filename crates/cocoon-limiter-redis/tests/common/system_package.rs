//! The real programs the tests start beside the SDK (`redis-server`, `tmux`), provided the way a
//! team's own machine has them: from the system's packages. When one is missing and this
//! process may install packages (root, or `sudo` without a password, on a system with
//! `apt-get`), it is installed once with `apt-get`, so `cargo test --workspace` needs nothing
//! installed by hand; otherwise, or with `COCOONMAIL_TEST_NO_INSTALL=1`, the caller fails and
//! says how to install it. Never a silent skip. Standard library only, so any target can include
//! this file with `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

/// Makes sure `program` is on `PATH`, installing the Debian package `package` when it is not
/// and this process may; `Err` says why it is still missing and how to install it.
pub fn ensure(program: &str, package: &str) -> Result<(), String> {
    // One install at a time in this process; apt itself waits for other processes' locks.
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _turn = INSTALLING.lock().unwrap_or_else(PoisonError::into_inner);
    if on_path(program).is_some() {
        return Ok(());
    }
    let how = format!(
        "`{program}` is not installed (not on PATH), and these tests start a real one: install \
         it with `sudo apt-get install -y {package}` (Debian/Ubuntu) or your platform's \
         package, then run the tests again"
    );
    if std::env::var_os("COCOONMAIL_TEST_NO_INSTALL").is_some() {
        return Err(how);
    }
    let Some(sudo) = may_install() else {
        return Err(how);
    };
    if on_path("apt-get").is_none() {
        return Err(how);
    }
    eprintln!("installing {package} with apt-get: the tests start a real `{program}`");
    if !apt_get(sudo, &["install", "-y", "-q", package]) {
        // A fresh machine may have no package lists yet.
        apt_get(sudo, &["update", "-q"]);
        apt_get(sudo, &["install", "-y", "-q", package]);
    }
    match on_path(program) {
        Some(_) => Ok(()),
        None => Err(format!("{how} (installing it with apt-get did not work)")),
    }
}

/// Where `program` is on `PATH`.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// `Some(false)` when running as root, `Some(true)` when `sudo` works without a password,
/// `None` when packages cannot be installed from here.
fn may_install() -> Option<bool> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        return Some(false);
    }
    let sudo = Command::new("sudo")
        .args(["-n", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    sudo.success().then_some(true)
}

/// Runs `apt-get` with `args` (through `sudo -n` when `sudo`), waiting up to five minutes for
/// another apt to finish; whether it succeeded.
fn apt_get(sudo: bool, args: &[&str]) -> bool {
    let mut command = if sudo {
        let mut command = Command::new("sudo");
        command.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        command
    } else {
        let mut command = Command::new("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    command
        .args(["-o", "DPkg::Lock::Timeout=300"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .is_ok_and(|status| status.success())
}
