//! The run loop: the demo venue in the in-process bank, one market fed by
//! its emulated sources through the real adapter, agents and a keeper
//! sending real transactions, and after every slot the conservation and
//! zero-sum invariants of SECURITY.md. A violation stops the run and names
//! the slot's transactions.

use crate::adversary::{PumpPlan, ADVERSARY_USD};
pub use crate::parallel::run_sets;

use crate::agents::{base_for, decide, stopped_out, traits, Dice, Order, Trader, View};
use crate::oracle::{OracleFaults, Publishers, SlotClock};
use crate::pnl::{check_adl_target, Ledger};
use crate::prices::PricePath;
use crate::recorder::{lock, Recorder};
use crate::report::{Report, SlotRow, Totals};
use crate::sample::{Sampled, ROW_CAP};
use crate::scenario::{ParamSet, Scenario};
use crate::state::{read_state, Chain, State};
use anyhow::{anyhow, bail, Context, Result};
use ballast_bank::context::{keypair, ContextBuilder, TestContext};
use ballast_bank::demo::{self, Demo, USD};
use ballast_bank::setup::balance;
use ballast_client::engine::{self as ix, ExchangeKeys};
use ballast_client::errors::refusal_name;
use ballast_client::oracle as oix;
use ballast_client::simulate::Sim;
use ballast_client::trigger as tx;
use ballast_client::venue::{load_venue, Venue};
use ballast_keeper::{Config as KeeperConfig, Keeper};
use margin_engine::engine::trigger::new_trigger;
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use margin_engine::state::{TriggerParams, ABOVE, BELOW};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// First slot and unix time of a run.
const S0: u64 = 1_000;
const T0: i64 = 1_700_000_000;

/// Every this many slots the lab's incremental read of the accounts is
/// checked against a full read of the bank.
const FULL_READ_SLOTS: u64 = 256;

/// Everything a run drives.
pub(crate) struct Lab {
    pub(crate) tc: TestContext,
    demo: Demo,
    pub(crate) feed: Pubkey,
    sources: Vec<Pubkey>,
    traders: Vec<Trader>,
    lps: Vec<(Keypair, Pubkey)>,
    /// The thin-market adversary and the agreed-pump one (`crate::adversary`).
    pub(crate) adversary: Option<Trader>,
    pub(crate) pump: Option<Trader>,
    /// Their margin accounts (kept while one is taken to act).
    adversary_margin: Option<Pubkey>,
    pump_margin: Option<Pubkey>,
    pub(crate) totals: Totals,
    /// Unsettled PnL and auto-deleveraging, fed by every landed
    /// transaction (the keeper's through its [`Recorder`]).
    ledger: Arc<Mutex<Ledger>>,
    /// The refusal of the last transaction `send` sent, by name.
    last_refusal: Option<String>,
    log: Vec<String>,
    /// Wall time inside the bank for the transactions `send` timed, and
    /// their number (landed or refused: both executed).
    bank_secs: f64,
    bank_txs: u64,
    /// Check the invariants after every transaction `send` sends
    /// (`Scenario::check_every_tx`), and the first violation seen.
    check_every_tx: bool,
    tx_violation: Option<String>,
}

impl Lab {
    pub(crate) fn keys(&self) -> &ExchangeKeys {
        &self.demo.keys
    }

    /// Send one transaction as `signer`; count it, or its refusal by name.
    pub(crate) async fn send(&mut self, what: String, ixs: &[Instruction], signer: &Keypair) -> bool {
        self.send_signed(what, ixs, &[signer]).await
    }

    /// Send one transaction signed by `signers` (and the payer); count it
    /// and fold its events into the ledger, or count its refusal by name.
    pub(crate) async fn send_signed(&mut self, what: String, ixs: &[Instruction], signers: &[&Keypair]) -> bool {
        self.log.push(what);
        let started = Instant::now();
        let result = self.tc.process_logged(ixs, signers).await;
        self.bank_secs += started.elapsed().as_secs_f64();
        self.bank_txs += 1;
        if self.check_every_tx && self.tx_violation.is_none() {
            self.check_now().await;
        }
        self.last_refusal = None;
        match result {
            Ok(logs) => {
                self.totals.transactions += 1;
                lock(&self.ledger).landed(&logs);
                true
            }
            Err(e) => {
                let program = ixs.last().map(|i| i.program_id).unwrap_or_default();
                let name = refusal_name(&e, &program);
                *self.totals.refused.entry(name.clone()).or_default() += 1;
                self.last_refusal = Some(name);
                false
            }
        }
    }

