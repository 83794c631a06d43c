//! The operations of the model, each run as its handler runs it: the same
//! engine functions in the same order, then the handler's token
//! movements. Indexes wrap (a trader index is taken modulo [`TRADERS`]),
//! so every generated operation names something that exists.

use super::{new_account, transfer, Model, KEEPER, LPS, TRADERS, TREASURY};
use crate::account_key;
use ballast_client::engine::field_code;
use ballast_client::invariants::step::{Action, Step};
use ballast_risk::precision::{BASE_PRECISION, PRICE_PRECISION};
use margin_engine::engine::adl::require_adl_headroom;
use margin_engine::engine::breaker::observe_breaker;
use margin_engine::engine::collateral::{deposit, withdraw};
use margin_engine::engine::emergency::settle_position;
use margin_engine::engine::governance::{apply_to_exchange, apply_to_market, withdraw_insurance, EXCHANGE_TARGET};
use margin_engine::engine::guardian;
use margin_engine::engine::health::{quote_from_reading, quotes_at, MarketQuote};
use margin_engine::engine::liquidation::{liquidate, resolve_bankruptcy};
use margin_engine::engine::pool::{deposit_shares, lp_deposit, lp_withdraw, require_lp_open, value_legs};
use margin_engine::engine::stress::{observe, stale_share_bps};
use margin_engine::engine::trade::{trade, TradeRequest};
use margin_engine::state::{market_get, Market, ParamChange, SETTLE_FIELD};
use oracle_adapter::reader::reading;
use proptest::prelude::*;

/// How a feed's two sources quote at a refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedMove {
    /// Both fresh, a basis point apart.
    Agree,
    /// Both fresh, 3 % apart (beyond the divergence limit).
    Dispute,
    /// One fresh, one an hour old.
    OneStale,
    /// Both an hour old.
    AllStale,
    /// One fresh, one stamped ten minutes ahead of the clock.
    FutureDated,
    /// Both fresh and agreeing, each with a wide conf (1 %: still under
    /// the conf limit), so conf-biased prices and fills matter.
    Wide,
}

impl FeedMove {
    /// The two sources' quotes around `price` at unix time `t`: each
    /// source's price and publish time, and the conf both carry (2 bps, or
    /// 1 % for [`FeedMove::Wide`]). PRICE_PRECISION. The model and the
    /// bank sequences publish these.
    pub fn quotes(self, price: i64, t: i64) -> ([(i64, i64); 2], u64) {
        let p = price;
        let (old, ahead) = (t - 3_600, t + 600);
        let quotes = match self {
            FeedMove::Agree | FeedMove::Wide => [(p, t), (p + p / 10_000, t)],
            FeedMove::Dispute => [(p, t), (p + p / 100 * 3, t)],
            FeedMove::OneStale => [(p, t), (p, old)],
            FeedMove::AllStale => [(p, old), (p, old)],
            FeedMove::FutureDated => [(p, t), (p, ahead)],
        };
        let conf = if self == FeedMove::Wide { p / 100 } else { p / 5_000 };
        (quotes, conf.max(0) as u64)
    }
}

