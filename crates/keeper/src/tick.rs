//! One keeper tick: refresh feeds, read the venue, plan, execute due
//! trigger orders, send liquidations in batches, resolve bankruptcies,
//! then (on the venue read again when anything was sent) settle unsettled
//! PnL and auto-deleverage, report. Transport failures are retried with
//! backoff; a refused batch is split and its accounts retried alone; a
//! tick that cannot read the venue fails as a whole and the loop goes on.

use crate::adl::{plan_pnl, PlannedAdl, PlannedSettlement};
use crate::config::Config;
use crate::plan::{plan, Plan, PlannedAccount};
use crate::scan::{load_venue, scan_accounts, Venue};
use crate::triggers::{plan_triggers, PlannedTrigger};
use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use ballast_client::backend::{Backend, BackendError, BackendResult, Landed};
use ballast_client::engine as ix;
use ballast_client::venue::scan;
use margin_engine::state::{MarginAccount, TriggerBook};
use oracle_adapter::state::PriceFeed;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use std::future::Future;
use tracing::{debug, info, warn};

/// What one tick did. Simulated amounts are those the program's own code
/// computed on copies of the accounts when the call was planned (see
/// [`crate::adl`] and [`crate::plan`]), counted for calls that landed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Slot the venue was read at.
    pub slot: u64,
    /// Margin accounts found by the scan.
    pub scanned: usize,
    /// Of those, in this keeper's shard.
    pub in_shard: usize,
    /// Accounts with maintenance health < 0.
    pub unhealthy: usize,
    /// Unhealthy accounts left for later: throttle window full.
    pub throttled: usize,
    /// Unhealthy accounts whose feeds do not allow liquidation.
    pub blocked: usize,
    /// Accounts liquidated (at least one call landed).
    pub liquidated: usize,
    /// `liquidate` calls landed.
    pub calls: usize,
    /// Notional of the landed calls, as simulated (quote units).
    pub notional: u64,
    /// Trigger orders executed.
    pub triggers: usize,
    /// Their fees, as simulated (quote units).
    pub trigger_fees: u64,
    /// Bankruptcies resolved.
    pub resolved: usize,
    /// Positions of emergency-settled markets settled.
    pub settled: usize,
    /// Feeds refreshed.
    pub refreshed: usize,
    /// Markets whose breaker the keeper cranked (a trip or release was due).
    pub breakers: usize,
    /// Transactions refused by the runtime or a program (after splitting).
    pub rejected: usize,
    /// Transactions given up after their transport retries ran out (they
    /// may still have landed; the next tick's scan sees the truth).
    pub failed: usize,
    /// Requests retried after a transport failure.
    pub retries: u32,
    /// Liquidation transactions sent (landed, refused or given up).
    pub liquidations_sent: usize,
    /// Liquidation transactions refused (after splitting).
    pub liquidations_refused: usize,
    /// `settle_pnl` calls landed (accounts owed unsettled PnL whose
    /// settlement the program accepts: it pays a share of the pool's cash
    /// or nets a deficit).
    pub pnl_settled: usize,
    /// What those calls paid from the pool into the accounts' collateral,
    /// as simulated (quote units; netting moves no tokens and adds 0).
    pub pnl_paid: u64,
    /// `auto_deleverage` calls landed.
    pub adl_calls: usize,
    /// Notional they closed, as simulated (quote units).
    pub adl_notional: u64,
    /// `update_funding` calls landed (every market's funding and borrow
    /// indexes accrued, the pool's valuation recorded).
    pub funding_updates: usize,
    /// Reading the venue and the accounts, and planning, microseconds.
    pub scan_plan_micros: u64,
}

impl std::fmt::Display for TickReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "slot {}: scanned {} ({} in shard), unhealthy {}, liquidated {} in {} calls (notional {}), \
             throttled {}, blocked {}, triggers {}, resolved {}, settled {}, pnl settled {} (paid {}), \
             auto-deleveraged {} (notional {}), funding updated {}, feeds refreshed {}, breakers cranked {}, rejected {}, \
             failed {}, retries {}",
            self.slot,
            self.scanned,
            self.in_shard,
            self.unhealthy,
            self.liquidated,
            self.calls,
            ballast_client::fmt::fmt_quote(self.notional),
            self.throttled,
            self.blocked,
            self.triggers,
            self.resolved,
            self.settled,
            self.pnl_settled,
            ballast_client::fmt::fmt_quote(self.pnl_paid),
            self.adl_calls,
            ballast_client::fmt::fmt_quote(self.adl_notional),
            self.funding_updates,
            self.refreshed,
            self.breakers,
            self.rejected,
            self.failed,
            self.retries
        )
    }
}