    /// Send a close: one refused with `PoolInsufficient` is a violation (a
    /// gain the pool cannot pay is booked as unsettled PnL instead).
    pub(crate) async fn close(&mut self, what: &str, ixs: &[Instruction], signer: &Keypair) -> bool {
        let landed = self.send(what.into(), ixs, signer).await;
        if !landed && self.last_refusal.as_deref() == Some("PoolInsufficient") {
            lock(&self.ledger).close_refused(what);
        }
        landed
    }

    /// A full read now, checked: the first violation is kept, naming the
    /// last transaction sent (the log's last entry). Reads directly, so
    /// the incremental read's record of touched accounts is left alone.
    async fn check_now(&mut self) {
        let clock = self.tc.clock().await;
        let keys = self.account_keys();
        let markets = self.demo.markets.clone();
        let (ks, t, slot) = (self.demo.keys, clock.unix_timestamp, clock.slot);
        let broken = match read_state(&mut self.tc, &ks, &markets, &keys, None, t, slot).await {
            Ok(state) => state.check().err().map(|e| e.to_string()),
            Err(e) => Some(format!("the state could not be read: {e}")),
        };
        if let Some(v) = broken {
            let what = self.log.last().cloned().unwrap_or_default();
            self.tx_violation = Some(format!("slot {slot}: after transaction `{what}`: {v}"));
        }
    }

    async fn fund(&mut self, owner: &Pubkey, usd: u64) -> Result<Pubkey> {
        let mint = self.keys().collateral_mint;
        demo::fund(&mut self.tc, &self.demo.operator, &mint, owner, 1_000_000_000, usd * USD).await
    }

    /// A trader with margin account 0 holding `usd` of collateral.
    async fn trader(&mut self, usd: u64, leverage_x100: u64, long: bool, herd: bool, panicky: bool) -> Result<Trader> {
        self.trader_with(usd, leverage_x100, long, herd, panicky, false).await
    }

    async fn trader_with(
        &mut self,
        usd: u64,
        leverage_x100: u64,
        long: bool,
        herd: bool,
        panicky: bool,
        stop_loss: bool,
    ) -> Result<Trader> {
        let key = keypair();
        let token = self.fund(&key.pubkey(), usd).await?;
        let margin = ix::margin_address(&key.pubkey(), 0);
        let open =
            [ix::create_account(key.pubkey(), 0), ix::deposit(key.pubkey(), margin, token, self.keys(), usd * USD)];
        self.tc.process(&open, &[&key]).await.context("create and fund a trader")?;
        self.totals.flows.deposited += usd * USD;
        Ok(Trader { key, token, margin, deposit_usd: usd, leverage_x100, long, herd, panicky, stop_loss, out_until: 0 })
    }

    pub(crate) fn order(&self, t: &Trader, base: i64, reduce_only: bool) -> Instruction {
        let limit = if base > 0 { i64::MAX } else { 1 };
        let p = TradeParams { base, limit_price: limit, reduce_only };
        ix::trade(t.key.pubkey(), t.margin, self.keys(), 0, self.feed, p, &[])
    }

    /// The venue and margin account `margin`, as the CLI's preview reads them.
    pub(crate) async fn view(&mut self, margin: Pubkey) -> Result<(Venue, MarginAccount)> {
        let venue = load_venue(&self.tc.backend()).await?;
        let acc = self.tc.account(&margin).await.ok_or_else(|| anyhow!("no margin account {margin}"))?;
        Ok((venue, ballast_client::decode::zero_copy(&acc.data)?))
    }

