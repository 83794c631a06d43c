//! Deciding what to send, off-chain, with the program's own code: health
//! through `margin_engine::engine::health` and every planned liquidation
//! simulated through `margin_engine::engine::liquidation` on copies of the
//! accounts. The simulation carries the throttle forward, so the keeper
//! never sends a call the throttle would refuse, and a second call on the
//! same account sees the first one's result.

use crate::config::Config;
use crate::scan::Venue;
use anchor_lang::prelude::Pubkey;
use ballast_client::engine as ix;
use ballast_risk::oracle::Action;
use margin_engine::constants::pause;
use margin_engine::engine::breaker::observe_breaker;
use margin_engine::engine::health::{account_health, liquidation_quotes, MarketQuote, Quotes};
use margin_engine::engine::liquidation::liquidate;
use margin_engine::errors::EngineError;
use margin_engine::state::{Exchange, MarginAccount};
use solana_sdk::instruction::Instruction;

/// One account's liquidation calls this tick, simulated in order.
#[derive(Clone, Debug)]
pub struct PlannedAccount {
    /// The margin account.
    pub account: Pubkey,
    /// Maintenance health before (quote units; negative).
    pub health_before: i128,
    /// Simulated maintenance health after the calls.
    pub health_after: i128,
    /// Notional the calls close.
    pub notional: u64,
    /// `refresh` of every feed the calls read, the liquidated markets'
    /// first, to run before them in the same transaction: the liquidation
    /// sees the sources as they are, and nothing can be slipped between the
    /// refresh and the liquidation. (The sender keeps the liquidated
    /// markets' own, `own_refreshes` of them, when all would not fit.)
    pub refreshes: Vec<Instruction>,
    /// How many of `refreshes` are the liquidated markets' feeds.
    pub own_refreshes: usize,
    /// `liquidate` instructions, to be executed in order.
    pub calls: Vec<Instruction>,
}

/// What a tick should do, and what it saw.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Margin accounts in this keeper's shard.
    pub in_shard: usize,
    /// Of those, accounts with positions and maintenance health < 0.
    pub unhealthy: usize,
    /// Unhealthy accounts left for a later tick because a market's throttle
    /// window is full.
    pub throttled: usize,
    /// Unhealthy accounts whose feeds do not allow liquidation (or whose
    /// health could not be computed), left alone.
    pub blocked: usize,
    /// Liquidations, worst account first, at most `accounts_per_tick`.
    pub liquidations: Vec<PlannedAccount>,
    /// Bankrupt, fully closed accounts: `resolve_bankruptcy` each.
    pub resolutions: Vec<Pubkey>,
    /// `(market, feed)` of markets whose breaker would trip or release, or
    /// whose maintenance target moved, if observed now: worth a
    /// `refresh_breakers`.
    pub breakers: Vec<(Pubkey, Pubkey)>,
    /// `(account, market index)` of positions in emergency-settled markets:
    /// `settle_position` each.
    pub settlements: Vec<(Pubkey, u16)>,
}

/// Markets a `refresh_breakers` at the venue's slot (`quotes` as it reads
/// them) would change in a way that matters when nobody trades: a breaker trip or release, or a maintenance
/// target other than the one stored (a rise phases in from when a write
/// first sees its target). Each is worth a `refresh_breakers`.
fn market_cranks(venue: &Venue, quotes: &[Option<MarketQuote>]) -> Vec<(Pubkey, Pubkey)> {
    let slot = venue.clock.slot;
    venue
        .markets
        .iter()
        .zip(quotes)
        .filter_map(|(m, q)| {
            // The program's own observation, on a copy of the market.
            let q = q.as_ref()?;
            let mut copy = m.market;
            let events = observe_breaker(&mut copy, q, slot).ok()?;
            let breaker = events.released.is_some() || events.tripped.is_some();
            let target = q.phase.target_mult_bps != m.market.phase_target_mult_bps;
            (breaker || target).then_some((m.key, m.market.feed))
        })
        .collect()
}

/// Each market's quote as `liquidate` sees it at the venue's clock
/// (`Venue::writer_view`: network stress observed first), `None` where the
/// feed cannot be read (the program would refuse any instruction touching
/// it); and the exchange after that observation.
pub fn quotes(venue: &Venue) -> (Exchange, Vec<Option<MarketQuote>>) {
    let view = venue.writer_view();
    (view.exchange, view.quotes.into_iter().map(|q| q.ok()).collect())
}

