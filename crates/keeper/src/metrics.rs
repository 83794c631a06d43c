//! What an operator watches: the keeper's counters in the Prometheus /
//! OpenMetrics text format (`prometheus-client`), and a health check, over
//! a minimal HTTP server (`--metrics 127.0.0.1:PORT`):
//! - `GET /metrics`: every metric below;
//! - `GET /healthz`: `200 ok` while a tick succeeded within the allowed
//!   silence, `503` with the reason otherwise.

use crate::tick::TickReport;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The keeper's metrics, updated after every tick.
pub struct Metrics {
    registry: Registry,
    ticks: Counter,
    tick_failures: Counter,
    scanned: Gauge,
    unhealthy: Gauge,
    liquidations_sent: Counter,
    liquidations_landed: Counter,
    liquidations_refused: Counter,
    resolved: Counter,
    triggers_executed: Counter,
    pnl_settled: Counter,
    adl_calls: Counter,
    funding_updates: Counter,
    rpc_errors: Counter,
    last_tick: Gauge<f64, AtomicU64>,
    scan_plan_seconds: Gauge<f64, AtomicU64>,
    tick_seconds: Gauge<f64, AtomicU64>,
    last_ok: Mutex<Option<SystemTime>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric registered, all at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ballast_keeper");
        let m = Metrics {
            registry: Registry::default(),
            ticks: Counter::default(),
            tick_failures: Counter::default(),
            scanned: Gauge::default(),
            unhealthy: Gauge::default(),
            liquidations_sent: Counter::default(),
            liquidations_landed: Counter::default(),
            liquidations_refused: Counter::default(),
            resolved: Counter::default(),
            triggers_executed: Counter::default(),
            pnl_settled: Counter::default(),
            adl_calls: Counter::default(),
            funding_updates: Counter::default(),
            rpc_errors: Counter::default(),
            last_tick: Gauge::default(),
            scan_plan_seconds: Gauge::default(),
            tick_seconds: Gauge::default(),
            last_ok: Mutex::new(None),
        };
        registry.register("ticks", "Ticks that succeeded", m.ticks.clone());
        registry.register(
            "tick_failures",
            "Ticks that failed (reading the venue or the accounts)",
            m.tick_failures.clone(),
        );
        registry.register("accounts_scanned", "Margin accounts found by the last tick's scan", m.scanned.clone());
        registry.register(
            "unhealthy_accounts",
            "Accounts with maintenance health below zero at the last tick",
            m.unhealthy.clone(),
        );
        registry.register("triggers_executed", "Trigger orders executed", m.triggers_executed.clone());
        registry.register("liquidations_sent", "Liquidation transactions sent", m.liquidations_sent.clone());
        registry.register("liquidations_landed", "Liquidate calls landed", m.liquidations_landed.clone());
        registry.register("liquidations_refused", "Liquidation transactions refused", m.liquidations_refused.clone());
        registry.register("bankruptcies_resolved", "Bankruptcies resolved down the waterfall", m.resolved.clone());
        registry.register(
            "pnl_settled",
            "settle_pnl calls landed (unsettled PnL paid or netted)",
            m.pnl_settled.clone(),
        );
        registry.register("adl_calls", "auto_deleverage calls landed", m.adl_calls.clone());
        registry.register("funding_updates", "update_funding calls landed", m.funding_updates.clone());
        registry.register(
            "rpc_errors",
            "RPC failures: transport retries, transactions given up, failed ticks",
            m.rpc_errors.clone(),
        );
        registry.register("last_tick_timestamp_seconds", "Unix time of the last successful tick", m.last_tick.clone());
        registry.register(
            "scan_plan_seconds",
            "Scan and plan duration of the last successful tick",
            m.scan_plan_seconds.clone(),
        );
        registry.register("tick_seconds", "Duration of the last tick", m.tick_seconds.clone());
        Metrics { registry, ..m }
    }

    /// Count one tick that ended with `result` after `elapsed`, at `now`.
    pub fn record(&self, result: &anyhow::Result<TickReport>, elapsed: Duration, now: SystemTime) {
        self.tick_seconds.set(elapsed.as_secs_f64());
        match result {
            Ok(r) => {
                self.ticks.inc();
                self.scanned.set(r.scanned as i64);
                self.unhealthy.set(r.unhealthy as i64);
                self.liquidations_sent.inc_by(r.liquidations_sent as u64);
                self.liquidations_landed.inc_by(r.calls as u64);
                self.liquidations_refused.inc_by(r.liquidations_refused as u64);
                self.resolved.inc_by(r.resolved as u64);
                self.triggers_executed.inc_by(r.triggers as u64);
                self.pnl_settled.inc_by(r.pnl_settled as u64);
                self.adl_calls.inc_by(r.adl_calls as u64);
                self.funding_updates.inc_by(r.funding_updates as u64);
                self.rpc_errors.inc_by(r.retries as u64 + r.failed as u64);
                self.scan_plan_seconds.set(r.scan_plan_micros as f64 / 1e6);
                self.last_tick.set(now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64());
                *self.last_ok.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
            }
            Err(_) => {
                self.tick_failures.inc();
                self.rpc_errors.inc();
            }
        }
    }

    /// The exposition text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// `Ok` while a tick succeeded within `max_silence` of `now`; the
    /// reason otherwise.
    pub fn health(&self, now: SystemTime, max_silence: Duration) -> Result<(), String> {
        let last = *self.last_ok.lock().unwrap_or_else(|e| e.into_inner());
        match last {
            None => Err("no tick has succeeded yet".into()),
            Some(t) => {
                let silent = now.duration_since(t).unwrap_or_default();
                if silent > max_silence {
                    Err(format!(
                        "no tick has succeeded for {} s (allowed {} s)",
                        silent.as_secs(),
                        max_silence.as_secs()
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Serve `/metrics` and `/healthz` on `listener` until the task is
/// dropped; one request per connection, read within 5 s.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, max_silence: Duration) {
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "metrics: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
            let n = read.ok().and_then(|r| r.ok()).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let (status, kind, body) = match path {
                "/metrics" => ("200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", metrics.text()),
                "/healthz" => match metrics.health(SystemTime::now(), max_silence) {
                    Ok(()) => ("200 OK", "text/plain", "ok\n".to_string()),
                    Err(why) => ("503 Service Unavailable", "text/plain", format!("{why}\n")),
                },
                _ => ("404 Not Found", "text/plain", "try /metrics or /healthz\n".to_string()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn metrics_and_health_are_served_over_loopback() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::new());
        let server = tokio::spawn(serve(listener, metrics.clone(), Duration::from_secs(30)));

        let health = get(addr, "/healthz").await;
        assert!(health.starts_with("HTTP/1.1 503"), "{health}");
        assert!(health.ends_with("no tick has succeeded yet\n"), "{health}");

        let report = TickReport {
            scanned: 7,
            unhealthy: 2,
            liquidations_sent: 3,
            calls: 4,
            liquidations_refused: 1,
            resolved: 1,
            pnl_settled: 5,
            adl_calls: 2,
            funding_updates: 1,
            retries: 2,
            failed: 1,
            scan_plan_micros: 250_000,
            ..TickReport::default()
        };
        let now = SystemTime::now();
        metrics.record(&Ok(report), Duration::from_millis(500), now);
        metrics.record(&Err(anyhow::anyhow!("rpc down")), Duration::from_millis(10), now);

        let body = get(addr, "/metrics").await;
        assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
        for line in [
            "ballast_keeper_ticks_total 1",
            "ballast_keeper_tick_failures_total 1",
            "ballast_keeper_accounts_scanned 7",
            "ballast_keeper_unhealthy_accounts 2",
            "ballast_keeper_liquidations_sent_total 3",
            "ballast_keeper_liquidations_landed_total 4",
            "ballast_keeper_liquidations_refused_total 1",
            "ballast_keeper_bankruptcies_resolved_total 1",
            "ballast_keeper_pnl_settled_total 5",
            "ballast_keeper_adl_calls_total 2",
            "ballast_keeper_funding_updates_total 1",
            "ballast_keeper_rpc_errors_total 4",
            "ballast_keeper_scan_plan_seconds 0.25",
            "ballast_keeper_tick_seconds 0.01",
        ] {
            assert!(body.lines().any(|l| l == line), "missing `{line}` in:\n{body}");
        }
        assert!(body.trim_end().ends_with("# EOF"), "a complete OpenMetrics message");

        let health = get(addr, "/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200 OK") && health.ends_with("ok\n"), "{health}");
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        server.abort();
    }

    #[test]
    fn health_fails_one_second_past_the_allowed_silence_and_holds_at_it() {
        let m = Metrics::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000);
        m.record(&Ok(TickReport::default()), Duration::ZERO, t0);
        let allowed = Duration::from_secs(60);
        assert_eq!(m.health(t0 + allowed, allowed), Ok(()));
        assert_eq!(
            m.health(t0 + allowed + Duration::from_secs(1), allowed),
            Err("no tick has succeeded for 61 s (allowed 60 s)".into())
        );
    }
}