    /// Re-place trader `i`'s stop-loss after its trade: cancel the old one
    /// (the book is created on the first), then, if it holds a position, a
    /// stop for all of it halfway between the price and its liquidation
    /// price (`Sim::liquidation_price`), with a limit 10 % beyond the stop
    /// and a 0.05 keeper fee; checked with the program's `new_trigger`
    /// first, so the lab sends nothing the program would refuse.
    async fn set_stop(&mut self, i: usize) -> Result<()> {
        let (venue, acc) = self.view(self.traders[i].margin).await?;
        let (owner, margin) = (self.traders[i].key.pubkey(), self.traders[i].margin);
        let book_key = tx::book_address(&margin);
        let book = tx::book_from(self.tc.account(&book_key).await.as_ref())?;
        let mut ixs = tx::clear_book(owner, margin, book.as_ref());
        let sim = Sim::new(&venue);
        let position = acc.position_in(0).base;
        if let (Some(liq), Ok(quote)) = (sim.liquidation_price(&acc, 0), sim.quote(0)) {
            let stop = quote.price + (liq - quote.price) / 2;
            let (direction, limit) = if position > 0 { (BELOW, stop - stop / 10) } else { (ABOVE, stop + stop / 10) };
            let params = TriggerParams {
                direction,
                trigger_price: stop,
                base: -position,
                limit_price: limit,
                keeper_fee: 50_000,
            };
            if position != 0 && new_trigger(&params, &acc, &quote).is_ok() {
                ixs.push(tx::add_trigger(owner, margin, 0, self.feed, params));
            }
        }
        if !ixs.is_empty() {
            let key = self.traders[i].key.insecure_clone();
            self.send(format!("trader {i} stop-loss"), &ixs, &key).await;
        }
        Ok(())
    }
}

