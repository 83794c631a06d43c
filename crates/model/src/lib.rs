//! Ballast's pure model: the venue as plain structs, driven by the same
//! engine functions the handlers call, with the token movements the
//! handlers make on success. A refused operation leaves the model exactly
//! as it was (a failed transaction rolls back).
//!
//! Three markets (the demo's SOL, BTC and ETH), [`TRADERS`] traders with
//! one margin account each, [`LPS`] LPs, a keeper and a treasury. Feeds
//! have two sources whose quotes go through the adapter's own checks
//! (`check_quote`) and aggregation (`aggregate`), so agreeing, disputed,
//! stale and future-dated sources produce the validity the chain would.
//!
//! After every step the caller checks the shared invariant checker
//! ([`ballast_client::invariants`]) and [`Model::check_ledger`]: every
//! token is in a wallet or a vault, and wallets move only as the step says.

pub mod ops;

use anchor_lang::prelude::{Clock, Pubkey};
use ballast_client::demo::exchange_params;
use ballast_client::invariants::step::Step;
use ballast_client::invariants::Snapshot;
use ballast_client::venue::{read_markets, WriterView};
use ballast_risk::oracle::{aggregate, check_quote, Guards, Quote, RawQuote, Validity};
use bytemuck::Zeroable;
use margin_engine::engine::health::{quotes_at, Now};
use margin_engine::engine::stress::observe;
use margin_engine::state::{Exchange, LpPosition, MarginAccount, Market, Pool, PositionSlot};
use oracle_adapter::constants::PRICE_FEED_VERSION;
use oracle_adapter::state::PriceFeed;

pub use ops::{FeedMove, Op};

/// Traders (one margin account each).
pub const TRADERS: usize = 4;
/// LPs.
pub const LPS: usize = 2;
/// Wallet index of the keeper (liquidation rewards).
pub const KEEPER: usize = TRADERS + LPS;
/// Wallet index of the treasury (insurance withdrawals).
pub const TREASURY: usize = KEEPER + 1;
/// Tokens each trader and LP starts with.
pub const START_FUNDS: u64 = 2_000_000 * ballast_client::demo::USD;
/// What the first LP deposits at the start.
pub const SEED_POOL: u64 = 1_000_000 * ballast_client::demo::USD;
/// What each trader deposits at the start.
pub const START_COLLATERAL: u64 = 200_000 * ballast_client::demo::USD;
/// Unix time of slot 0.
pub const T0: i64 = 1_700_000_000;
/// The first slot.
pub const SLOT0: u64 = 1_000;

/// The venue as plain structs, with every wallet.
#[derive(Clone, Debug)]
pub struct Model {
    /// The exchange.
    pub exchange: Exchange,
    /// The pool.
    pub pool: Pool,
    /// The markets, by index.
    pub markets: Vec<Market>,
    /// Their feeds.
    pub feeds: Vec<PriceFeed>,
    /// The price the sources follow, per market. precision: PRICE_PRECISION.
    pub prices: Vec<i64>,
    /// Each trader's margin account (None: not created, or closed).
    pub accounts: Vec<Option<MarginAccount>>,
    /// Each LP's position.
    pub lps: Vec<LpPosition>,
    /// Collateral, insurance and pool vaults.
    pub vault: [u64; 3],
    /// Traders, LPs, the keeper, the treasury.
    pub wallets: Vec<u64>,
    /// Tokens in existence (wallets + vaults never differ from it).
    pub supply: u64,
    /// Unix time.
    pub ts: i64,
    /// Slot.
    pub slot: u64,
}

/// The key of trader `i`'s margin account.
pub fn account_key(i: usize) -> Pubkey {
    Pubkey::new_from_array([1 + i as u8; 32])
}

/// The key of wallet `i` (a trader's owner key, an LP, the keeper, the treasury).
pub fn owner_key(i: usize) -> Pubkey {
    Pubkey::new_from_array([100 + i as u8; 32])
}

