//! The keeper end to end in the bank: a crowd of traders at mixed leverage,
//! a 30 % crash, then keeper ticks until every account is healthy again.
//! After every tick: the accounting invariants hold, no account that was
//! healthy was touched, and nothing the keeper sent was refused.

use ballast_client::backend::bank::BankBackend;
use ballast_client::backend::{Backend, BackendError, BackendResult, Filter, Landed};
use ballast_client::engine as ix;
use ballast_keeper::tick::{wire_size, MAX_TX_BYTES};
use ballast_keeper::{Config, Keeper, Shard, TickReport};
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load, patch, trader, trader_with_position};
use ballast_tests::venue::{venue, Trader, Venue, BASE, S0, T0, USD};
use margin_engine::state::{Exchange, MarginAccount, Market};
use oracle_adapter::state::PriceFeed;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use solana_sdk::transaction::Transaction;
use std::cell::Cell;
use std::collections::BTreeMap;

/// `n` traders: collateral 100..1,000, leverage 1, 2, 3, 5, 7 or 9, one in
/// five short; plus the accounts' keys in creation order.
async fn crowd(tc: &mut TestContext, v: &Venue, n: u64) -> Vec<Trader> {
    const LEVERAGE: [u64; 6] = [1, 2, 3, 5, 7, 9];
    let mut out = Vec::new();
    for i in 0..n {
        let collateral = (100 + i * 37 % 900) * USD;
        let notional = collateral * LEVERAGE[i as usize % 6];
        let base = (notional as i128 * BASE as i128 / (100 * USD) as i128) as i64;
        let base = if i % 5 == 0 { -base } else { base };
        out.push(trader_with_position(tc, v, collateral, base).await);
    }
    out
}

/// A crash from 100 to 70 in 5-dollar steps ten minutes apart (one EMA
/// half-life), so the adapter accepts every step; returns (t, slot) after.
async fn crash(tc: &mut TestContext, v: &mut Venue) -> (i64, u64) {
    let (mut t, mut slot) = (T0, S0);
    for price in [95, 90, 85, 80, 75, 70] {
        (t, slot) = (t + 600, slot + 1_500);
        v.set_price(tc, price * ONE, 0, t, slot).await;
    }
    (t, slot)
}

/// Maintenance health of every account at the bank's clock, with the
/// client preview (the program's own code).
async fn healths(tc: &mut TestContext, v: &Venue, accounts: &[Pubkey]) -> BTreeMap<Pubkey, (i128, MarginAccount)> {
    let clock = tc.clock().await;
    let ex: Exchange = load(tc, &ix::exchange_address()).await;
    let markets = [(load::<Market>(tc, &v.market).await, load::<PriceFeed>(tc, &v.feed).await)];
    let mut out = BTreeMap::new();
    for a in accounts {
        let acc: MarginAccount = load(tc, a).await;
        let h = ballast_client::preview::health(&ex, &acc, &markets, clock.unix_timestamp, clock.slot).unwrap();
        out.insert(*a, (h.maintenance, acc));
    }
    out
}

fn unhealthy(h: &BTreeMap<Pubkey, (i128, MarginAccount)>) -> usize {
    h.values().filter(|(m, a)| a.has_positions() && *m < 0).count()
}

fn keeper_config() -> Config {
    Config { backoff_ms: 0, ..Config::default() }
}

