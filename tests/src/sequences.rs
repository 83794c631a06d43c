//! Seeded random sequences through the real programs in the bank, with
//! every SECURITY.md invariant checked after every transaction by the
//! shared checker (`ballast_client::invariants`).
//!
//! The actions are the pure model's operations (`ballast_model::Op`,
//! drawn from its strategy with a fixed seed), sent as the instructions
//! they stand for: the demo venue's three markets, four traders with
//! cross-margined accounts, two LPs, a keeper; per-source price moves
//! (agreeing, disputed, one or both stale, future-dated, a wide conf)
//! refreshed through the adapter; governance's instant (tightening)
//! changes and emergency settlement; guardian pauses, margin raises and
//! holds; stress and market refreshes; slot warps. An action may be
//! refused; an invariant may not break, a refused transaction must change
//! nothing, and a liquidation may be refused only for the rule's reasons
//! (`ballast_model::ops::LIQUIDATION_REFUSALS`).
//!
//! The model applies governance directly (as if after its timelock); here
//! every governance operation goes through `set_param`, the instant path:
//! a loosening is refused (`LooseningNeedsTimelock`), and so is the
//! insurance withdrawal, whose field is queued-only. Market settlement is
//! `emergency_settle` at the feed's price. A keeper pass is its
//! liquidations and resolution, each a step of its own.
//!
//! Trigger orders ride on the model's operations: after each trade that
//! lands, the trader re-places one stop-loss for its whole position 2 %
//! below (a long) or above (a short) the price; a keeper pass first
//! executes the trader's triggers; a close takes the book with it. Each is
//! a checked step of its own.

use crate::context::{keypair, TestContext};
use ballast_bank::demo::{self, Demo};
use ballast_bank::setup::{load, refresh};
use ballast_bank::sources::SourceFixture;
use ballast_client::engine::{self as ix, field_code};
use ballast_client::errors::refusal_name;
use ballast_client::invariants::step::{check_step, Action, Step};
use ballast_client::invariants::Snapshot;
use ballast_client::trigger as tx;
use ballast_model::ops::{op, pick, trade_base, KEEPER_PASS_CALLS, LIQUIDATION_REFUSALS};
use ballast_model::{FeedMove, Op};
use margin_engine::engine::governance::EXCHANGE_TARGET;
use margin_engine::instructions::TradeParams;
use margin_engine::state::{
    market_get, LpPosition, MarginAccount, Market, ParamChange, TriggerBook, TriggerParams, ABOVE, BELOW,
};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

mod keeper;

const USD: u64 = ballast_client::demo::USD;
const TRADERS: usize = ballast_model::TRADERS;
const LPS: usize = ballast_model::LPS;

/// What a sequence did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Transactions that landed.
    pub landed: usize,
    /// Transactions refused.
    pub refused: usize,
    /// Liquidations that landed.
    pub liquidations: usize,
    /// Bankruptcies resolved.
    pub resolved: usize,
    /// Trades that landed in an account already holding another market.
    pub cross_margin_trades: usize,
    /// Trigger orders placed, and executed.
    pub triggers: (usize, usize),
    /// `settle_pnl` calls that landed.
    pub pnl_settled: usize,
    /// `auto_deleverage` calls sent, and landed.
    pub adl: (usize, usize),
}

/// A trader or LP: key and token account.
struct Wallet {
    key: Keypair,
    token: Pubkey,
}

/// The venue and its participants.
struct Run {
    tc: TestContext,
    demo: Demo,
    traders: Vec<Wallet>,
    open: Vec<bool>,
    lps: Vec<Wallet>,
    keeper: Wallet,
    sources: Vec<Vec<SourceFixture>>,
    prices: Vec<i64>,
    outcome: Outcome,
}

/// `steps` operations drawn from the model's strategy with `seed`.
pub fn operations(seed: u64, steps: usize) -> Vec<Op> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let strategy = op();
    (0..steps).map(|_| strategy.new_tree(&mut runner).expect("an operation").current()).collect()
}

/// Run `steps` operations of seed `seed` through the programs, checking
/// every invariant after every transaction. Panics on the first broken
/// invariant, naming the seed, the step and the operation.
pub async fn run_sequence(seed: u64, steps: usize) -> Outcome {
    run_sequence_with_pool(seed, steps, DEFAULT_POOL, true).await
}

/// The pool the demo venue is seeded with in [`run_sequence`].
pub const DEFAULT_POOL: u64 = 1_000_000 * USD;