/// The quotes a planned `liquidate` reads: the liquidated market's own and
/// those of the account's positions, as this tick's view priced them.
struct Planned<'a> {
    own: MarketQuote,
    mine: &'a [MarketQuote],
}

impl Quotes for Planned<'_> {
    fn own(&self, _: &margin_engine::state::Market) -> anchor_lang::Result<MarketQuote> {
        Ok(self.own)
    }

    fn covering(&self, _: &MarginAccount, own: Option<MarketQuote>) -> anchor_lang::Result<Vec<MarketQuote>> {
        let own = own.unwrap_or(self.own);
        Ok(std::iter::once(own).chain(self.mine.iter().filter(|q| q.index != own.index).copied()).collect())
    }
}

/// The raw quotes of `account`'s open positions.
fn mine(account: &MarginAccount, priced: &[MarketQuote]) -> Vec<MarketQuote> {
    priced.iter().filter(|q| account.slot_of(q.index).is_some()).copied().collect()
}

/// The market `liquidate` would be sent for on `account` and the quotes it
/// values the account at there (`liquidation_quotes`, the handler's own
/// rule): the largest position whose feed allows liquidation. `None` when
/// none does or the handler would refuse (an `Invalid` leg, a position
/// without a quote): the account is blocked.
fn liquidation_view(account: &MarginAccount, mine: &[MarketQuote]) -> Option<(u16, Vec<MarketQuote>)> {
    let index = largest_position(account, mine)?;
    let qs = liquidation_quotes(account, mine, index).ok()?;
    Some((index, qs))
}

/// `refresh` of the feed of every open position of `account`, the markets
/// of `first` before the others; and how many of them are `first`'s.
fn refreshes(account: &MarginAccount, first: &[u16], venue: &Venue) -> (Vec<Instruction>, usize) {
    let mut markets: Vec<u16> = first.to_vec();
    markets.extend(account.open_positions().map(|s| s.market).filter(|m| !first.contains(m)));
    let out: Vec<Instruction> = markets
        .iter()
        .filter_map(|i| venue.markets.get(*i as usize))
        .map(|m| ballast_client::oracle::refresh_configured(m.market.feed, &m.feed))
        .collect();
    (out, first.len())
}

/// `(market, feed)` of every open position other than `market`, in slot order.
pub(crate) fn other_positions(account: &MarginAccount, market: u16, venue: &Venue) -> Vec<(Pubkey, Pubkey)> {
    account
        .open_positions()
        .filter(|s| s.market != market)
        .map(|s| {
            let m = &venue.markets[s.market as usize];
            (m.key, m.market.feed)
        })
        .collect()
}

/// The open position with the largest notional at its quote, among those
/// whose feed allows liquidation.
fn largest_position(account: &MarginAccount, quotes: &[MarketQuote]) -> Option<u16> {
    account
        .open_positions()
        .filter_map(|s| {
            let q = quotes.iter().find(|q| q.index == s.market && Action::Liquidate.allows(q.validity))?;
            Some(((s.base.unsigned_abs() as u128) * (q.price.unsigned_abs() as u128), s.market))
        })
        .max()
        .map(|(_, market)| market)
}

fn is_throttle(e: &anchor_lang::error::Error) -> bool {
    matches!(e, anchor_lang::error::Error::AnchorError(a) if a.error_code_number == u32::from(EngineError::ThrottleEngaged))
}

