//! `wrangler dev` serving the built product: started, seeded, crashed and restarted, its logs.

use crate::process::{free_port, root, Group};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// `wrangler dev` serving the built product, with the demo site seeded.
pub struct Edge {
    pub base: String,
    /// The demo site's dashboard token (from edge/.dev.vars).
    pub demo_token: String,
    pub admin_token: String,
    /// The demo site's Twilio auth token: webhooks are signed with it.
    pub twilio_token: String,
    state: PathBuf,
    log: PathBuf,
    /// `--var` arguments, kept for a restart.
    vars: Vec<String>,
    process: Option<Group>,
}

/// `edge/wrangler.toml` without its `[build]` section, for the suites: the product is built
/// before they run, and wrangler dev's watcher must not rebuild and restart the worker in the
/// middle of a test when a source file's time changes. Written beside the original (paths in
/// it are relative), under a name git ignores; atomically, as suites start in parallel.
fn test_config() -> PathBuf {
    static WRITTEN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WRITTEN.get_or_init(write_test_config).clone()
}

fn write_test_config() -> PathBuf {
    let edge = root().join("edge");
    let original = std::fs::read_to_string(edge.join("wrangler.toml")).expect("edge/wrangler.toml");
    let mut in_build = false;
    let kept: Vec<&str> = original
        .lines()
        .filter(|line| {
            let t = line.trim();
            if t.starts_with('[') {
                in_build = t == "[build]";
            }
            !in_build
        })
        .collect();
    let path = edge.join(".wrangler-test.toml");
    let tmp = edge.join(format!(".wrangler-test.toml.{}", std::process::id()));
    std::fs::write(&tmp, kept.join("\n")).expect("write the suites' wrangler config");
    std::fs::rename(&tmp, &path).expect("place the suites' wrangler config");
    path
}

/// `--var` arguments: signatures checked whatever a developer's .dev.vars says, CRM retries
/// quick, no proxy settings; then `overrides`.
fn worker_vars(overrides: &[(&str, &str)]) -> Vec<String> {
    let mut vars = vec![
        ("TWILIO_SIGNATURES", "on"),
        ("WEBHOOK_RETRY_BASE_MS", "300"),
        ("PUBLIC_URL", ""),
        ("TRUST_FORWARDED_HEADERS", "off"),
        ("BENCH_ROUTES", "off"),
    ];
    for (k, v) in overrides {
        vars.retain(|(name, _)| name != k);
        vars.push((k, v));
    }
    vars.iter().flat_map(|(k, v)| ["--var".to_string(), format!("{k}:{v}")]).collect()
}

fn dev_var(name: &str) -> String {
    let vars = std::fs::read_to_string(root().join("edge/.dev.vars"))
        .expect("edge/.dev.vars exists (scripts/setup.sh creates it)");
    vars.lines()
        .find_map(|l| l.trim().strip_prefix(name)?.strip_prefix('=').map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("{name} is set in edge/.dev.vars"))
}

impl Edge {
    /// Starts wrangler dev on a free port with fresh local storage and seeds the demo site.
    pub async fn start() -> Edge {
        Edge::start_with(&[]).await
    }

    /// Like [`Edge::start`], with worker variables set (`("PUBLIC_URL", "https://…")`).
    /// A start that fails (another process took the free port between our check and
    /// wrangler's bind, with many suites starting at once) is tried again on a new port.
    pub async fn start_with(vars: &[(&str, &str)]) -> Edge {
        let mut attempt = 1;
        loop {
            let mut edge = Edge::spawn(vars);
            if edge.wait_healthy().await {
                edge.seed_demo();
                return edge;
            }
            if attempt == 3 {
                panic!("wrangler dev did not become healthy; its log:\n{}", edge.log_tail());
            }
            eprintln!(
                "wrangler dev did not start (attempt {attempt}); trying another port:\n{}",
                edge.log_tail()
            );
            drop(edge);
            attempt += 1;
        }
    }

    fn spawn(vars: &[(&str, &str)]) -> Edge {
        let root = root();
        assert!(
            root.join("edge/build/index.js").exists() && root.join("dist/widget.js").exists(),
            "the product is not built: run `make test`, which builds it first"
        );
        let port = free_port();
        let unique = format!("{}-{port}", std::process::id());
        let mut edge = Edge {
            base: format!("http://127.0.0.1:{port}"),
            demo_token: dev_var("DEMO_API_TOKEN"),
            admin_token: dev_var("ADMIN_TOKEN"),
            twilio_token: dev_var("DEMO_TWILIO_AUTH_TOKEN"),
            state: std::env::temp_dir().join(format!("ringtrace-state-{unique}")),
            log: std::env::temp_dir().join(format!("ringtrace-wrangler-{unique}.log")),
            vars: worker_vars(vars),
            process: None,
        };
        edge.launch(port);
        edge
    }