/// [`run_sequence`] on a venue whose pool is seeded with `pool`, with the
/// demo's reserve cap or (`reserve_cap` false) none: a small pool without
/// the cap runs short of cash (unsettled PnL, settlement and
/// auto-deleveraging).
pub async fn run_sequence_with_pool(seed: u64, steps: usize, pool: u64, reserve_cap: bool) -> Outcome {
    let mut run = Run::new(pool, reserve_cap).await;
    let mut before = run.snapshot().await;
    before.check().unwrap_or_else(|e| panic!("seed {seed:#x}: the initial venue: {e}"));
    for (n, op) in operations(seed, steps).into_iter().enumerate() {
        let at = |what: &str| format!("seed {seed:#x} step {n} {op:?}: {what}");
        match op {
            Op::KeeperPass { trader } => {
                before = run.execute_triggers(trader as usize % TRADERS, &before, &at).await;
                for _ in 0..KEEPER_PASS_CALLS {
                    let (ok, snap) = run.step(&Op::Liquidate { trader, market: 0 }, &before, &at).await;
                    before = snap;
                    if !ok {
                        break;
                    }
                }
                before = run.step(&Op::Resolve { trader }, &before, &at).await.1;
                before = run.settle_and_deleverage(trader as usize % TRADERS, &before, &at).await;
            }
            Op::Trade { trader, market, .. } => {
                let (ok, snap) = run.step(&op, &before, &at).await;
                before = snap;
                if ok {
                    let (i, m) = (trader as usize % TRADERS, market as usize % markets());
                    before = run.place_stop(i, m, &before, &at).await;
                }
            }
            op => before = run.step(&op, &before, &at).await.1,
        }
    }
    run.outcome
}

/// A new key with SOL for fees and `tokens` of collateral.
async fn wallet(tc: &mut TestContext, demo: &Demo, tokens: u64) -> Wallet {
    let key = keypair();
    let mint = demo.keys.collateral_mint;
    let token = demo::fund(tc, &demo.operator, &mint, &key.pubkey(), 10_000_000_000, tokens).await.expect("funded");
    Wallet { key, token }
}

/// The demo spec's markets.
fn markets() -> usize {
    demo::spec().markets.len()
}

/// Market `i`'s starting price: its feed's emulated price.
fn start_price(i: usize) -> i64 {
    let spec = demo::spec();
    spec.feed(&spec.markets[i].feed).and_then(|f| f.emulated_price).expect("the demo emulates its feeds")
}

impl Run {
    async fn new(pool: u64, reserve_cap: bool) -> Run {
        let mut tc = crate::context::ContextBuilder::new().start().await;
        let mut spec = demo::spec().clone();
        if !reserve_cap {
            spec.exchange.reserve_factor_bps = margin_engine::constants::RESERVE_OFF_BPS;
            spec.exchange.stress_reserve_factor_bps = margin_engine::constants::RESERVE_OFF_BPS;
        }
        let demo = demo::create(&mut tc, &spec, pool).await.expect("the demo venue");
        let mut traders = vec![];
        for i in 0..TRADERS {
            let w = wallet(&mut tc, &demo, ballast_model::START_FUNDS).await;
            tc.process(&[ix::create_account(w.key.pubkey(), 0)], &[&w.key]).await.expect("create_account");
            let margin = ix::margin_address(&w.key.pubkey(), 0);
            let d = ix::deposit(w.key.pubkey(), margin, w.token, &demo.keys, ballast_model::START_COLLATERAL);
            tc.process(&[d], &[&w.key]).await.unwrap_or_else(|e| panic!("trader {i}'s first deposit: {e}"));
            traders.push(w);
        }
        let mut lps = vec![];
        for _ in 0..LPS {
            lps.push(wallet(&mut tc, &demo, ballast_model::START_FUNDS).await);
        }
        let keeper = wallet(&mut tc, &demo, 0).await;
        let mut sources = vec![];
        let prices: Vec<i64> = (0..markets()).map(start_price).collect();
        for (market, feed) in &demo.markets {
            let m: Market = load(&mut tc, market).await;
            sources.push(demo::feed_sources(&mut tc, feed, prices[m.index as usize], 0).await.expect("sources"));
        }
        Run { tc, demo, traders, open: vec![true; TRADERS], lps, keeper, sources, prices, outcome: Outcome::default() }
    }

    fn margin(&self, i: usize) -> Pubkey {
        ix::margin_address(&self.traders[i].key.pubkey(), 0)
    }