/// Plan a tick over `accounts` for the keeper `liquidator` (reward to
/// `reward_token`).
pub fn plan(
    venue: &Venue,
    accounts: &[(Pubkey, MarginAccount)],
    config: &Config,
    liquidator: Pubkey,
    reward_token: Pubkey,
) -> Plan {
    let (observed, quotes) = quotes(venue);
    // `refresh_breakers` reads the stored stress state: predict it so.
    let stored: Vec<Option<MarketQuote>> = venue.reader_quotes().into_iter().map(|q| q.ok()).collect();
    let mut out = Plan { breakers: market_cranks(venue, &stored), ..Plan::default() };
    let priced: Vec<MarketQuote> = quotes.into_iter().flatten().collect();
    let mut candidates = Vec::new();
    for (i, (key, acc)) in accounts.iter().enumerate().filter(|(_, (k, _))| config.shard.owns(k)) {
        out.in_shard += 1;
        // Positions in emergency-settled markets settle first; the account
        // is looked at again next tick.
        let before = out.settlements.len();
        let settled = venue.markets.iter().filter(|m| m.market.is_settled());
        out.settlements
            .extend(settled.filter(|m| acc.slot_of(m.market.index).is_some()).map(|m| (*key, m.market.index)));
        if out.settlements.len() > before {
            continue;
        }
        if acc.is_own(&liquidator) {
            continue; // the program refuses self-liquidation (owner or delegate)
        }
        if !acc.has_positions() {
            if acc.is_bankrupt() {
                out.resolutions.push(*key);
            }
            continue;
        }
        // Valued as the handler values it; a position in a market without
        // a quote, or one the handler would refuse, is blocked.
        match liquidation_view(acc, &mine(acc, &priced)).map(|(_, qs)| account_health(acc, &qs)) {
            Some(Ok(h)) if h.maintenance < 0 => candidates.push((h.maintenance, *key, i)),
            Some(Ok(_)) => {}
            _ => out.blocked += 1,
        }
    }
    out.unhealthy = candidates.len();
    if observed.is_paused(pause::LIQUIDATE, venue.clock.slot) {
        out.blocked += candidates.len();
        return out;
    }
    // Worst first; ties by key so every run plans the same.
    candidates.sort_by_key(|c| (c.0, c.1));
    let (mut exchange, mut pool) = (observed, venue.pool);
    let mut markets: Vec<_> = venue.markets.iter().map(|m| m.market).collect();
    let keys = venue.keys();
    for (health, key, i) in candidates {
        if out.liquidations.len() >= config.accounts_per_tick {
            break;
        }
        let mut acc = accounts[i].1;
        let mine = mine(&acc, &priced);
        let Some((_, qs)) = liquidation_view(&acc, &mine) else {
            out.blocked += 1;
            continue;
        };
        let mut planned = PlannedAccount {
            account: key,
            health_before: health,
            health_after: health,
            notional: 0,
            refreshes: vec![],
            own_refreshes: 0,
            calls: vec![],
        };
        let mut throttled = false;
        let mut liquidated: Vec<u16> = Vec::new();
        while planned.calls.len() < config.calls_per_account {
            let Ok(before) = account_health(&acc, &qs) else { break };
            // The quotes' values do not depend on the market chosen; only
            // which markets may be liquidated does.
            let Some(index) = largest_position(&acc, &mine).filter(|_| before.maintenance < 0) else { break };
            let own = *mine.iter().find(|q| q.index == index).expect("covering quote");
            let health_accounts = other_positions(&acc, index, venue);
            let market = &mut markets[index as usize];
            let (m0, p0, e0, a0) = (*market, pool, exchange, acc);
            // The handler's own rules, on copies.
            let quotes = Planned { own, mine: &mine };
            let done = liquidate(&mut exchange, &mut acc, market, &mut pool, &liquidator, venue.clock.slot, &quotes);
            match done {
                Ok(done) => {
                    let o = done.out;
                    let feed = market.feed;
                    if !liquidated.contains(&index) {
                        liquidated.push(index);
                    }
                    planned.notional = planned.notional.saturating_add(o.notional);
                    planned.calls.push(ix::liquidate(
                        liquidator,
                        reward_token,
                        key,
                        &keys,
                        index,
                        feed,
                        &health_accounts,
                    ));
                }
                Err(e) => {
                    // Leave every copy as it was: nothing of this call will happen.
                    (*market, pool, exchange, acc) = (m0, p0, e0, a0);
                    throttled = is_throttle(&e);
                    if !throttled {
                        tracing::debug!(account = %key, market = index, error = %e, "simulated liquidation refused");
                    }
                    break;
                }
            }
        }
        planned.health_after = account_health(&acc, &qs).map(|h| h.maintenance).unwrap_or(planned.health_before);
        (planned.refreshes, planned.own_refreshes) = refreshes(&accounts[i].1, &liquidated, venue);
        if planned.calls.is_empty() {
            if throttled {
                out.throttled += 1;
            } else {
                out.blocked += 1;
            }
        } else {
            out.liquidations.push(planned);
        }
    }
    out
}