#[tokio::test]
async fn after_a_30pct_crash_the_keeper_liquidates_every_unhealthy_account_within_the_throttle_and_touches_no_healthy_one(
) {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    patch::<Market>(&mut tc, &v.market, |m| m.oi_cap = 1_000_000 * BASE as u64).await;
    let traders = crowd(&mut tc, &v, 200).await;
    let k = trader(&mut tc, &v, 0).await;
    let mut accounts: Vec<Pubkey> = traders.iter().map(|t| t.margin).collect();
    accounts.push(k.margin);
    let (mut t, mut slot) = crash(&mut tc, &mut v).await;
    // A throttle tight enough to matter: 20,000 of notional per 100 slots.
    let cap = 20_000 * USD;
    patch::<Market>(&mut tc, &v.market, |m| m.params.throttle_cap = cap).await;
    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    let initially = unhealthy(&healths(&mut tc, &v, &accounts).await);
    assert!(initially > 50, "the crash leaves many accounts unhealthy: {initially}");

    let (mut ticks, mut total, mut throttled_ticks) = (0u64, TickReport::default(), 0);
    loop {
        let before = healths(&mut tc, &v, &accounts).await;
        let left = unhealthy(&before);
        let bankrupt = before.values().filter(|(_, a)| a.is_bankrupt()).count();
        if left == 0 && bankrupt == 0 {
            break;
        }
        let report = keeper.tick().await.expect("tick");
        ticks += 1;
        assert_eq!((report.unhealthy, report.rejected, report.failed), (left, 0, 0), "{report}");
        // The metrics' inputs: every liquidation transaction sent landed
        // (none refused), at least one per tick with calls to make.
        assert_eq!(report.liquidations_refused, 0);
        assert!(report.calls == 0 || (1..=report.calls).contains(&report.liquidations_sent), "{report:?}");
        assert_eq!(report.scanned, accounts.len(), "the scan finds every margin account");
        for (key, (m, acc)) in &before {
            if *m >= 0 && !acc.is_bankrupt() {
                let now: MarginAccount = load(&mut tc, key).await;
                assert_eq!(bytemuck::bytes_of(&now), bytemuck::bytes_of(acc), "healthy account {key} untouched");
            }
        }
        assert_conservation(&mut tc, &v, &accounts).await;
        throttled_ticks += usize::from(report.throttled > 0);
        total.calls += report.calls;
        total.notional += report.notional;
        total.resolved += report.resolved;
        assert!(ticks <= 100, "no convergence after 100 ticks");
        // Half a throttle window passes; the oracles keep publishing 70.
        (t, slot) = (t + 20, slot + 50);
        v.set_price(&mut tc, 70 * ONE, 0, t, slot).await;
    }
    // The throttle held the keeper back, yet it kept up with the windows:
    // two ticks per window, plus one for the bankruptcies of the last
    // closes and one for a partial last window. (An upper bound: accounts
    // below the bankruptcy line are exempt from the throttle, and their
    // notional is counted here too.)
    assert!(throttled_ticks > 0, "the throttle engaged");
    let windows = total.notional.div_ceil(cap);
    assert!(ticks <= 2 * windows + 2, "{ticks} ticks for {windows} windows of liquidations");
    assert!(total.resolved > 0, "the crash bankrupted the 9x accounts and the keeper resolved them");
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    // Penalties funded insurance, which the waterfall used down to its floor
    // (0 here) before socialising the rest into the pool; what it holds now
    // is penalties booked after the last resolution.
    assert!(
        ex.socialized_losses > 0 && ex.insurance_balance < 100 * USD,
        "{} / {}",
        ex.socialized_losses,
        ex.insurance_balance
    );
}

/// The bank behind an RPC node's limits: it refuses any transaction larger
/// than a packet (and records the largest it sent), and it fails a seeded
/// share of requests: before they reach the bank, and (for sends) after
/// the bank executed them, losing the reply.
struct Node {
    inner: BankBackend,
    state: Cell<ballast_risk::rng::Rng>,
    failures: Cell<u32>,
    /// Failure probability in 1/256ths (0: never).
    rate: u64,
    largest: Cell<usize>,
}

impl Node {
    fn new(inner: BankBackend, rate: u64) -> Node {
        Node {
            inner,
            state: Cell::new(ballast_risk::rng::Rng(0x9e37_79b9_7f4a_7c15)),
            failures: Cell::new(0),
            rate,
            largest: Cell::new(0),
        }
    }

    fn fail(&self) -> BackendResult<()> {
        // Deterministic for the seed.
        let mut rng = self.state.get();
        let x = rng.next_u64();
        self.state.set(rng);
        if (x >> 56) < self.rate {
            self.failures.set(self.failures.get() + 1);
            return Err(BackendError::Transport("injected: connection reset".into()));
        }
        Ok(())
    }
}