/// Run `s` under `params` over `path`; `progress` sees each finished
/// slot's row.
pub async fn run(
    s: &Scenario,
    params: &ParamSet,
    path: &PricePath,
    progress: &mut dyn FnMut(&SlotRow),
) -> Result<Report> {
    s.validate()?;
    ballast_bank::context::restart_keys();
    let started = Instant::now();
    let path_t0 = path.points.first().map(|p| p.0).ok_or_else(|| anyhow!("empty price path"))?;
    let secs_per_slot = s.secs_per_slot(path);
    let price_at =
        |step: u64| path.at(path_t0.saturating_add((step as f64 * secs_per_slot) as i64)).unwrap_or(1).max(1);
    let spec = s.venue_spec(price_at(0))?;
    let mut tc = ContextBuilder::new().start().await;
    // The venue is built before the run's first slot: its markets open
    // after the exchange's timelock.
    let build_slots = spec.exchange.timelock_slots.saturating_add(10);
    let s_build = S0.checked_sub(build_slots).context("the venue's timelock is too long for the lab")?;
    tc.set_clock(s_build, T0 - (build_slots * 400 / 1_000) as i64).await;
    let demo = demo::create(&mut tc, &spec, s.pool_usd * USD).await?;
    if tc.clock().await.slot >= S0 {
        bail!("building the venue ran past the run's first slot");
    }
    tc.set_clock(S0, T0).await;
    let overrides =
        |m: &std::collections::BTreeMap<String, u64>| m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>();
    demo::override_params(&mut tc, Some(0), &overrides(&params.market)).await?;
    demo::override_params(&mut tc, None, &overrides(&params.exchange)).await?;
    let feed = demo.markets[0].1;
    let sources = demo::feed_sources(&mut tc, &feed, price_at(0), 0).await?;
    let mut lab = Lab {
        tc,
        demo,
        feed,
        sources: sources.iter().map(|x| x.address).collect(),
        traders: Vec::new(),
        lps: Vec::new(),
        adversary: None,
        pump: None,
        adversary_margin: None,
        pump_margin: None,
        totals: Totals::default(),
        ledger: Arc::default(),
        last_refusal: None,
        log: Vec::new(),
        bank_secs: 0.0,
        bank_txs: 0,
        check_every_tx: s.check_every_tx,
        tx_violation: None,
    };
    lab.totals.flows.lp_in = s.pool_usd * USD;

    // Agents.
    let mut dice = Dice::new(s.seed);
    let mut stop_dice = Dice::new(s.seed ^ 0x5709_1055);
    for _ in 0..s.traders {
        let (usd, lev, long, herd, panicky) = traits(&mut dice, s.leverage, s.long_share);
        let stop = stop_dice.roll() <= s.stop_losses;
        let t = lab.trader_with(usd, lev, long, herd, panicky, stop).await?;
        lab.traders.push(t);
    }
    for _ in 0..s.lps {
        let key = keypair();
        let usd = s.pool_usd / 10;
        let token = lab.fund(&key.pubkey(), usd).await?;
        let d = ix::lp_deposit(key.pubkey(), token, lab.keys(), usd * USD, 0, &lab.demo.markets);
        lab.tc.process(&[d], &[&key]).await.context("LP deposit")?;
        lab.totals.flows.lp_in += usd * USD;
        lab.lps.push((key, token));
    }
    let adversary_step = ((s.slots as f64) * s.adversary_at) as u64;
    if s.adversary {
        let t = lab.trader(ADVERSARY_USD, s.leverage as u64 * 95, true, false, false).await?;
        lab.adversary_margin = Some(t.margin);
        lab.adversary = Some(t);
    }
    let raw_feed = lab.tc.account(&feed).await.context("the market's feed")?;
    let feed_state = oracle_adapter::reader::decode_feed(&raw_feed.data).map_err(|e| anyhow!("feed: {e:?}"))?;
    let mut pump = PumpPlan::new(s, feed_state.jump_confirm_slots.into());
    if pump.is_some() {
        let t = lab.trader(ADVERSARY_USD, s.leverage as u64 * 95, true, false, false).await?;
        lab.pump_margin = Some(t.margin);
        lab.pump = Some(t);
    }
    let keeper_key = keypair();
    let reward = lab.fund(&keeper_key.pubkey(), 0).await?;
    let config = KeeperConfig {
        accounts_per_tick: s.keeper.accounts_per_pass,
        retries: 0,
        backoff_ms: 0,
        ..KeeperConfig::default()
    };
    let recorder = Recorder::new(lab.tc.backend(), lab.ledger.clone(), lab.account_keys());
    let mut keeper = Keeper::new(recorder, keeper_key, reward, config);

    // Oracle publishers with the faults (the adversary's spike is a
    // divergence of the second source, the agreed pump a push of all).
    let f = &s.faults;
    let abs = |x: u64| S0 + x;
    let divergence = if s.adversary {
        Some((abs(adversary_step + 1), abs(adversary_step + 1 + s.adversary_slots), s.adversary_spike_bps))
    } else {
        f.divergence.map(|(a, b, bps)| (abs(a), abs(b), bps))
    };
    let faults = OracleFaults {
        dark: f.dark.map(|(i, a, b)| (i, abs(a), abs(b))),
        lag: f.lag.map(|(i, a, b, l)| (i, abs(a), abs(b), l)),
        divergence,
    };
    let push = pump.map(|p| p.window(S0)).or(f.pushed.map(|(a, b, bps)| (abs(a), abs(b), bps)));
    let mut publishers = Publishers::from_sources(sources, faults).pushed(push);
    let clock = SlotClock { start_slot: S0, start_time: T0, ms_per_slot: 400, stretch: f.stretch };

    let first = lab.read(None, T0, S0).await?;
    let mut prev = first.clone();
    let mut chain = Chain::new(&first);
    let mut rows = Sampled::new(ROW_CAP, SlotRow::merge);
    let mut slots_run = 0u64;
    // The oracle price of the last 101 slots (the agents' trend window).
    let (mut high, mut history) = (price_at(0), VecDeque::from([price_at(0)]));
    let mut lp_panicked = false;
    let mut violations = Vec::new();
    let mut bases: Vec<i64> = vec![0; lab.traders.len()];

    for step in 1..=s.slots {
        lab.log.clear();
        lock(&lab.ledger).begin(step);
        let slot = S0 + step;
        let t = clock.unix(slot);
        lab.tc.replay_clock(slot, t).await;
        let price = price_at(step);
        for src in publishers.publish(price, t, slot) {
            lab.tc.set_account(&src.address, &src.account());
        }
        let disputed = publishers.disputed(first.feeds[0].max_divergence_bps);
        let refresh = oix::refresh(lab.feed, &lab.sources);
        let started = Instant::now();
        let refreshed = lab.tc.process(&[refresh], &[]).await;
        lab.bank_secs += started.elapsed().as_secs_f64();
        lab.bank_txs += 1;
        match refreshed {
            Ok(()) => lab.totals.transactions += 1,
            Err(e) => *lab.totals.refused.entry(refusal_name(&e, &oracle_adapter::ID)).or_default() += 1,
        }
        if lab.check_every_tx && lab.tx_violation.is_none() {
            lab.log.push("oracle refresh".into());
            lab.check_now().await;
        }
        let oracle = chain.oracle_price(&mut lab.tc, &lab.feed).await?;
        high = high.max(oracle);
        if history.len() == 101 {
            history.pop_front();
        }
        history.push_back(oracle);
        let back = history[0];
        let view = View {
            step,
            price: oracle,
            trend_bps: ((oracle as i128 - back as i128) * 10_000 / back.max(1) as i128) as i64,
            drawdown_bps: ((high as i128 - oracle as i128) * 10_000 / high.max(1) as i128) as i64,
        };

        // Traders.
        for (i, &held) in bases.iter().enumerate() {
            let order = decide(&mut lab.traders[i], held, &view, s.activity, &mut dice);
            let (base, reduce) = match order {
                None => continue,
                Some(Order::Close) => (-held, true),
                Some(Order::Notional(usd)) => (base_for(usd, oracle), false),
            };
            if base == 0 {
                continue;
            }
            let o = lab.order(&lab.traders[i], base, reduce);
            let key = lab.traders[i].key.insecure_clone();
            let what = format!("trader {i} trade {base}");
            let landed = if reduce || base.signum() * held.signum() < 0 {
                lab.close(&what, &[o], &key).await
            } else {
                lab.send(what, &[o], &key).await
            };
            if landed && lab.traders[i].stop_loss {
                lab.set_stop(i).await?;
            }
        }
        // The panicking LP.
        if !lp_panicked && view.drawdown_bps > 1_200 {
            lp_panicked = true;
            if let Some((key, token)) = lab.lps.first().map(|(k, t)| (k.insecure_clone(), *t)) {
                let shares = chain.lp_shares(&mut lab.tc, &key.pubkey()).await;
                let before = balance(&mut lab.tc, &token).await;
                let w = ix::lp_withdraw(key.pubkey(), token, lab.keys(), shares, 0, &lab.demo.markets);
                if shares > 0 && lab.send("LP 0 withdraws all".into(), &[w], &key).await {
                    lab.totals.flows.lp_out += balance(&mut lab.tc, &token).await - before;
                }
            }
        }
        // The adversaries.
        lab.spike_adversary(s, step, adversary_step, oracle).await?;
        if let Some(plan) = pump.as_mut() {
            lab.pump_adversary(plan, step, s.slots, oracle).await?;
        }
        // The keeper.
        let offline = f.keepers_offline.is_some_and(|(a, b)| (a..b).contains(&step));
        let mut row = SlotRow { step, path_price: price, disputed, ..SlotRow::default() };
        let mut deleveraged = false;
        if !offline && step % s.keeper.every_slots.max(1) == 0 {
            let r = keeper.tick().await?;
            lab.log.push(format!(
                "keeper pass: {} triggers, {} liquidation calls, {} resolutions, {} PnL settlements, {} auto-deleveragings",
                r.triggers, r.calls, r.resolved, r.pnl_settled, r.adl_calls
            ));
            if lab.check_every_tx && lab.tx_violation.is_none() {
                lab.check_now().await;
            }
            let sent = r.calls + r.resolved + r.settled + r.breakers + r.triggers + r.pnl_settled + r.adl_calls;
            lab.totals.transactions += sent as u64;
            lock(&lab.ledger).deleveraged(r.adl_calls as u64, r.adl_notional);
            deleveraged = r.adl_calls > 0;
            lab.totals.triggers += r.triggers as u64;
            lab.totals.trigger_fees += r.trigger_fees;
            lab.totals.throttled += r.throttled as u64;
            // The keeper's own refusals (its log warnings are off in the CLI).
            for (what, n) in [("keeper: refused", r.rejected), ("keeper: failed", r.failed)] {
                if n > 0 {
                    *lab.totals.refused.entry(what.into()).or_default() += n as u64;
                }
            }
            row.liquidated = r.liquidated as u64;
            row.liquidated_notional = r.notional;
        }

        // Invariants and metrics.
        let state = lab.read(Some(&prev), t, slot).await?;
        row.unsettled = state.pool.unsettled;
        let pnl = lock(&lab.ledger).end_slot(&prev, &state, step);
        let pnl = pnl.and_then(|()| if deleveraged { check_adl_target(&state) } else { Ok(()) });
        let broken = lab.tx_violation.take().or_else(|| state.check().err().map(|v| format!("slot {slot}: {v}")));
        let broken = broken.or_else(|| pnl.err().map(|v| format!("slot {slot}: {v}")));
        if let Some(v) = broken {
            violations.push(format!("{v}; this slot's transactions: {}", lab.log.join("; ")));
            chain.record(&state, &mut row);
            rows.push(row);
            slots_run = step;
            break;
        }
        for (i, (b, acc)) in bases.iter_mut().zip(&state.accounts).enumerate() {
            let now = acc.1.open_positions().next().map_or(0, |p| p.base);
            if *b != 0 && now == 0 {
                if let Some(t) = lab.traders.get_mut(i) {
                    stopped_out(t, step);
                }
            }
            *b = now;
        }
        chain.record(&state, &mut row);
        prev = state;
        lab.totals.liquidations += row.liquidated;
        lab.totals.liquidated_notional += row.liquidated_notional;
        progress(&row);
        rows.push(row);
        slots_run = step;
    }

    // The end is read in full, and the last incremental read checked
    // against it.
    let last = lab.read(None, clock.unix(S0 + s.slots), S0 + s.slots).await?;
    if let Some(d) = prev.difference(&last).filter(|_| violations.is_empty() && prev.now == last.now) {
        bail!("the lab's last incremental read differs from the bank: {d}");
    }
    let mut totals = std::mem::take(&mut lab.totals);
    chain.finish(&first, &last, &mut totals);
    if let Some(adv) = &lab.adversary {
        let wallet = balance(&mut lab.tc, &adv.token).await as i64;
        totals.adversary_pnl = Some(wallet - (ADVERSARY_USD * USD) as i64);
    }
    if let Some(adv) = &lab.pump {
        let wallet = balance(&mut lab.tc, &adv.token).await as i64;
        totals.pump_adversary_pnl = Some(wallet - (ADVERSARY_USD * USD) as i64);
        totals.pump_adversary_unsettled = last.account(&adv.margin).map(|a| a.unsettled_pnl);
    }
    totals.pnl = lock(&lab.ledger).totals.clone();
    let lp_return = totals.charges.lp_return_bps;
    totals.charges = crate::charges::ChargeTotals {
        lp_return_bps: lp_return,
        capacity_refusals: totals.refused.get("PoolCapacity").copied().unwrap_or(0),
        ..lock(&lab.ledger).charges.clone()
    };
    totals.flows.keeper_rewards = balance(&mut lab.tc, &reward).await;
    totals.flows.vaults_end = last.vaults();
    let row_slots = rows.width();
    let mut rows = rows.into_items();
    for (row, equity) in rows.iter_mut().zip(chain.worst_path()) {
        row.worst_equity = equity;
    }
    let wall = started.elapsed().as_secs_f64();
    Ok(Report {
        params: params.name.clone(),
        slots: slots_run,
        row_slots,
        wall_secs: wall,
        tx_per_sec: totals.transactions as f64 / wall.max(1e-9),
        bank_tx_per_sec: lab.bank_txs as f64 / lab.bank_secs.max(1e-9),
        worst_account: chain.worst(),
        totals,
        violations,
        rows,
    })
}