    /// Every account the invariants need, from the bank.
    async fn snapshot(&mut self) -> Snapshot {
        let clock = self.tc.clock().await;
        let accounts: Vec<Pubkey> = (0..TRADERS).filter(|&i| self.open[i]).map(|i| self.margin(i)).collect();
        let markets = self.demo.markets.clone();
        let keys = self.demo.keys;
        let mut s = ballast_sim::state::read_state(
            &mut self.tc,
            &keys,
            &markets,
            &accounts,
            None,
            clock.unix_timestamp,
            clock.slot,
        )
        .await
        .expect("the venue reads");
        for lp in &self.lps {
            let key = ix::lp_address(&lp.key.pubkey());
            if let Some(a) = self.tc.account(&key).await {
                let l: LpPosition = ballast_client::decode::zero_copy(&a.data).expect("an LP position");
                s.lps.push((key, l));
            }
        }
        s
    }

    /// `(market, feed)` of every position of trader `i` other than in `except`.
    async fn health(&mut self, i: usize, except: Option<u16>) -> Vec<(Pubkey, Pubkey)> {
        if !self.open[i] {
            return vec![];
        }
        let margin = self.margin(i);
        let acc: MarginAccount = load(&mut self.tc, &margin).await;
        acc.open_positions()
            .filter(|p| Some(p.market) != except)
            .map(|p| self.demo.markets[p.market as usize])
            .collect()
    }

    /// Send `op` (one transaction, or none for a pure clock or source
    /// change), check every invariant against `before`; whether it landed,
    /// and the snapshot after.
    async fn step(&mut self, op: &Op, before: &Snapshot, at: &dyn Fn(&str) -> String) -> (bool, Snapshot) {
        let sent = self.send(op).await;
        self.checked(sent, before, at).await
    }

    /// Trader `i`'s trigger book, if it has one.
    async fn book(&mut self, i: usize) -> Option<TriggerBook> {
        let account = self.tc.account(&tx::book_address(&self.margin(i))).await;
        tx::book_from(account.as_ref()).expect("a trigger book")
    }

    /// Trader `i` re-places its stop-loss on its position in market `m`:
    /// the old triggers cancelled (the book created on the first), one for
    /// the whole position 2 % against it, a limit 20 % beyond; one step.
    async fn place_stop(&mut self, i: usize, m: usize, before: &Snapshot, at: &dyn Fn(&str) -> String) -> Snapshot {
        let margin = self.margin(i);
        let acc: MarginAccount = load(&mut self.tc, &margin).await;
        let position = acc.position_in(m as u16).base;
        if position == 0 {
            return before.clone();
        }
        let owner = self.traders[i].key.insecure_clone();
        let mut ixs = tx::clear_book(owner.pubkey(), margin, self.book(i).await.as_ref());
        let p = self.prices[m];
        let (direction, stop, limit) =
            if position > 0 { (BELOW, p - p / 50, p - p / 4) } else { (ABOVE, p + p / 50, p + p / 4) };
        let params =
            TriggerParams { direction, trigger_price: stop, base: -position, limit_price: limit, keeper_fee: 50_000 };
        ixs.push(tx::add_trigger(owner.pubkey(), margin, m as u16, self.demo.markets[m].1, params));
        let result = self.tc.process(&ixs, &[&owner]).await.map_err(|e| e.to_string());
        self.outcome.triggers.0 += result.is_ok() as usize;
        self.checked((Action::Other, Some(margin), None, result), before, at).await.1
    }

    /// A keeper executes each of trader `i`'s triggers: a step each.
    async fn execute_triggers(&mut self, i: usize, before: &Snapshot, at: &dyn Fn(&str) -> String) -> Snapshot {
        let mut snap = before.clone();
        let Some(book) = self.book(i).await else { return snap };
        let margin = self.margin(i);
        for (k, t) in book.active() {
            let others = self.health(i, Some(t.market)).await;
            let (m, feed) = (t.market, self.demo.markets[t.market as usize].1);
            let k_ = self.keeper.key.insecure_clone();
            let ix = tx::execute_trigger_ix(
                k_.pubkey(),
                self.keeper.token,
                margin,
                &self.demo.keys,
                m,
                feed,
                k as u8,
                &others,
            );
            let result = self.process(ix, &[&k_]).await;
            self.outcome.triggers.1 += result.is_ok() as usize;
            snap = self.checked((Action::ExecuteTrigger, Some(margin), Some(m), result), &snap, at).await.1;
        }
        snap
    }