/// One operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `deposit`.
    Deposit { trader: u8, amount: u64 },
    /// `withdraw`.
    Withdraw { trader: u8, amount: u64 },
    /// `withdraw` of all the account's collateral.
    WithdrawAll { trader: u8 },
    /// `trade` at the market (no price limit) of a notional of
    /// `leverage_tenths` / 10 times the account's collateral (at least a
    /// dollar's worth; negative sells).
    Trade { trader: u8, market: u8, leverage_tenths: i16, reduce_only: bool },
    /// `liquidate` by the keeper, in the market of the trader's `market`-th
    /// open position (modulo their count; `market` itself without one).
    Liquidate { trader: u8, market: u8 },
    /// `resolve_bankruptcy` of the `trader`-th flagged account (modulo
    /// their count; `trader` itself when none is flagged).
    Resolve { trader: u8 },
    /// `close_account`.
    Close { trader: u8 },
    /// `create_account` (after a close).
    Create { trader: u8 },
    /// `lp_deposit`.
    LpDeposit { lp: u8, amount: u64 },
    /// `lp_withdraw` of a share (bps) of the LP's shares.
    LpWithdraw { lp: u8, share_bps: u16 },
    /// The sources move the price by `bps`, then the feed refreshes.
    Price { market: u8, bps: i32, how: FeedMove },
    /// `refresh_market`.
    RefreshMarket { market: u8 },
    /// `refresh_stress` over every market.
    RefreshStress,
    /// Time passes: `slots` slots of `ms_per_slot` each; with `refresh`,
    /// every feed then refreshes with agreeing sources (the cranks).
    Warp { slots: u16, ms_per_slot: u16, refresh: bool },
    /// Governance (after its timelock): a market field scaled by `pct` %.
    GovernMarket { market: u8, field: u8, pct: u16 },
    /// Governance: an exchange field scaled by `pct` %.
    GovernExchange { field: u8, pct: u16 },
    /// Governance settles a market at its feed's price (the queued
    /// settlement).
    SettleMarket { market: u8 },
    /// `settle_position`: close a position in a settled market, the
    /// (`trader`, `market`)-th of those open (modulo their count; the pair
    /// itself when there is none).
    SettlePosition { market: u8, trader: u8 },
    /// The guardian pauses `bits` for `slots`.
    GuardianPause { bits: u8, slots: u16 },
    /// The guardian raises a market's margin or holds it reduce-only.
    GuardianMarket { market: u8, raise: bool, slots: u16 },
    /// `withdraw_insurance` to the treasury.
    WithdrawInsurance { amount: u64 },
    /// A keeper pass over one trader: [`Op::Liquidate`] until refused (at
    /// most [`KEEPER_PASS_CALLS`] calls), then [`Op::Resolve`]: a sequence
    /// of operations, each a step of its own, that the caller runs
    /// (`Model::run` refuses it).
    KeeperPass { trader: u8 },
}

/// Most liquidation calls in one [`Op::KeeperPass`].
pub const KEEPER_PASS_CALLS: usize = 64;

const USD: u64 = ballast_client::demo::USD;

/// Market fields governance changes in the model: margin, fees, spread,
/// caps, status, liquidation and the band.
pub const GOVERNED_MARKET_FIELDS: [&str; 9] = [
    "imr_bps",
    "mmr_bps",
    "fee_bps",
    "max_spread_bps",
    "oi_cap",
    "status",
    "liq_fee_bps",
    "liq_buffer_bps",
    "band_bps",
];
/// Exchange fields governance changes in the model.
pub const GOVERNED_EXCHANGE_FIELDS: [&str; 3] = ["deposit_cap", "insurance_fee_share_bps", "insurance_floor"];

impl Op {
    /// The invariant checker's view of this operation, run on `model`
    /// (as it was before).
    pub fn step(&self, model: &Model, ok: bool) -> Step {
        let t = |i: u8| Some(account_key(i as usize % TRADERS));
        let m = |i: u8| Some(u16::from(i % 3));
        let (action, account, market) = match *self {
            Op::Deposit { trader, .. } => (Action::Deposit, t(trader), None),
            Op::Withdraw { trader, .. } | Op::WithdrawAll { trader } => (Action::Withdraw, t(trader), None),
            Op::Trade { trader, market, .. } => (Action::Trade, t(trader), m(market)),
            Op::Liquidate { trader, market } => {
                (Action::Liquidate, t(trader), Some(model.liquidation_market(trader, market) as u16))
            }
            Op::Resolve { trader } => (Action::ResolveBankruptcy, Some(account_key(model.flagged(trader))), None),
            Op::Close { trader } => (Action::CloseAccount, t(trader), None),
            Op::LpDeposit { .. } => (Action::LpDeposit, None, None),
            Op::LpWithdraw { .. } => (Action::LpWithdraw, None, None),
            Op::WithdrawInsurance { .. } => (Action::WithdrawInsurance, None, None),
            _ => (Action::Other, None, None),
        };
        Step { action, account, market, ok }
    }
}

