//! The server under load: the real `otd serve`, started as a child process of this binary, so
//! that its memory is its own and the load generator is a client like any other.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `otd serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
}

impl Server {
    /// Starts `otd serve` on a free loopback port over the SQLite store in `data`, with a
    /// simulated clock and `secret` for signing tokens, and waits until it answers `/healthz`.
    pub async fn start(data: &Path, secret: &str, clock: &str) -> Result<Server, String> {
        Server::start_with(data, secret, clock, &[], &[]).await
    }

    /// Starts `otd serve` like [`Server::start`] with `args` added to its command line (e.g.
    /// another backend) and `envs` to its environment; its log goes to `bench-server.log` in
    /// `data`.
    pub async fn start_with(
        data: &Path,
        secret: &str,
        clock: &str,
        args: &[String],
        envs: &[(&str, String)],
    ) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find otd itself: {e}"))?;
        let address = free_port()?;
        let log = std::fs::File::create(data.join("bench-server.log"))
            .map_err(|e| format!("cannot create the server log in {}: {e}", data.display()))?;
        let child = Command::new(exe)
            .args(["serve", "--listen", &address.to_string(), "--clock", clock])
            .arg("--data")
            .arg(data)
            .args(args)
            .env("OTD_JWT_SECRET", secret)
            .env("OTD_BACKEND", "sqlite")
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start otd serve: {e}"))?;
        let server = Server { child, address };
        server.wait_until_up(Duration::from_secs(30)).await?;
        Ok(server)
    }

    async fn wait_until_up(&self, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        let mut interval = tokio::time::interval(Duration::from_millis(50));
        loop {
            interval.tick().await;
            if tokio::net::TcpStream::connect(self.address).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "otd serve did not listen on {} in time",
                    self.address
                ));
            }
        }
    }

    /// The server's peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.child.id(), "VmHWM:")
    }

    /// The server's resident memory now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.child.id(), "VmRSS:")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<SocketAddr, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on loopback: {e}"))?;
    listener
        .local_addr()
        .map_err(|e| format!("no free port on loopback: {e}"))
}

/// A `kB` field of `/proc/PID/status` (Linux).
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}