    /// Check what `sent` did against `before`: whether it landed, and the
    /// snapshot after.
    async fn checked(
        &mut self,
        sent: (Action, Option<Pubkey>, Option<u16>, Result<(), String>),
        before: &Snapshot,
        at: &dyn Fn(&str) -> String,
    ) -> (bool, Snapshot) {
        let (action, account, market, result) = sent;
        let ok = result.is_ok();
        let after = self.snapshot().await;
        let step = Step { action, account, market, ok };
        if let Err(e) = check_step(before, &after, &step) {
            panic!("{}", at(&format!("{e} (refused: {:?})", result.err())));
        }
        if let Err(e) = after.check() {
            panic!("{}", at(&e.to_string()));
        }
        if ok {
            self.outcome.landed += 1;
        } else {
            self.outcome.refused += 1;
        }
        (ok, after)
    }

    /// Send `op` as its instruction; what the checker needs to know of it,
    /// and the result.
    async fn send(&mut self, op: &Op) -> (Action, Option<Pubkey>, Option<u16>, Result<(), String>) {
        let keys = self.demo.keys;
        let gov = self.demo.operator.governance.insecure_clone();
        let guardian = self.demo.operator.guardian.insecure_clone();
        let trader = |t: u8| t as usize % TRADERS;
        match *op {
            Op::Deposit { trader: t, amount } => {
                let i = trader(t);
                let (w, m) = (&self.traders[i], self.margin(i));
                let ix = ix::deposit(w.key.pubkey(), m, w.token, &keys, amount);
                let key = w.key.insecure_clone();
                (Action::Deposit, Some(m), None, self.process(ix, &[&key]).await)
            }
            Op::Withdraw { trader: t, amount } => self.withdraw(trader(t), Some(amount)).await,
            Op::WithdrawAll { trader: t } => self.withdraw(trader(t), None).await,
            Op::Trade { trader: t, market, leverage_tenths, reduce_only } => {
                let (i, m) = (trader(t), market as usize % markets());
                let margin = self.margin(i);
                let collateral = match self.open[i] {
                    true => load::<MarginAccount>(&mut self.tc, &margin).await.collateral,
                    false => 0,
                };
                let base = trade_base(collateral, leverage_tenths, self.prices[m]);
                let held = self.health(i, Some(m as u16)).await;
                let p = TradeParams { base, limit_price: if base > 0 { i64::MAX } else { 0 }, reduce_only };
                let feed = self.demo.markets[m].1;
                let key = self.traders[i].key.insecure_clone();
                let ix = ix::trade(key.pubkey(), margin, &keys, m as u16, feed, p, &self.demo.markets);
                let result = self.process(ix, &[&key]).await;
                self.outcome.cross_margin_trades += (result.is_ok() && !held.is_empty()) as usize;
                (Action::Trade, Some(margin), Some(m as u16), result)
            }
            Op::Liquidate { trader: t, market } => {
                let i = trader(t);
                let margin = self.margin(i);
                let held: Vec<usize> = self
                    .health(i, None)
                    .await
                    .iter()
                    .filter_map(|(mk, _)| self.demo.markets.iter().position(|(k, _)| k == mk))
                    .collect();
                let m = pick(&held, market as usize, market as usize % markets());
                let others = self.health(i, Some(m as u16)).await;
                let k = self.keeper.key.insecure_clone();
                let ix = ix::liquidate(
                    k.pubkey(),
                    self.keeper.token,
                    margin,
                    &keys,
                    m as u16,
                    self.demo.markets[m].1,
                    &others,
                );
                let result = self.process(ix, &[&k]).await;
                self.outcome.liquidations += result.is_ok() as usize;
                if let Err(e) = &result {
                    let allowed = !self.open[i] || LIQUIDATION_REFUSALS.contains(&e.as_str());
                    assert!(allowed, "invariant 5 (liquidation bounds) broken: liquidating {margin} refused: {e}");
                }
                (Action::Liquidate, Some(margin), Some(m as u16), result)
            }
            Op::Resolve { trader: t } => {
                // The `trader`-th flagged account, as the model picks.
                let mut flagged = vec![];
                for j in 0..TRADERS {
                    let margin = self.margin(j);
                    if self.open[j] && load::<MarginAccount>(&mut self.tc, &margin).await.is_bankrupt() {
                        flagged.push(j);
                    }
                }
                let i = pick(&flagged, t as usize, trader(t));
                let margin = self.margin(i);
                let result = self.process(ix::resolve_bankruptcy(margin, &keys), &[]).await;
                self.outcome.resolved += result.is_ok() as usize;
                (Action::ResolveBankruptcy, Some(margin), None, result)
            }
            Op::Close { trader: t } => {
                let i = trader(t);
                let key = self.traders[i].key.insecure_clone();
                let margin = self.margin(i);
                // The book goes with the account, in the same transaction.
                let mut ixs = vec![ix::close_account(key.pubkey(), margin)];
                if self.open[i] && self.book(i).await.is_some() {
                    ixs.insert(0, tx::close_trigger_book(key.pubkey(), margin));
                }
                let result = self.tc.process(&ixs, &[&key]).await.map_err(|e| refusal_name(&e, &margin_engine::ID));
                if result.is_ok() {
                    self.open[i] = false;
                    let gone = self.tc.account(&margin).await.is_none_or(|a| a.owner != margin_engine::ID);
                    assert!(
                        gone,
                        "invariant 12 (closing) broken: {margin} still belongs to the program after its close"
                    );
                }
                (Action::CloseAccount, Some(margin), None, result)
            }
            Op::Create { trader: t } => {
                let i = trader(t);
                let key = self.traders[i].key.insecure_clone();
                let result = self.process(ix::create_account(key.pubkey(), 0), &[&key]).await;
                if result.is_ok() {
                    self.open[i] = true;
                }
                (Action::Other, None, None, result)
            }
            Op::LpDeposit { lp, amount } => {
                let w = &self.lps[lp as usize % LPS];
                let ix = ix::lp_deposit(w.key.pubkey(), w.token, &keys, amount, 0, &self.demo.markets);
                let key = w.key.insecure_clone();
                (Action::LpDeposit, None, None, self.process(ix, &[&key]).await)
            }
            Op::LpWithdraw { lp, share_bps } => {
                let w = &self.lps[lp as usize % LPS];
                let key = w.key.insecure_clone();
                let token = w.token;
                let held = match self.tc.account(&ix::lp_address(&key.pubkey())).await {
                    Some(a) => ballast_client::decode::zero_copy::<LpPosition>(&a.data).map_or(0, |l| l.shares),
                    None => 0,
                };
                let shares = (held as u128 * share_bps as u128 / 10_000) as u64;
                let ix = ix::lp_withdraw(key.pubkey(), token, &keys, shares, 0, &self.demo.markets);
                (Action::LpWithdraw, None, None, self.process(ix, &[&key]).await)
            }
            Op::Price { market, bps, how } => {
                let m = market as usize % markets();
                let p = self.prices[m] as i128 * (10_000 + bps as i128) / 10_000;
                self.prices[m] = p.clamp(1, i64::MAX as i128) as i64;
                (Action::Other, None, None, self.refresh_feed(m, how).await)
            }
            Op::RefreshMarket { market } => {
                let m = market as usize % markets();
                let ix = ix::refresh_market(m as u16, self.demo.markets[m].1);
                (Action::Other, None, None, self.process(ix, &[]).await)
            }
            Op::RefreshStress => {
                let ix = ix::refresh_stress(&self.demo.markets);
                (Action::Other, None, None, self.process(ix, &[]).await)
            }
            Op::Warp { slots, ms_per_slot, refresh } => {
                let c = self.tc.clock().await;
                let t = c.unix_timestamp + (slots as i64 * ms_per_slot as i64) / 1_000;
                self.tc.set_clock(c.slot + slots as u64, t).await;
                let mut result = Ok(());
                if refresh {
                    for m in 0..markets() {
                        result = result.and(self.refresh_feed(m, FeedMove::Agree).await);
                    }
                }
                (Action::Other, None, None, result)
            }
            Op::GovernMarket { market, field, pct } => {
                let m = market as usize % markets();
                let names = ballast_model::ops::GOVERNED_MARKET_FIELDS;
                let code = field_code(m as u16, names[field as usize % names.len()]).expect("a market field");
                let current: Market = load(&mut self.tc, &self.demo.markets[m].0).await;
                let old = market_get(&current, code).expect("a market field");
                let value = if code == 25 { (pct % 2) as u64 } else { (old as u128 * pct as u128 / 100) as u64 };
                let c = ParamChange { target: m as u16, field: code, value, key: Pubkey::default() };
                (Action::Other, None, None, self.process(ix::set_param(gov.pubkey(), c), &[&gov]).await)
            }
            Op::GovernExchange { field, pct } => {
                let names = ballast_model::ops::GOVERNED_EXCHANGE_FIELDS;
                let code = field_code(EXCHANGE_TARGET, names[field as usize % names.len()]).expect("an exchange field");
                let ex: margin_engine::state::Exchange = load(&mut self.tc, &ix::exchange_address()).await;
                let old = margin_engine::engine::governance::exchange_get(&ex, code).expect("an exchange field");
                let value = (old as u128 * pct as u128 / 100) as u64;
                let c = ParamChange { target: EXCHANGE_TARGET, field: code, value, key: Pubkey::default() };
                (Action::Other, None, None, self.process(ix::set_param(gov.pubkey(), c), &[&gov]).await)
            }
            Op::WithdrawInsurance { amount } => {
                let code = margin_engine::engine::governance::INSURANCE_WITHDRAWAL_FIELD;
                let c = ParamChange { target: EXCHANGE_TARGET, field: code, value: amount, key: self.keeper.token };
                (Action::Other, None, None, self.process(ix::set_param(gov.pubkey(), c), &[&gov]).await)
            }
            Op::SettleMarket { market } => {
                let m = market as usize % markets();
                let feed = self.demo.markets[m].1;
                let price = self
                    .tc
                    .account(&feed)
                    .await
                    .map_or(0, |a| oracle_adapter::reader::decode_feed(&a.data).map_or(0, |f| f.price));
                let ix = ix::emergency_settle(gov.pubkey(), m as u16, feed, price);
                (Action::Other, None, None, self.process(ix, &[&gov]).await)
            }
            Op::SettlePosition { market, trader: t } => {
                let (i, m) = (trader(t), market as usize % markets());
                let margin = self.margin(i);
                let result = self.process(ix::settle_position(margin, &keys, m as u16), &[]).await;
                (Action::Other, Some(margin), Some(m as u16), result)
            }
            Op::GuardianPause { bits, slots } => {
                let ix = ix::guardian_pause(guardian.pubkey(), bits as u32, slots as u64);
                (Action::Other, None, None, self.process(ix, &[&guardian]).await)
            }
            Op::GuardianMarket { market, raise, slots } => {
                let m = market as u16 % markets() as u16;
                let ix = if raise {
                    ix::guardian_raise_margin(guardian.pubkey(), m, slots as u64, 15_000)
                } else {
                    ix::guardian_reduce_only(guardian.pubkey(), m, slots as u64)
                };
                (Action::Other, None, None, self.process(ix, &[&guardian]).await)
            }
            Op::KeeperPass { .. } => unreachable!("run_sequence expands a keeper pass"),
        }
    }