/// The model's operation mix: trades and prices most often, then
/// collateral, liquidation and LP flows, then governance and the guardian.
pub fn op() -> impl Strategy<Value = Op> {
    let trader = 0..TRADERS as u8;
    let market = 0..3u8;
    let usd = prop_oneof![1u64..1_000, 1_000u64..200_000, 200_000u64..2_000_000].prop_map(|d| d * USD);
    let how = prop_oneof![
        24 => Just(FeedMove::Agree),
        1 => Just(FeedMove::Dispute),
        1 => Just(FeedMove::OneStale),
        1 => Just(FeedMove::AllStale),
        1 => Just(FeedMove::FutureDated),
        6 => Just(FeedMove::Wide),
    ];
    prop_oneof![
        40 => (trader.clone(), usd.clone()).prop_map(|(trader, amount)| Op::Deposit { trader, amount }),
        20 => (trader.clone(), usd.clone()).prop_map(|(trader, amount)| Op::Withdraw { trader, amount }),
        5 => trader.clone().prop_map(|trader| Op::WithdrawAll { trader }),
        100 => (trader.clone(), market.clone(), prop_oneof![-200i16..200, -10i16..10], any::<bool>())
            .prop_map(|(trader, market, leverage_tenths, r)| Op::Trade { trader, market, leverage_tenths, reduce_only: r && leverage_tenths % 4 == 0 }),
        50 => (trader.clone(), market.clone()).prop_map(|(trader, market)| Op::Liquidate { trader, market }),
        20 => trader.clone().prop_map(|trader| Op::Resolve { trader }),
        3 => trader.clone().prop_map(|trader| Op::Close { trader }),
        5 => trader.clone().prop_map(|trader| Op::Create { trader }),
        20 => (0..LPS as u8, usd).prop_map(|(lp, amount)| Op::LpDeposit { lp, amount }),
        20 => (0..LPS as u8, 1u16..=10_000).prop_map(|(lp, share_bps)| Op::LpWithdraw { lp, share_bps }),
        100 => (market.clone(), prop_oneof![1 => -6_000i32..6_000, 2 => -2_000i32..2_000, 8 => -800i32..800], how)
            .prop_map(|(market, bps, how)| Op::Price { market, bps, how }),
        10 => market.clone().prop_map(|market| Op::RefreshMarket { market }),
        10 => Just(Op::RefreshStress),
        40 => (1u16..400, prop_oneof![3 => Just(400u16), 1 => 900u16..3_000], prop_oneof![3 => Just(true), 1 => Just(false)])
            .prop_map(|(slots, ms_per_slot, refresh)| Op::Warp { slots, ms_per_slot, refresh }),
        8 => (market.clone(), 0..GOVERNED_MARKET_FIELDS.len() as u8, 50u16..200).prop_map(|(market, field, pct)| Op::GovernMarket { market, field, pct }),
        5 => (0..GOVERNED_EXCHANGE_FIELDS.len() as u8, 50u16..200).prop_map(|(field, pct)| Op::GovernExchange { field, pct }),
        1 => market.clone().prop_map(|market| Op::SettleMarket { market }),
        20 => (market.clone(), trader).prop_map(|(market, trader)| Op::SettlePosition { market, trader }),
        3 => (1u8..32, 1u16..1_000).prop_map(|(bits, slots)| Op::GuardianPause { bits, slots }),
        5 => (market, any::<bool>(), 1u16..1_000).prop_map(|(market, raise, slots)| Op::GuardianMarket { market, raise, slots }),
        5 => (1u64..2_000).prop_map(|d| Op::WithdrawInsurance { amount: d * USD }),
        10 => (0..TRADERS as u8).prop_map(|trader| Op::KeeperPass { trader }),
    ]
}

