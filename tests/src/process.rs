//! Processes the suites start, each in its own group: stopped on drop, by [`stop_all`] or on a panic.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository's root folder.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A child process started in its own process group, so that it and everything it spawns
/// (wrangler → workerd, chromedriver → chromium) can be stopped together.
pub(crate) struct Group {
    child: Child,
    name: &'static str,
}

/// Process groups started and not yet stopped: what [`stop_all`] stops when a panic cannot
/// unwind (the benchmark binary is built with `panic = "abort"`, which runs no `Drop`).
static LIVE_GROUPS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Stops every server this process started and has not stopped yet.
pub fn stop_all() {
    let groups = LIVE_GROUPS.lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default();
    for id in groups {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{id}")]).stderr(Stdio::null()).status();
    }
}

/// Makes a panic stop this process's servers first (for binaries that abort on panic).
pub fn stop_servers_on_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        stop_all();
        default(info);
    }));
}

impl Group {
    pub(crate) fn spawn(name: &'static str, cmd: &mut Command) -> Group {
        cmd.process_group(0).stdin(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e} (run `make test`, which installs it)"));
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.push(child.id());
        }
        Group { child, name }
    }

    pub(crate) fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub(crate) fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (children that ignored TERM) goes too.
        self.signal("-KILL");
        let _ = self.child.wait();
        if let Ok(mut live) = LIVE_GROUPS.lock() {
            live.retain(|id| *id != self.child.id());
        }
        let _ = self.name;
    }
}