/// A keeper bound to a backend and a key.
pub struct Keeper<B> {
    backend: B,
    payer: Keypair,
    reward_token: Pubkey,
    config: Config,
    /// Transaction counter, folded into a compute-budget instruction so that
    /// two transactions never share a signature (a resend of the same bytes
    /// still does, which is what makes a retry idempotent).
    nonce: u32,
}

impl<B: Backend> Keeper<B> {
    /// A keeper signing with `payer`, paid into `reward_token`.
    pub fn new(backend: B, payer: Keypair, reward_token: Pubkey, config: Config) -> Keeper<B> {
        Keeper { backend, payer, reward_token, config, nonce: 0 }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Run `op` until it succeeds, fails for a reason other than transport,
    /// or runs out of retries.
    async fn retry<T, E, F, Fut>(&self, report: &mut TickReport, what: &str, mut op: F) -> Result<T, E>
    where
        E: Transient,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Err(e) if e.is_transport() && attempt < self.config.retries => {
                    let wait = self.config.backoff(attempt);
                    warn!(what, attempt, error = %e, wait_ms = wait.as_millis() as u64, "retrying");
                    report.retries += 1;
                    attempt += 1;
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                }
                other => return other,
            }
        }
    }

    fn transaction(&mut self, ixs: &[Instruction], blockhash: Hash) -> Transaction {
        self.nonce = self.nonce.wrapping_add(1);
        let limit = budget_nonce(self.nonce);
        let mut all = Vec::with_capacity(ixs.len() + 1);
        all.push(limit);
        all.extend_from_slice(ixs);
        Transaction::new_signed_with_payer(&all, Some(&self.payer.pubkey()), &[&self.payer], blockhash)
    }

    /// Send `ixs` in one transaction, retrying transport failures with the
    /// same bytes (a landed duplicate reports as landed).
    async fn send(
        &mut self,
        report: &mut TickReport,
        what: &str,
        ixs: &[Instruction],
        blockhash: Hash,
    ) -> BackendResult<Landed> {
        let tx = self.transaction(ixs, blockhash);
        report.liquidations_sent += (what == "liquidate") as usize;
        self.retry(report, what, || self.backend.send(&tx)).await
    }

    /// One tick.
    pub async fn tick(&mut self) -> Result<TickReport> {
        let mut report = TickReport::default();
        let blockhash = self.retry(&mut report, "blockhash", || self.backend.latest_blockhash()).await?;
        self.refresh_feeds(&mut report, blockhash).await;
        let started = std::time::Instant::now();
        let venue = self.retry(&mut report, "venue", || load_venue(&self.backend)).await?;
        self.update_funding(&mut report, &venue, blockhash).await;
        let accounts = self.retry(&mut report, "scan", || scan_accounts(&self.backend)).await?;
        // Transactions sent from here on change what settlement and
        // auto-deleveraging see: they are planned on a second read if any.
        let sent_before = self.nonce;
        // Trigger books: a failed scan skips this tick's triggers, never its
        // liquidations.
        let books = match self.retry(&mut report, "scan", || scan::<TriggerBook, B>(&self.backend)).await {
            Ok(books) => books,
            Err(e) => {
                warn!(error = %e, "trigger books not read; no triggers this tick");
                report.failed += 1;
                Vec::new()
            }
        };
        let keeper = self.payer.pubkey();
        let triggers = plan_triggers(&venue, &accounts, &books, &self.config, keeper, self.reward_token);
        let mut planning = started.elapsed();
        // Triggers first, one transaction each (a stop that closes a
        // position saves its holder the liquidation penalty); liquidations
        // are then planned on each account as a landed trigger left it.
        let mut after = accounts.clone();
        for t in &triggers {
            match self.send(&mut report, "execute_trigger", std::slice::from_ref(&t.call), blockhash).await {
                Ok(_) => {
                    triggered(&mut report, t);
                    if let Some(a) = after.iter_mut().find(|(k, _)| *k == t.account) {
                        a.1 = t.account_after;
                    }
                }
                Err(e) => self.refused(&mut report, "execute_trigger", &t.account, &e),
            }
        }
        let started = std::time::Instant::now();
        let p = plan(&venue, &after, &self.config, keeper, self.reward_token);
        planning += started.elapsed();
        report.scan_plan_micros = planning.as_micros() as u64;
        let Plan { in_shard, unhealthy, throttled, blocked, .. } = p;
        report = TickReport {
            slot: venue.clock.slot,
            scanned: accounts.len(),
            in_shard,
            unhealthy,
            throttled,
            blocked,
            ..report
        };
        let per_tx = self.config.accounts_per_tx;
        let keys = venue.keys();
        for batch in p.settlements.chunks(per_tx) {
            let ixs: Vec<Instruction> = batch.iter().map(|(a, m)| ix::settle_position(*a, &keys, *m)).collect();
            match self.send(&mut report, "settle_position", &ixs, blockhash).await {
                Ok(_) => report.settled += batch.len(),
                Err(e) => self.refused(&mut report, "settle_position", &batch[0].0, &e),
            }
        }
        for batch in p.liquidations.chunks(per_tx) {
            self.liquidate_batch(&mut report, batch, blockhash).await;
        }
        if !p.breakers.is_empty() {
            match self.send(&mut report, "refresh_breakers", &[ix::refresh_breakers(&p.breakers)], blockhash).await {
                Ok(_) => report.breakers = p.breakers.len(),
                Err(e) => self.refused(&mut report, "refresh_breakers", &p.breakers[0].0, &e),
            }
        }
        for account in &p.resolutions {
            match self
                .send(&mut report, "resolve_bankruptcy", &[ix::resolve_bankruptcy(*account, &keys)], blockhash)
                .await
            {
                Ok(_) => {
                    info!(%account, "bankruptcy resolved");
                    report.resolved += 1;
                }
                Err(e) => self.refused(&mut report, "resolve_bankruptcy", account, &e),
            }
        }
        let fresh = if self.nonce == sent_before { Some((venue, after)) } else { self.reread(&mut report).await };
        if let Some((venue, accounts)) = fresh {
            self.settle_and_deleverage(&mut report, &venue, &accounts, blockhash).await;
        }
        info!("{report}");
        Ok(report)
    }

    /// `update_funding` once a market's indexes are `funding_interval_slots`
    /// old: funding and borrow fees accrue between touches, and the rates
    /// follow the pool's valuation.
    async fn update_funding(&mut self, report: &mut TickReport, venue: &Venue, blockhash: Hash) {
        let slot = venue.clock.slot;
        let due = venue.markets.iter().any(|m| {
            !m.market.is_settled() && m.market.funding_slot.saturating_add(self.config.funding_interval_slots) <= slot
        });
        if !due {
            return;
        }
        let pairs = venue.market_pairs();
        match self.send(report, "update_funding", &[ix::update_funding(&pairs)], blockhash).await {
            Ok(_) => report.funding_updates += 1,
            Err(e) => self.refused(report, "update_funding", &pairs[0].0, &e),
        }
    }

    /// The venue and the accounts read again (the tick's calls changed
    /// them); `None`, counted as failed, when either read fails: no
    /// settlement or auto-deleveraging this tick.
    async fn reread(&self, report: &mut TickReport) -> Option<(Venue, Vec<(Pubkey, MarginAccount)>)> {
        let started = std::time::Instant::now();
        let read = match self.retry(report, "venue", || load_venue(&self.backend)).await {
            Ok(venue) => self.retry(report, "scan", || scan_accounts(&self.backend)).await.map(|a| (venue, a)),
            Err(e) => Err(e),
        };
        report.scan_plan_micros += started.elapsed().as_micros() as u64;
        match read {
            Ok(r) => Some(r),
            Err(e) => {
                warn!(error = %e, "venue not read again; no settlement or auto-deleveraging this tick");
                report.failed += 1;
                None
            }
        }
    }

    /// Settle unsettled PnL, then auto-deleverage while the venue is
    /// triggered (`crate::adl::plan_pnl`). Settlements go in batches of
    /// `accounts_per_tx`; each `auto_deleverage` alone (every market's
    /// `(market, feed)` rides along: two calls rarely fit a packet), in rank
    /// order, stopping at the first that does not land (the next tick
    /// plans again from what did).
    async fn settle_and_deleverage(
        &mut self,
        report: &mut TickReport,
        venue: &Venue,
        accounts: &[(Pubkey, MarginAccount)],
        blockhash: Hash,
    ) {
        let started = std::time::Instant::now();
        let p = plan_pnl(venue, accounts, &self.config);
        report.scan_plan_micros += started.elapsed().as_micros() as u64;
        if p.unpaid > 0 {
            info!(accounts = p.unpaid, "accounts owed unsettled PnL the pool has no cash for now");
        }
        for batch in p.settlements.chunks(self.config.accounts_per_tx.max(1)) {
            self.settle_batch(report, batch, blockhash).await;
        }
        if let (Some(before), Some(after)) = (p.adl_before, p.adl_after) {
            if before.triggered {
                info!(
                    liability = before.liability,
                    free_cash = before.free_cash as i64,
                    planned = p.adl.len(),
                    liability_after = after.liability,
                    free_cash_after = after.free_cash as i64,
                    triggered_after = after.triggered,
                    "auto-deleveraging"
                );
            }
        }
        for a in &p.adl {
            let call = std::slice::from_ref(&a.call);
            if !self.fits(call) {
                warn!(account = %a.account, market = a.market, "auto_deleverage does not fit one transaction; not sent");
                report.rejected += 1;
                break;
            }
            match self.send(report, "auto_deleverage", call, blockhash).await {
                Ok(_) => deleveraged(report, a),
                Err(e) => {
                    self.refused(report, "auto_deleverage", &a.account, &e);
                    break;
                }
            }
        }
    }

    /// `batch`'s `settle_pnl` calls in one transaction; a batch that is
    /// refused, or too large, is sent call by call.
    async fn settle_batch(&mut self, report: &mut TickReport, batch: &[PlannedSettlement], blockhash: Hash) {
        let ixs: Vec<Instruction> = batch.iter().map(|s| s.call.clone()).collect();
        if batch.len() > 1 && self.fits(&ixs) {
            match self.send(report, "settle_pnl", &ixs, blockhash).await {
                Ok(_) => return batch.iter().for_each(|s| pnl_settled(report, s)),
                Err(BackendError::Rejected { .. }) => {
                    debug!(accounts = batch.len(), "settlement batch refused; sending its accounts one by one");
                }
                Err(e) => return batch.iter().for_each(|s| self.refused(report, "settle_pnl", &s.account, &e)),
            }
        }
        for s in batch {
            match self.send(report, "settle_pnl", std::slice::from_ref(&s.call), blockhash).await {
                Ok(_) => pnl_settled(report, s),
                Err(e) => self.refused(report, "settle_pnl", &s.account, &e),
            }
        }
    }

    /// Send `batch`'s liquidations in one transaction, after a refresh of
    /// every feed they read (each once); a batch that is refused, or too
    /// large for one transaction, is sent account by account.
    async fn liquidate_batch(&mut self, report: &mut TickReport, batch: &[PlannedAccount], blockhash: Hash) {
        let ixs = with_refreshes(batch, usize::MAX);
        if batch.len() == 1 || !self.fits(&ixs) {
            if batch.len() > 1 {
                debug!(accounts = batch.len(), "batch too large for one transaction; sending its accounts one by one");
            }
            for a in batch {
                self.liquidate_one(report, a, blockhash).await;
            }
            return;
        }
        match self.send(report, "liquidate", &ixs, blockhash).await {
            Ok(_) => batch.iter().for_each(|a| landed(report, a)),
            Err(BackendError::Rejected { .. }) if batch.len() > 1 => {
                debug!(accounts = batch.len(), "batch refused; sending its accounts one by one");
                for a in batch {
                    self.liquidate_one(report, a, blockhash).await;
                }
            }
            Err(e) => batch.iter().for_each(|a| self.refused(report, "liquidate", &a.account, &e)),
        }
    }

    /// One account's calls with as many of its refreshes as fit: every feed
    /// it reads, else the liquidated markets' own, else none (the tick's
    /// refresh already ran), else its first call alone.
    async fn liquidate_one(&mut self, report: &mut TickReport, a: &PlannedAccount, blockhash: Hash) {
        let one = std::slice::from_ref(a);
        let ixs = [usize::MAX, a.own_refreshes, 0]
            .into_iter()
            .map(|n| with_refreshes(one, n))
            .find(|ixs| self.fits(ixs))
            .unwrap_or_else(|| {
                warn!(account = %a.account, "calls too large for one transaction; sending the first alone");
                a.calls[..a.calls.len().min(1)].to_vec()
            });
        match self.send(report, "liquidate", &ixs, blockhash).await {
            Ok(_) => landed(report, a),
            Err(e) => self.refused(report, "liquidate", &a.account, &e),
        }
    }

    /// Whether `ixs` (with the compute-budget instruction) fit in one
    /// transaction of at most `MAX_TX_BYTES`.
    fn fits(&self, ixs: &[Instruction]) -> bool {
        let mut all = vec![budget_nonce(0)];
        all.extend_from_slice(ixs);
        wire_size(&Transaction::new_with_payer(&all, Some(&self.payer.pubkey()))) <= MAX_TX_BYTES
    }

    fn refused(&self, report: &mut TickReport, what: &str, account: &Pubkey, e: &BackendError) {
        warn!(what, %account, error = %e, "not done");
        match e {
            BackendError::Transport(_) => report.failed += 1,
            BackendError::Rejected { .. } => {
                report.rejected += 1;
                report.liquidations_refused += (what == "liquidate") as usize;
            }
        }
    }

    /// Refresh the configured feeds, one transaction each (a feed whose
    /// sources are all unusable is refused without blocking the others).
    async fn refresh_feeds(&mut self, report: &mut TickReport, blockhash: Hash) {
        for symbol in self.config.feeds.clone() {
            let key = ballast_client::oracle::feed_address(&symbol);
            let feed = self.retry(report, "feed", || self.backend.get_account(&key)).await;
            let feed = match feed.map(|a| a.map(|a| ballast_client::decode::zero_copy::<PriceFeed>(&a.data))) {
                Ok(Some(Ok(f))) => f,
                Ok(_) => {
                    warn!(%symbol, %key, "no readable adapter feed for this symbol");
                    report.failed += 1;
                    continue;
                }
                Err(e) => {
                    self.refused(report, "refresh", &key, &e);
                    continue;
                }
            };
            match self
                .send(report, "refresh", &[ballast_client::oracle::refresh_configured(key, &feed)], blockhash)
                .await
            {
                Ok(_) => report.refreshed += 1,
                Err(e) => self.refused(report, "refresh", &key, &e),
            }
        }
    }
}