impl Model {
    /// Run `op` as its handler would; `Err` is the refusal (the caller
    /// restores the model).
    pub(crate) fn run(&mut self, op: &Op) -> Result<(), String> {
        let e = refusal;
        match *op {
            Op::Deposit { trader, amount } => {
                let i = trader as usize % TRADERS;
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                let d = deposit(&mut self.exchange, acc, &mut self.pool, amount, self.slot).map_err(e)?;
                transfer(&mut self.wallets[i], &mut self.vault[2], d.repay)?;
                transfer(&mut self.wallets[i], &mut self.vault[0], d.to_vault)
            }
            Op::WithdrawAll { trader } => {
                let all = self.accounts[trader as usize % TRADERS].map_or(0, |a| a.collateral.max(0) as u64);
                self.run(&Op::Withdraw { trader, amount: all })
            }
            Op::Withdraw { trader, amount } => {
                let i = trader as usize % TRADERS;
                let view = self.writer_view();
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                withdraw(&mut self.exchange, acc, amount, self.slot, &view).map_err(e)?;
                transfer(&mut self.vault[0], &mut self.wallets[i], amount)
            }
            Op::Trade { trader, market, leverage_tenths, reduce_only } => {
                let (i, m) = (trader as usize % TRADERS, market as usize % 3);
                let base = trade_base(self.accounts[i].map_or(0, |a| a.collateral), leverage_tenths, self.prices[m]);
                let req = TradeRequest {
                    base,
                    limit_price: if base > 0 { i64::MAX } else { 0 },
                    reduce_only,
                    slot: self.slot,
                };
                let view = self.writer_view();
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                let done =
                    trade(&mut self.exchange, acc, &mut self.markets[m], &mut self.pool, &req, &view).map_err(e)?;
                self.settle_tokens(done.out.pool_to_collateral)?;
                let [collateral, insurance, _] = &mut self.vault;
                transfer(collateral, insurance, done.out.insurance_fee)
            }
            Op::Liquidate { trader, market } => {
                let (i, m) = (trader as usize % TRADERS, self.liquidation_market(trader, market));
                let view = self.writer_view();
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                let keeper = crate::owner_key(KEEPER);
                let done =
                    liquidate(&mut self.exchange, acc, &mut self.markets[m], &mut self.pool, &keeper, self.slot, &view)
                        .map_err(e)?;
                self.settle_tokens(done.out.pool_to_collateral)?;
                let [collateral, insurance, _] = &mut self.vault;
                transfer(collateral, &mut self.wallets[KEEPER], done.out.keeper)?;
                transfer(collateral, insurance, done.out.insurance + done.out.funding.borrow.insurance)
            }
            Op::Resolve { trader } => {
                let i = self.flagged(trader);
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                let w = resolve_bankruptcy(acc, &mut self.pool, &mut self.exchange, self.slot).map_err(e)?;
                let [_, insurance, pool] = &mut self.vault;
                transfer(insurance, pool, w.from_insurance)
            }
            Op::Close { trader } => {
                let i = trader as usize % TRADERS;
                let a = self.accounts[i].as_ref().ok_or("account closed")?;
                if a.has_positions() || a.collateral != 0 || a.flags != 0 {
                    return Err("AccountNotEmpty".into());
                }
                self.accounts[i] = None;
                Ok(())
            }
            Op::Create { trader } => {
                let i = trader as usize % TRADERS;
                if self.accounts[i].is_some() {
                    return Err("AlreadyInitialized".into());
                }
                self.accounts[i] = Some(new_account(i));
                Ok(())
            }
            Op::LpDeposit { lp, amount } => {
                let l = lp as usize % LPS;
                require_lp_open(&self.exchange, amount, self.slot).map_err(e)?;
                let v = self.pool_valuation()?;
                let minted = deposit_shares(&self.pool, &v, amount, 0).map_err(e)?;
                lp_deposit(&mut self.pool, &mut self.lps[l], minted, amount, self.slot).map_err(e)?;
                transfer(&mut self.wallets[TRADERS + l], &mut self.vault[2], amount)
            }
            Op::LpWithdraw { lp, share_bps } => {
                let l = lp as usize % LPS;
                let shares = (self.lps[l].shares as u128 * share_bps as u128 / 10_000) as u64;
                require_lp_open(&self.exchange, shares, self.slot).map_err(e)?;
                let legs = self.pool_legs()?;
                let v = value_legs(&self.pool, &legs).map_err(refusal)?;
                let (mut pool, mut lp) = (self.pool, self.lps[l]);
                let amount = lp_withdraw(&mut pool, &mut lp, &v, shares, self.slot, 0).map_err(e)?;
                require_adl_headroom(&self.exchange, &pool, &legs).map_err(e)?;
                (self.pool, self.lps[l]) = (pool, lp);
                transfer(&mut self.vault[2], &mut self.wallets[TRADERS + l], amount)
            }
            Op::Price { market, bps, how } => {
                let m = market as usize % 3;
                let p = self.prices[m] as i128 * (10_000 + bps as i128) / 10_000;
                self.prices[m] = i64::try_from(p.max(1)).map_err(|_| "price")?;
                self.refresh_feed(m, how)
            }
            Op::RefreshMarket { market } => {
                let m = market as usize % 3;
                let now = {
                    let clock = self.clock();
                    observe(&mut self.exchange, &clock, None)
                };
                let q = quote_from_reading(&self.markets[m], &reading(&self.feeds[m], self.ts), &now).map_err(e)?;
                self.markets[m].set_phase(&q.phase);
                observe_breaker(&mut self.markets[m], &q, self.slot).map_err(e)?;
                Ok(())
            }
            Op::RefreshStress => {
                let markets =
                    ballast_client::venue::read_markets(self.markets.iter().zip(&self.feeds), &self.reader_now());
                let clock = self.clock();
                observe(&mut self.exchange, &clock, Some(stale_share_bps(&markets)));
                Ok(())
            }
            Op::Warp { slots, ms_per_slot, refresh } => {
                self.slot += slots as u64;
                self.ts += (slots as i64 * ms_per_slot as i64) / 1_000;
                if refresh {
                    for m in 0..self.markets.len() {
                        self.refresh_feed(m, FeedMove::Agree)?;
                    }
                }
                Ok(())
            }
            Op::GovernMarket { market, field, pct } => {
                let m = market as usize % 3;
                let code = field_code(m as u16, GOVERNED_MARKET_FIELDS[field as usize % GOVERNED_MARKET_FIELDS.len()])
                    .map_err(|e| e.to_string())?;
                let old = market_get(&self.markets[m], code).map_err(e)?;
                let value = if code == 25 { (pct % 2) as u64 } else { (old as u128 * pct as u128 / 100) as u64 };
                let c = ParamChange { target: m as u16, field: code, value, key: Default::default() };
                apply_to_market(&mut self.markets[m], &c, self.slot, true).map_err(e)?;
                Ok(())
            }
            Op::GovernExchange { field, pct } => {
                let code = field_code(
                    EXCHANGE_TARGET,
                    GOVERNED_EXCHANGE_FIELDS[field as usize % GOVERNED_EXCHANGE_FIELDS.len()],
                )
                .map_err(|e| e.to_string())?;
                let old = margin_engine::engine::governance::exchange_get(&self.exchange, code).map_err(e)?;
                let value = (old as u128 * pct as u128 / 100) as u64;
                let c = ParamChange { target: EXCHANGE_TARGET, field: code, value, key: Default::default() };
                apply_to_exchange(&mut self.exchange, &c).map_err(e)?;
                Ok(())
            }
            Op::SettleMarket { market } => {
                let m = market as usize % 3;
                let price = self.feeds[m].price.max(0) as u64;
                let c = ParamChange { target: m as u16, field: SETTLE_FIELD, value: price, key: Default::default() };
                apply_to_market(&mut self.markets[m], &c, self.slot, true).map_err(e)?;
                Ok(())
            }
            Op::SettlePosition { market, trader } => {
                let (i, m) = self.settlement_target(trader, market);
                let acc = self.accounts[i].as_mut().ok_or("account closed")?;
                let out = settle_position(acc, &mut self.markets[m], &mut self.pool, &mut self.exchange, self.slot)
                    .map_err(e)?;
                self.settle_tokens(out.pool_to_collateral)?;
                let [collateral, insurance, _] = &mut self.vault;
                transfer(collateral, insurance, out.funding.borrow.insurance)
            }
            Op::GuardianPause { bits, slots } => {
                guardian::pause(&mut self.exchange, bits as u32, slots as u64, self.slot).map_err(e)?;
                Ok(())
            }
            Op::GuardianMarket { market, raise, slots } => {
                let m = market as usize % 3;
                if raise {
                    guardian::raise_margin(&mut self.exchange, &mut self.markets[m], slots as u64, 15_000, self.slot)
                } else {
                    guardian::reduce_only(&mut self.exchange, &mut self.markets[m], slots as u64, self.slot)
                }
                .map_err(e)
            }
            Op::WithdrawInsurance { amount } => {
                withdraw_insurance(&mut self.exchange, amount).map_err(e)?;
                transfer(&mut self.vault[1], &mut self.wallets[TREASURY], amount)
            }
            Op::KeeperPass { .. } => Err("a keeper pass is a sequence: run each of Op::expand".into()),
        }
    }