impl Model {
    /// The demo venue: three open markets at their starting prices, every
    /// trader with an empty account, the pool seeded by the first LP.
    pub fn new() -> Model {
        let mut exchange = Exchange::zeroed();
        exchange_params(Pubkey::new_from_array([240; 32]), Pubkey::new_from_array([241; 32])).write_to(&mut exchange);
        let (mut markets, mut feeds, mut prices) = (vec![], vec![], vec![]);
        let spec = ballast_client::demo::spec();
        for (i, ms) in spec.markets.iter().enumerate() {
            let fs = spec.feed(&ms.feed).expect("a checked spec names its markets' feeds");
            let mut m = Market::zeroed();
            let sym = ms.params.validate().expect("demo parameters are valid");
            m.list(i as u16, Pubkey::new_from_array([50 + i as u8; 32]), sym, ms.params.params(), SLOT0);
            (m.status, m.oi_cap) = (ms.status, ms.oi_cap);
            markets.push(m);
            let mut f = PriceFeed::zeroed();
            f.set_guards(&Guards::from(fs.guards));
            f.num_sources = 2;
            f.version = PRICE_FEED_VERSION;
            f.validity = Validity::Invalid as u8;
            feeds.push(f);
            prices.push(fs.emulated_price.expect("the demo emulates its feeds"));
        }
        exchange.market_count = markets.len() as u16;
        let mut lps: Vec<LpPosition> = (0..LPS).map(|_| LpPosition::zeroed()).collect();
        for (i, lp) in lps.iter_mut().enumerate() {
            lp.owner = owner_key(TRADERS + i);
        }
        let wallets: Vec<u64> = (0..=TREASURY).map(|i| if i < TRADERS + LPS { START_FUNDS } else { 0 }).collect();
        let supply = wallets.iter().sum();
        let mut model = Model {
            exchange,
            pool: Pool::zeroed(),
            markets,
            feeds,
            prices,
            accounts: (0..TRADERS).map(|i| Some(new_account(i))).collect(),
            lps,
            vault: [0; 3],
            wallets,
            supply,
            ts: T0,
            slot: SLOT0,
        };
        for i in 0..model.markets.len() {
            model.refresh_feed(i, FeedMove::Agree).expect("the first refresh prices the feed");
        }
        let (step, refused) = model.apply(&Op::LpDeposit { lp: 0, amount: SEED_POOL });
        assert!(step.ok, "seeding the pool: {refused:?}");
        for trader in 0..TRADERS as u8 {
            let (step, refused) = model.apply(&Op::Deposit { trader, amount: START_COLLATERAL });
            assert!(step.ok, "a trader's first deposit: {refused:?}");
        }
        model
    }

    /// The clock now.
    pub fn clock(&self) -> Clock {
        Clock { slot: self.slot, unix_timestamp: self.ts, ..Clock::default() }
    }