/// The largest transaction a Solana node accepts, bytes (the packet data
/// size, `solana_packet::PACKET_DATA_SIZE`).
pub const MAX_TX_BYTES: usize = 1_232;

/// Bytes of `tx` on the wire: the signatures (fewer than 128: a one-byte
/// count) and the message.
pub fn wire_size(tx: &Transaction) -> usize {
    1 + 64 * tx.message.header.num_required_signatures as usize + tx.message.serialize().len()
}

/// The first `per_account` refreshes of each account of `batch` (each feed
/// once, in first-seen order), then its liquidation calls in order.
fn with_refreshes(batch: &[PlannedAccount], per_account: usize) -> Vec<Instruction> {
    let mut ixs: Vec<Instruction> = Vec::new();
    for r in batch.iter().flat_map(|a| a.refreshes.iter().take(per_account)) {
        if !ixs.iter().any(|i| i.accounts.first().map(|m| m.pubkey) == r.accounts.first().map(|m| m.pubkey)) {
            ixs.push(r.clone());
        }
    }
    ixs.extend(batch.iter().flat_map(|a| a.calls.iter().cloned()));
    ixs
}

fn triggered(report: &mut TickReport, t: &PlannedTrigger) {
    info!(account = %t.account, index = t.index, fee = t.keeper_fee, "trigger executed");
    report.triggers += 1;
    report.trigger_fees = report.trigger_fees.saturating_add(t.keeper_fee);
}

