//! `ballast lp deposit|withdraw|show`: liquidity in the pool that takes the
//! other side of every trade, previewed with the program's own valuation.

use crate::report::{q, refusal_json};
use crate::session::{done, sig, token_balance, Session};
use anchor_spl::associated_token::get_associated_token_address;
use anyhow::{bail, Context, Result};
use ballast_client::amount::parse_positive;
use ballast_client::backend::Backend;
use ballast_client::decode::zero_copy;
use ballast_client::engine as ix;
use ballast_client::fmt::fmt_quote;
use ballast_client::simulate::Sim;
use ballast_client::venue::Venue;
use ballast_risk::lp::{amount_for_shares, shares_to_burn};
use ballast_risk::precision::QUOTE_DECIMALS;
use margin_engine::state::LpPosition;
use serde_json::json;
use solana_sdk::signature::Signer;

/// `ballast lp` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum LpCommand {
    /// Deposit collateral into the pool for shares.
    ///
    /// Example: ballast lp deposit 5000 --min-shares 4990
    Deposit {
        /// Amount in USDC.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Refuse (on-chain) if fewer shares are minted, in share units of
        /// 6 decimals. Default: the previewed shares less `--slippage-bps`.
        #[arg(long, allow_negative_numbers = true)]
        min_shares: Option<String>,
        /// Tolerance of the default minimum, bps of the preview.
        #[arg(long, default_value_t = 50)]
        slippage_bps: u16,
    },
    /// Burn shares worth AMOUNT USDC (rounded up to whole share units), or
    /// `all` of them.
    ///
    /// Example: ballast lp withdraw all --min-amount 990
    Withdraw {
        /// Amount in USDC, or `all`.
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Refuse (on-chain) if less is paid out, in USDC. Default: the
        /// previewed payout less `--slippage-bps`.
        #[arg(long, allow_negative_numbers = true)]
        min_amount: Option<String>,
        /// Tolerance of the default minimum, bps of the preview.
        #[arg(long, default_value_t = 50)]
        slippage_bps: u16,
    },
    /// Shares held, their value, and the pool's NAV and exposure requirement.
    ///
    /// Example: ballast lp show --output json
    Show,
}

fn markets(venue: &Venue) -> Vec<(anchor_lang::prelude::Pubkey, anchor_lang::prelude::Pubkey)> {
    venue.markets.iter().map(|m| (m.key, m.market.feed)).collect()
}

/// The signer's LP position (zeroed if it has none).
async fn position<B: Backend>(s: &Session<'_, B>) -> Result<LpPosition> {
    let key = ix::lp_address(&s.signer()?.pubkey());
    Ok(match s.backend.get_account(&key).await? {
        Some(a) => zero_copy::<LpPosition>(&a.data).with_context(|| format!("LP position {key}"))?,
        None => bytemuck::Zeroable::zeroed(),
    })
}

/// The minimum out sent on-chain: `given` (6 decimals) if set, else the
/// previewed amount less `slippage_bps` of it (0 if the preview refuses:
/// the caller reports the refusal).
fn min_out<E>(given: Option<&str>, name: &str, preview: std::result::Result<u64, E>, slippage_bps: u16) -> Result<u64> {
    if slippage_bps > 10_000 {
        bail!("--slippage-bps must be at most 10000 (100 %), got {slippage_bps}");
    }
    match given {
        Some(v) => parse_positive(v, QUOTE_DECIMALS, name),
        None => Ok(preview.map_or(0, |p| p - (p as u128 * slippage_bps as u128 / 10_000) as u64)),
    }
}