    /// The venue as the invariant checker reads it.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            exchange: self.exchange,
            pool: self.pool,
            markets: self.markets.clone(),
            feeds: self.feeds.clone(),
            accounts: self.accounts.iter().enumerate().filter_map(|(i, a)| a.map(|a| (account_key(i), a))).collect(),
            lps: self.lps.iter().enumerate().map(|(i, l)| (Pubkey::new_from_array([150 + i as u8; 32]), *l)).collect(),
            vault: self.vault,
            now: (self.ts, self.slot),
        }
    }

    /// What an instruction that writes the exchange sees now: stress
    /// observed on the model's own exchange (as the handlers do first),
    /// then every market quoted.
    pub fn writer_view(&mut self) -> WriterView {
        let now = {
            let clock = self.clock();
            observe(&mut self.exchange, &clock, None)
        };
        let markets = read_markets(self.markets.iter().zip(&self.feeds), &now);
        let quotes = quotes_at(&markets, &now);
        WriterView { exchange: self.exchange, now, markets, quotes }
    }

    /// The moment as an instruction that only reads the exchange sees it.
    pub(crate) fn reader_now(&self) -> Now {
        Now::at(&self.exchange, self.ts, self.slot)
    }

    /// Refresh market `i`'s feed with its two sources quoting as `how`
    /// says around `prices[i]`, through the adapter's checks and
    /// aggregation.
    pub(crate) fn refresh_feed(&mut self, i: usize, how: FeedMove) -> Result<(), String> {
        let feed = &mut self.feeds[i];
        let (quotes, conf) = how.quotes(self.prices[i], self.ts);
        let raw = |(price, publish_time): (i64, i64)| RawQuote {
            price: price as i128,
            conf: conf as u128,
            expo: -9,
            conf_expo: -9,
            publish_time,
            slot: self.slot,
        };
        let sources = quotes.map(raw);
        let guards = feed.guards();
        let quotes: Vec<Quote> =
            sources.iter().filter_map(|r| check_quote(r, &guards, self.ts, self.slot).ok()).collect();
        let out = aggregate(&feed.state(), &quotes, feed.num_sources as usize, &guards, self.ts, self.slot)
            .map_err(|e| format!("aggregate: {e:?}"))?;
        feed.set_state(&out.state).map_err(|e| format!("feed state: {e:?}"))?;
        feed.last_refresh_slot = self.slot;
        feed.last_refresh_ts = self.ts;
        Ok(())
    }

    /// Apply `op`: on refusal the model is restored and the refusal
    /// returned beside the step.
    pub fn apply(&mut self, op: &Op) -> (Step, Option<String>) {
        let saved = self.clone();
        let result = self.run(op);
        let ok = result.is_ok();
        let step = op.step(&saved, ok);
        if !ok {
            *self = saved;
        }
        (step, result.err())
    }

    /// Every token is in a wallet or a vault; and compared with `before`,
    /// the wallets moved only as `op` says: a deposit takes exactly its
    /// amount from its owner, a withdrawal pays exactly its amount, an LP
    /// flow moves only its LP's wallet, a liquidation only the keeper's
    /// (up), an insurance withdrawal only the treasury's; nothing else
    /// moves any wallet.
    pub fn check_ledger(&self, before: &Model, op: &Op, ok: bool) -> Result<(), String> {
        let total: u128 =
            self.wallets.iter().map(|w| *w as u128).sum::<u128>() + self.vault.iter().map(|v| *v as u128).sum::<u128>();
        if total != self.supply as u128 {
            return Err(format!("tokens {total} != supply {}", self.supply));
        }
        let mut expected = before.wallets.clone();
        if ok {
            match *op {
                Op::Deposit { trader, amount } => expected[trader as usize % TRADERS] -= amount,
                Op::Withdraw { trader, amount } => expected[trader as usize % TRADERS] += amount,
                Op::WithdrawAll { trader } => {
                    let all = before.accounts[trader as usize % TRADERS].map_or(0, |a| a.collateral.max(0) as u64);
                    expected[trader as usize % TRADERS] += all;
                }
                Op::LpDeposit { lp, amount } => expected[TRADERS + lp as usize % LPS] -= amount,
                Op::LpWithdraw { lp, .. } => {
                    expected[TRADERS + lp as usize % LPS] = self.wallets[TRADERS + lp as usize % LPS]
                }
                Op::Liquidate { .. } => {
                    if self.wallets[KEEPER] < before.wallets[KEEPER] {
                        return Err("a liquidation took from the keeper".into());
                    }
                    expected[KEEPER] = self.wallets[KEEPER];
                }
                Op::WithdrawInsurance { .. } => expected[TREASURY] = self.wallets[TREASURY],
                _ => {}
            }
        }
        if let Some(i) = (0..expected.len()).find(|&i| expected[i] != self.wallets[i]) {
            return Err(format!(
                "wallet {i}: {} -> {}, expected {} after {op:?}",
                before.wallets[i], self.wallets[i], expected[i]
            ));
        }
        Ok(())
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

/// A new, empty margin account of trader `i` (`create_account`).
pub(crate) fn new_account(i: usize) -> MarginAccount {
    let mut a = MarginAccount::zeroed();
    a.owner = owner_key(i);
    a.positions = [PositionSlot::EMPTY; margin_engine::constants::MAX_POSITIONS];
    a.version = margin_engine::constants::ACCOUNT_VERSION;
    a
}

/// Move `amount` tokens between two balances (a token transfer: refused
/// when the source is short).
pub(crate) fn transfer(from: &mut u64, to: &mut u64, amount: u64) -> Result<(), String> {
    *from = from.checked_sub(amount).ok_or_else(|| format!("transfer of {amount}: source holds {from}"))?;
    *to = to.checked_add(amount).ok_or("transfer overflows")?;
    Ok(())
}