    /// Starts `wrangler dev` on `port` over this edge's state folder, appending to its log.
    fn launch(&mut self, port: u16) {
        let log_file =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("open wrangler log");
        let mut cmd = Command::new(root().join("node_modules/.bin/wrangler"));
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .arg("--config")
            .arg(test_config())
            .args(["--inspector-port", &free_port().to_string()])
            .arg("--persist-to")
            .arg(&self.state)
            .arg("--show-interactive-dev-session=false")
            .args(&self.vars)
            .current_dir(root().join("edge"))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdout(log_file.try_clone().expect("clone log handle"))
            .stderr(log_file);
        self.base = format!("http://127.0.0.1:{port}");
        self.process = Some(Group::spawn("wrangler dev", &mut cmd));
    }

    /// Kills `wrangler dev` and its workerd at once (`SIGKILL`, as a crash or a lost machine
    /// would), then starts it again over the same stored state, on the same port if it is
    /// free. Requests in flight meanwhile fail.
    pub async fn crash_and_restart(&mut self) {
        self.crash_edit_restart(|_| {}).await;
    }

    /// [`Edge::crash_and_restart`], with `edit` run on the stored state's folder while the
    /// edge is down (a test rewrites what an older version stored, say).
    pub async fn crash_edit_restart(&mut self, edit: impl FnOnce(&std::path::Path)) {
        if let Some(process) = self.process.take() {
            process.signal("-KILL");
            drop(process);
        }
        edit(&self.state);
        let mut port: u16 =
            self.base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(free_port);
        for attempt in 1..=3 {
            self.launch(port);
            if self.wait_healthy().await {
                return;
            }
            eprintln!("wrangler dev did not restart (attempt {attempt}):\n{}", self.log_tail());
            drop(self.process.take());
            port = free_port();
        }
        panic!("wrangler dev did not restart; its log:\n{}", self.log_tail());
    }

    /// Seeds the demo site as `make dev` does (`scripts/seed-demo.mjs`); again keeps its data.
    pub fn seed_demo(&self) {
        let seeded = Command::new("node")
            .arg(root().join("scripts/seed-demo.mjs"))
            .arg(&self.base)
            .output()
            .expect("run node scripts/seed-demo.mjs");
        assert!(seeded.status.success(), "seeding failed: {}", String::from_utf8_lossy(&seeded.stderr));
    }

    /// Imports `count` calls spread over 30 days into `site` (`scripts/seed-calls.mjs`, from
    /// `seed`: the same calls every run); what it printed (`{imported, skipped}`).
    pub fn import_calls(&self, site: &str, token: &str, count: u32, seed: u32) -> serde_json::Value {
        let out = Command::new("node")
            .arg(root().join("scripts/seed-calls.mjs"))
            .args([&self.base, site, token, &count.to_string(), "30", &seed.to_string()])
            .output()
            .expect("run node scripts/seed-calls.mjs");
        assert!(out.status.success(), "seeding {site} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("seed-calls prints JSON")
    }

    /// Whether `/v1/health` answered before wrangler exited or two minutes passed.
    async fn wait_healthy(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(120);
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{}/v1/health", self.base)).send().await {
                if r.status().is_success() {
                    return true;
                }
            }
            let alive = self.process.as_mut().is_some_and(Group::running);
            if !alive || Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The end of wrangler's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Everything wrangler and the worker logged so far.
    pub fn log_tail_all(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The keys of the local Workers KV namespace that start with `prefix`, read from the
    /// SQLite file wrangler dev keeps them in (Python's `sqlite3`): what the product wrote to
    /// KV, which no endpoint shows.
    pub fn kv_keys(&self, prefix: &str) -> Vec<String> {
        const LIST: &str = r#"
import glob, sqlite3, sys
for path in glob.glob(sys.argv[1] + "/v3/kv/*/*.sqlite"):
    db = sqlite3.connect(path)
    if db.execute("SELECT count(*) FROM sqlite_master WHERE name = '_mf_entries'").fetchone()[0]:
        for (key,) in db.execute("SELECT key FROM _mf_entries WHERE substr(key, 1, length(?)) = ?", (sys.argv[2], sys.argv[2])):
            print(key)
"#;
        let out = Command::new("python3")
            .args(["-c", LIST])
            .arg(&self.state)
            .arg(prefix)
            .output()
            .expect("run python3");
        assert!(out.status.success(), "listing KV keys: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
    }

    /// How many site Durable Objects have storage on disk (one SQLite file each).
    pub fn stored_site_objects(&self) -> usize {
        let dir = self.state.join("v3/do/ringtrace-SiteObject");
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.ends_with(".sqlite") && name != "metadata.sqlite"
                    })
                    .count()
            })
            .unwrap_or(0)
    }

    /// The demo site's setup as `make dev` seeds it (edge/demo/site.json with its token), to
    /// change and `put_site` again.
    pub fn demo_setup(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(root().join("edge/demo/site.json")).expect("edge/demo/site.json");
        let mut site: serde_json::Value = serde_json::from_str(&text).expect("site.json is JSON");
        site["api_token"] = serde_json::json!(self.demo_token);
        site
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        drop(self.process.take());
        let _ = std::fs::remove_dir_all(&self.state);
        let _ = std::fs::remove_file(&self.log);
    }
}