    /// The market [`Op::Liquidate`] names: the trader's `market`-th open
    /// position's (modulo their count), or `market` without one.
    pub fn liquidation_market(&self, trader: u8, market: u8) -> usize {
        let held: Vec<usize> = self.accounts[trader as usize % TRADERS]
            .iter()
            .flat_map(|a| a.open_positions().map(|p| p.market as usize))
            .collect();
        pick(&held, market as usize, market as usize % 3)
    }

    /// The trader and market [`Op::SettlePosition`] names.
    pub fn settlement_target(&self, trader: u8, market: u8) -> (usize, usize) {
        let open: Vec<(usize, usize)> = (0..TRADERS)
            .flat_map(|i| {
                self.accounts[i].iter().flat_map(move |a| a.open_positions().map(move |p| (i, p.market as usize)))
            })
            .filter(|&(_, m)| self.markets[m].is_settled())
            .collect();
        let default = (trader as usize % TRADERS, market as usize % 3);
        pick(&open, trader as usize * 3 + market as usize, default)
    }

    /// The account [`Op::Resolve`] names: the `trader`-th flagged one.
    pub fn flagged(&self, trader: u8) -> usize {
        let flagged: Vec<usize> = (0..TRADERS).filter(|&i| self.accounts[i].is_some_and(|a| a.is_bankrupt())).collect();
        pick(&flagged, trader as usize, trader as usize % TRADERS)
    }