impl Backend for Node {
    async fn get_account(&self, key: &Pubkey) -> BackendResult<Option<Account>> {
        self.fail()?;
        self.inner.get_account(key).await
    }
    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>> {
        self.fail()?;
        self.inner.get_multiple_accounts(keys).await
    }
    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[Filter],
    ) -> BackendResult<Vec<(Pubkey, Account)>> {
        self.fail()?;
        self.inner.get_program_accounts(program, filters).await
    }
    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.fail()?;
        self.inner.latest_blockhash().await
    }
    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        self.fail()?;
        let size = wire_size(tx);
        if size > MAX_TX_BYTES {
            return Err(BackendError::Transport(format!("transaction too large: {size} bytes")));
        }
        self.largest.set(self.largest.get().max(size));
        let landed = self.inner.send(tx).await?;
        self.fail()?; // executed, but the reply is lost
        Ok(landed)
    }
    async fn clock(&self) -> BackendResult<Clock> {
        self.fail()?;
        self.inner.clock().await
    }
}

#[tokio::test]
async fn a_keeper_whose_backend_fails_a_third_of_requests_still_converges_and_refreshes_its_feed() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let traders = crowd(&mut tc, &v, 30).await;
    let k = trader(&mut tc, &v, 0).await;
    let mut accounts: Vec<Pubkey> = traders.iter().map(|t| t.margin).collect();
    accounts.push(k.margin);
    let (mut t, mut slot) = crash(&mut tc, &mut v).await;
    let flaky = Node::new(tc.backend(), 85);
    // The keeper refreshes the feed itself; the test only has the sources publish.
    let config = Config { feeds: vec!["SOL".into()], retries: 3, ..keeper_config() };
    let mut keeper = Keeper::new(flaky, k.key.insecure_clone(), k.token, config);
    let (mut ticks, mut failed_ticks, mut refreshed) = (0, 0, 0);
    loop {
        let h = healths(&mut tc, &v, &accounts).await;
        if unhealthy(&h) == 0 && h.values().all(|(_, a)| !a.is_bankrupt()) {
            break;
        }
        (t, slot) = (t + 20, slot + 50);
        v.publish(&mut tc, 70 * ONE, 0, t, slot).await;
        match keeper.tick().await {
            Ok(r) => {
                // A lost reply is resent as the same bytes and recognised as
                // landed: nothing is ever refused by the programs.
                assert_eq!(r.rejected, 0, "{r}");
                refreshed += r.refreshed;
            }
            Err(_) => failed_ticks += 1, // the binary logs and goes on; so do we
        }
        ticks += 1;
        assert_conservation(&mut tc, &v, &accounts).await;
        assert!(ticks <= 60, "no convergence after 60 ticks ({failed_ticks} failed)");
    }
    let failures = keeper.backend().failures.get();
    assert!(failures > 20, "failures were injected: {failures}");
    assert!(refreshed > 0, "the keeper refreshed the feed");
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!(feed.price, 70 * ONE);
}

#[tokio::test]
async fn shards_split_the_accounts_and_together_cover_all_of_them() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let traders = crowd(&mut tc, &v, 24).await;
    let k = trader(&mut tc, &v, 0).await;
    crash(&mut tc, &mut v).await;
    let mut seen = 0;
    let mut unhealthy_total = 0;
    for index in 0..3 {
        let config = Config { shard: Shard { index, count: 3 }, ..keeper_config() };
        let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, config);
        let r = keeper.tick().await.expect("tick");
        seen += r.in_shard;
        unhealthy_total += r.unhealthy;
        assert!(r.in_shard < traders.len() + 1, "a shard sees only part of the accounts");
    }
    assert_eq!(seen, traders.len() + 1, "every account is in exactly one shard");
    assert!(unhealthy_total > 0);
}

#[tokio::test]
async fn the_keeper_cranks_a_breaker_only_when_a_trip_or_release_is_due() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let k = trader(&mut tc, &v, 0).await;
    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    assert_eq!(keeper.tick().await.unwrap().breakers, 0, "in band: nothing to crank");
    v.set_price(&mut tc, 78 * ONE, 0, T0 + 10, S0 + 10).await;
    assert_eq!(keeper.tick().await.unwrap().breakers, 1, "the trip");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.breaker_until_slot, m.breaker_trips), (S0 + 10 + 300, 1));
    v.set_price(&mut tc, 99 * ONE, 0, T0 + 20, S0 + 100).await;
    assert_eq!(keeper.tick().await.unwrap().breakers, 0, "held: nothing due");
    v.set_price(&mut tc, 99 * ONE, 0, T0 + 30, S0 + 10 + 300).await;
    assert_eq!(keeper.tick().await.unwrap().breakers, 1, "the release");
    assert_eq!(load::<Market>(&mut tc, &v.market).await.breaker_until_slot, 0);
}