impl Lab {
    /// Every margin account the lab created, traders first.
    fn account_keys(&self) -> Vec<Pubkey> {
        self.traders.iter().map(|t| t.margin).chain(self.adversary_margin).chain(self.pump_margin).collect()
    }

    /// Every account the invariants need, read from the bank: in full
    /// (`prev` None), or only the margin accounts a transaction named since
    /// `prev` was read. Every [`FULL_READ_SLOTS`] slots, and whenever an
    /// invariant fails on it, an incremental read is checked against a full
    /// one before anything is concluded from it.
    async fn read(&mut self, prev: Option<&State>, t: i64, slot: u64) -> Result<State> {
        let keys = self.account_keys();
        let touched = self.tc.index().take_touched();
        let markets = self.demo.markets.clone();
        let since = prev.map(|p| (p, &touched));
        let state = read_state(&mut self.tc, &self.demo.keys, &markets, &keys, since, t, slot).await?;
        if prev.is_some() && (slot.is_multiple_of(FULL_READ_SLOTS) || state.check().is_err()) {
            let full = read_state(&mut self.tc, &self.demo.keys, &markets, &keys, None, t, slot).await?;
            if let Some(d) = state.difference(&full) {
                bail!("slot {slot}: the lab's incremental read differs from the bank: {d}");
            }
        }
        Ok(state)
    }
}