/// Run `cmd`.
pub async fn run<B: Backend>(s: &Session<'_, B>, cmd: &LpCommand) -> Result<()> {
    let venue = s.venue().await?;
    let sim = Sim::new(&venue);
    let owner = s.signer()?.pubkey();
    let token = get_associated_token_address(&owner, &venue.exchange.collateral_mint);
    let lp = position(s).await?;
    let shares_held = lp.shares;
    let supply = venue.pool.shares;
    match cmd {
        LpCommand::Show => {
            let valuation = sim.pool_valuation();
            let value = valuation.as_ref().ok().and_then(|v| amount_for_shares(shares_held, v.nav, supply).ok());
            let v = json!({
                "owner": owner.to_string(), "shares": q(shares_held), "value": value.map(q),
                "pool": {"balance": q(venue.pool.balance), "shares": q(supply),
                         "nav": valuation.as_ref().ok().map(|v| q(v.nav)),
                         "mint_nav": valuation.as_ref().ok().map(|v| q(v.mint_nav)),
                         "owed_to_traders": valuation.as_ref().ok().map(|v| q(v.owed)),
                         "requirement": valuation.as_ref().ok().map(|v| q(v.requirement as i128)),
                         "error": valuation.as_ref().err().map(refusal_json)},
            });
            s.print(&v, || {
                format!(
                    "LP {owner}: {} shares worth {} USDC\nPool: balance {} USDC (owed to winning traders {} USDC), NAV {} USDC (to mint {} USDC), exposure requirement {} USDC, {} shares",
                    fmt_quote(shares_held),
                    value.map_or("-".into(), fmt_quote),
                    fmt_quote(venue.pool.balance),
                    valuation.as_ref().map_or("-".into(), |v| fmt_quote(v.owed)),
                    valuation.as_ref().map_or("-".into(), |v| fmt_quote(v.nav)),
                    valuation.as_ref().map_or("-".into(), |v| fmt_quote(v.mint_nav)),
                    valuation.as_ref().map_or("-".into(), |v| fmt_quote(v.requirement.min(u64::MAX as u128) as u64)),
                    fmt_quote(supply),
                )
            });
        }
        LpCommand::Deposit { amount, min_shares, slippage_bps } => {
            let amount = parse_positive(amount, QUOTE_DECIMALS, "amount")?;
            let have = token_balance(s, &token).await?.unwrap_or(0);
            if have < amount {
                bail!(
                    "token account {token} holds {} USDC, less than the {} to deposit",
                    fmt_quote(have),
                    fmt_quote(amount)
                );
            }
            let min = min_out(min_shares.as_deref(), "min-shares", sim.lp_deposit(amount, 0), *slippage_bps)?;
            let shares = sim
                .lp_deposit(amount, min)
                .map_err(|r| anyhow::anyhow!("the program would refuse this deposit: {r}"))?;
            let i = ix::lp_deposit(owner, token, &venue.keys(), amount, min, &markets(&venue));
            let signature = s.send("lp deposit", &[i]).await?;
            let v = json!({"command": "lp deposit", "amount": q(amount), "shares": q(shares), "min_shares": q(min),
                           "dry_run": s.dry_run, "signature": sig(&signature)});
            s.print(&v, || {
                done(&format!("Deposit {} USDC for {} shares", fmt_quote(amount), fmt_quote(shares)), &signature)
            });
        }
        LpCommand::Withdraw { amount, min_amount, slippage_bps } => {
            let valuation = sim.pool_valuation().map_err(|r| anyhow::anyhow!("the pool cannot be valued now: {r}"))?;
            let shares = if amount.eq_ignore_ascii_case("all") {
                shares_held
            } else {
                let amount = parse_positive(amount, QUOTE_DECIMALS, "amount")?;
                shares_to_burn(amount, valuation.nav, supply).context("the pool has no shares")?
            };
            if shares == 0 {
                bail!("no LP shares to withdraw");
            }
            let preview = sim.lp_withdraw(shares, &lp, 0);
            let min = min_out(min_amount.as_deref(), "min-amount", preview, *slippage_bps)?;
            let paid = sim.lp_withdraw(shares, &lp, min).map_err(|r| {
                anyhow::anyhow!("the program would refuse this withdrawal of {} shares: {r}", fmt_quote(shares))
            })?;
            let i = ix::lp_withdraw(owner, token, &venue.keys(), shares, min, &markets(&venue));
            let signature = s.send("lp withdraw", &[i]).await?;
            let v = json!({"command": "lp withdraw", "shares": q(shares), "amount": q(paid), "min_amount": q(min),
                           "dry_run": s.dry_run, "signature": sig(&signature)});
            s.print(&v, || {
                done(&format!("Burn {} shares for {} USDC", fmt_quote(shares), fmt_quote(paid)), &signature)
            });
        }
    }
    Ok(())
}