#[tokio::test]
async fn the_keeper_settles_every_position_of_an_emergency_settled_market_then_resolves_the_bankrupt() {
    let (mut tc, v) = venue(100 * ONE, 1_000_000 * USD).await;
    let traders = crowd(&mut tc, &v, 12).await;
    let k = trader(&mut tc, &v, 0).await;
    let mut accounts: Vec<Pubkey> = traders.iter().map(|t| t.margin).collect();
    accounts.push(k.margin);
    // 75 is 25 % from the EMA: a band of 30 % lets governance settle there at once.
    ballast_tests::venue::patch::<margin_engine::state::Market>(&mut tc, &v.market, |m| m.params.band_bps = 3_000)
        .await;
    tc.process(&[ix::emergency_settle(v.gov.pubkey(), 0, v.feed, 75 * ONE)], &[&v.gov]).await.unwrap();
    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    let first = keeper.tick().await.unwrap();
    assert_eq!((first.settled, first.liquidated, first.rejected), (12, 0, 0), "{first}");
    assert_conservation(&mut tc, &v, &accounts).await;
    let second = keeper.tick().await.unwrap();
    assert!(second.resolved > 0, "the 75 settlement bankrupted the levered longs: {second}");
    let third = keeper.tick().await.unwrap();
    assert_eq!((third.settled, third.resolved, third.unhealthy), (0, 0, 0), "{third}");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.long_oi, m.short_oi), (0, 0));
    for a in &accounts {
        let acc: MarginAccount = load(&mut tc, a).await;
        assert!(!acc.has_positions() && !acc.is_bankrupt());
    }
    assert_conservation(&mut tc, &v, &accounts).await;
}

/// Six markets at 100 and four accounts long 10 in each (6x on 1,000), then
/// every market 15 % down: all four below maintenance, none bankrupt.
async fn six_market_book() -> (TestContext, Venue, Vec<Pubkey>) {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let mut pairs = vec![(v.market, v.feed)];
    let mut sources = vec![v.sources.clone()];
    for (i, symbol) in ["ETH", "BTC", "AVAX", "JUP", "BONK"].into_iter().enumerate() {
        let (m, f, s) = ballast_tests::venue::add_market(&mut tc, &v, i as u16 + 1, symbol, 100 * ONE).await;
        pairs.push((m, f));
        sources.push(s);
    }
    let mut accounts = Vec::new();
    for _ in 0..4 {
        let t = trader_with_position(&mut tc, &v, 1_000 * USD, 10 * BASE).await;
        for i in 1..pairs.len() {
            let p =
                margin_engine::instructions::TradeParams { base: 10 * BASE, limit_price: i64::MAX, reduce_only: false };
            let trade = ix::trade(t.key.pubkey(), t.margin, &v.keys, i as u16, pairs[i].1, p, &pairs);
            tc.process(&[trade], &[&t.key]).await.expect("trade");
        }
        accounts.push(t.margin);
    }
    let (t1, s1) = (T0 + 10, S0 + 10);
    v.set_price(&mut tc, 85 * ONE, 0, t1, s1).await;
    for (i, s) in sources.iter().enumerate().skip(1) {
        let moved: Vec<_> = s.iter().map(|x| x.at(85 * ONE, t1, s1)).collect();
        ballast_tests::adapter::refresh(&mut tc, &pairs[i].1, &moved).await.expect("refresh");
    }
    (tc, v, accounts)
}