    async fn withdraw(
        &mut self,
        i: usize,
        amount: Option<u64>,
    ) -> (Action, Option<Pubkey>, Option<u16>, Result<(), String>) {
        let margin = self.margin(i);
        let all = match self.open[i] {
            true => load::<MarginAccount>(&mut self.tc, &margin).await.collateral.max(0) as u64,
            false => 0,
        };
        let held = self.health(i, None).await;
        let key = self.traders[i].key.insecure_clone();
        let ix =
            ix::withdraw(key.pubkey(), margin, self.traders[i].token, &self.demo.keys, amount.unwrap_or(all), &held);
        (Action::Withdraw, Some(margin), None, self.process(ix, &[&key]).await)
    }

    /// Market `m`'s two sources quote as `how` says around its price now;
    /// the adapter refreshes the feed.
    async fn refresh_feed(&mut self, m: usize, how: FeedMove) -> Result<(), String> {
        let c = self.tc.clock().await;
        let (quotes, conf) = how.quotes(self.prices[m], c.unix_timestamp);
        let slot = c.slot;
        for (s, (price, at)) in self.sources[m].iter_mut().zip(quotes) {
            *s = SourceFixture { conf, ..s.at(price, at, slot) };
        }
        refresh(&mut self.tc, &self.demo.markets[m].1, &self.sources[m]).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Send one instruction; a refusal by name
    /// (`ballast_client::errors::refusal_name`).
    async fn process(&mut self, ix: Instruction, signers: &[&Keypair]) -> Result<(), String> {
        let program = ix.program_id;
        self.tc.process(&[ix], signers).await.map_err(|e| ballast_client::errors::refusal_name(&e, &program))
    }
}