    /// `VaultSigner::settle`: a positive amount from the pool vault to the
    /// collateral vault, a negative one back.
    fn settle_tokens(&mut self, pool_to_collateral: i64) -> Result<(), String> {
        let [collateral, _, pool] = &mut self.vault;
        let amount = pool_to_collateral.unsigned_abs();
        if pool_to_collateral >= 0 {
            transfer(pool, collateral, amount)
        } else {
            transfer(collateral, pool, amount)
        }
    }

    /// The pool valued as the LP handlers value it (`value_pool`).
    fn pool_valuation(&self) -> Result<ballast_risk::lp::PoolValuation, String> {
        value_legs(&self.pool, &self.pool_legs()?).map_err(refusal)
    }

    /// Every market with its quote, as the LP handlers read them.
    fn pool_legs(&self) -> Result<Vec<(Market, MarketQuote)>, String> {
        let now = self.reader_now();
        let markets = ballast_client::venue::read_markets(self.markets.iter().zip(&self.feeds), &now);
        quotes_at(&markets, &now)
            .into_iter()
            .zip(&markets)
            .map(|(q, (m, _))| q.map(|q| (*m, q)))
            .collect::<anchor_lang::Result<Vec<_>>>()
            .map_err(refusal)
    }
}

/// Why a liquidation may be refused without breaking liveness: the
/// account is healthy or has no position there, the market is settled,
/// liquidation is paused, the oracle gate or the throttle holds it, or the
/// account is closed. Anything else refusing a liquidation (say
/// `LiquidationWorsened`, or an arithmetic error) is a liquidation the
/// venue could not perform: invariant 5 broken.
pub const LIQUIDATION_REFUSALS: [&str; 7] =
    ["NotLiquidatable", "NoPosition", "MarketSettled", "Paused", "OracleGate", "ThrottleEngaged", "account closed"];

/// The base of a trade of `leverage_tenths` / 10 times `collateral` (at
/// least a dollar's worth) at `price`, saturated to `i64` (an absurd size
/// is the engine's to refuse): how [`Op::Trade`] sizes, here and in the
/// bank sequences.
pub fn trade_base(collateral: i64, leverage_tenths: i16, price: i64) -> i64 {
    let notional = collateral.max(USD as i64) as i128 * leverage_tenths as i128 / 10; // QUOTE_PRECISION
                                                                                      // base = notional / price, in BASE_PRECISION units.
    let base = notional * BASE_PRECISION as i128 * PRICE_PRECISION as i128 / (USD as i128 * price.max(1) as i128);
    base.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The `k`-th of `list` (modulo its length), or `default` when it is
/// empty: how an operation's index names one of what exists (a held
/// market, a flagged account, a settled position), here and in the bank
/// sequences.
pub fn pick<T: Copy>(list: &[T], k: usize, default: T) -> T {
    list.get(k % list.len().max(1)).copied().unwrap_or(default)
}

/// A refusal by its error's name (`Paused`, `OracleGate`, ...).
pub fn refusal(e: anchor_lang::error::Error) -> String {
    match e {
        anchor_lang::error::Error::AnchorError(a) => a.error_name,
        anchor_lang::error::Error::ProgramError(p) => p.to_string(),
    }
}