fn pnl_settled(report: &mut TickReport, s: &PlannedSettlement) {
    info!(account = %s.account, paid = s.paid, netted = s.netted, left = s.left, "unsettled PnL settled");
    report.pnl_settled += 1;
    report.pnl_paid = report.pnl_paid.saturating_add(s.paid);
}

fn deleveraged(report: &mut TickReport, a: &PlannedAdl) {
    info!(account = %a.account, market = a.market, base = a.base, notional = a.notional, pnl = a.realized_pnl, "auto-deleveraged");
    report.adl_calls += 1;
    report.adl_notional = report.adl_notional.saturating_add(a.notional);
}

fn landed(report: &mut TickReport, a: &PlannedAccount) {
    info!(account = %a.account, calls = a.calls.len(), before = a.health_before as i64, after = a.health_after as i64, "liquidated");
    report.liquidated += 1;
    report.calls += a.calls.len();
    report.notional = report.notional.saturating_add(a.notional);
}

/// Errors worth retrying: a request that did not complete.
pub trait Transient: std::fmt::Display {
    /// Whether the failure was in transport (a retry may succeed).
    fn is_transport(&self) -> bool;
}

impl Transient for BackendError {
    fn is_transport(&self) -> bool {
        matches!(self, BackendError::Transport(_))
    }
}

/// A read that failed in the backend is transient; one that read bytes it
/// could not decode (a wrong cluster, a missing exchange) is not.
impl Transient for anyhow::Error {
    fn is_transport(&self) -> bool {
        self.downcast_ref::<BackendError>().is_some_and(BackendError::is_transport)
    }
}

/// A compute-unit limit instruction that also makes the transaction unique.
fn budget_nonce(nonce: u32) -> Instruction {
    solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(1_400_000 - (nonce % 100_000))
}