#[tokio::test]
async fn liquidations_with_their_refreshes_are_split_to_fit_a_packet_and_all_land() {
    for per_tx in [4, 1] {
        let (mut tc, v, mut accounts) = six_market_book().await;
        let k = trader(&mut tc, &v, 0).await;
        let config = Config { accounts_per_tx: per_tx, calls_per_account: 4, ..keeper_config() };
        // What the keeper plans would not fit in one transaction: not the
        // batch, and not one account with every refresh.
        let venue_now = ballast_client::venue::load_venue(&tc.backend()).await.unwrap();
        let scanned = ballast_keeper::scan::scan_accounts(&tc.backend()).await.unwrap();
        let planned = ballast_keeper::plan::plan(&venue_now, &scanned, &config, k.key.pubkey(), k.token);
        assert_eq!(planned.liquidations.len(), 4);
        let one = &planned.liquidations[0];
        assert_eq!(one.refreshes.len(), 6, "every feed the account reads");
        let all: Vec<_> = one.refreshes.iter().chain(&one.calls).cloned().collect();
        assert!(wire_size(&Transaction::new_with_payer(&all, Some(&k.key.pubkey()))) > MAX_TX_BYTES);

        let backend = Node::new(tc.backend(), 0);
        let mut keeper = Keeper::new(backend, k.key.insecure_clone(), k.token, config);
        let report = keeper.tick().await.expect("tick");
        assert_eq!((report.liquidated, report.rejected, report.failed), (4, 0, 0), "{per_tx} per tx: {report}");
        let largest = keeper.backend().largest.get();
        assert!(largest > 0 && largest <= MAX_TX_BYTES, "{largest}");
        for a in &accounts {
            let acc: MarginAccount = load(&mut tc, a).await;
            assert!(acc.positions.iter().any(|p| p.base != 0 && p.base < 10 * BASE), "liquidated in part");
        }
        accounts.push(k.margin);
        assert_conservation(&mut tc, &v, &accounts).await;
    }
}

/// The keeper plans with the moment `liquidate` sees: network stress
/// observed first (`Venue::writer_view`). Two-second slots put the exchange
/// into stress at this slot, which raises the phased maintenance ratio by a
/// tenth before any instruction has stored it. An account between the two
/// bars is healthy by the stored state, liquidatable by the observed one;
/// the keeper liquidates it and the program accepts every call.
#[tokio::test]
async fn under_stress_entered_at_this_slot_the_keepers_plan_and_the_liquidate_handler_agree() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let k = trader(&mut tc, &v, 0).await;
    // Open a stress window, then let 100 slots take 200 s at an unchanged price.
    tc.process(&[ix::refresh_market(0, v.feed)], &[]).await.unwrap();
    v.set_price(&mut tc, 100 * ONE, 0, T0 + 200, S0 + 100).await;
    let stored = healths(&mut tc, &v, &[a.margin]).await[&a.margin].0;
    let acc: MarginAccount = load(&mut tc, &a.margin).await;
    let clock = tc.clock().await;
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    let markets = [(load::<Market>(&mut tc, &v.market).await, load::<PriceFeed>(&mut tc, &v.feed).await)];
    let h = ballast_client::preview::health(&ex, &acc, &markets, clock.unix_timestamp, clock.slot).unwrap();
    assert_eq!(h.maintenance, stored);
    // Leave 5 % of the unstressed requirement above the bar.
    let target = h.maintenance_requirement as i128 / 20;
    patch::<MarginAccount>(&mut tc, &a.margin, |m| m.collateral -= (h.maintenance - target) as i64).await;
    let calm = healths(&mut tc, &v, &[a.margin]).await[&a.margin].0;
    assert_eq!(calm, target, "healthy by the stored (unstressed) state");
    // What the program sees when it observes this slot: stressed.
    let venue = ballast_client::venue::load_venue(&tc.backend()).await.unwrap();
    let view = venue.writer_view();
    assert!(view.now.stress_mult_bps > 10_000, "two-second slots: stressed at this slot");
    let acc: MarginAccount = load(&mut tc, &a.margin).await;
    let q = view.quotes[0].as_ref().unwrap();
    let observed = margin_engine::engine::health::account_health(&acc, &[*q]).unwrap();
    assert!(observed.maintenance < 0, "liquidatable once stress is observed: {observed:?}");

    let mut keeper = Keeper::new(tc.backend(), k.key.insecure_clone(), k.token, keeper_config());
    let report = keeper.tick().await.expect("tick");
    assert_eq!((report.unhealthy, report.liquidated, report.rejected, report.failed), (1, 1, 0, 0), "{report}");
    let after: MarginAccount = load(&mut tc, &a.margin).await;
    let base = after.open_positions().next().map_or(0, |s| s.base);
    assert!(base < 10 * BASE, "the position was reduced: {base}");
    let ex: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert!(ex.stress_mult_at(clock.slot) > 10_000, "the handler observed the same stress");
}
