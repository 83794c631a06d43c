//! The trader commands: `account create|show|close`, `deposit`, `withdraw`,
//! `trade`, `positions`, `markets`. Every command that changes risk first
//! runs the program's own code on copies ([`Sim`]) and prints the preview;
//! it sends only what the program would accept.

use crate::report::{
    health_json, health_text, markets_json, markets_text, positions_json, positions_text, q, refusal_json,
    validity_name,
};
use crate::session::{done, find_market, health_pairs, sig, token_balance, Session};
use crate::{charges, pnl};
use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anyhow::{bail, Context, Result};
use ballast_client::amount::{parse_nonzero, parse_positive, parse_positive_i64};
use ballast_client::backend::Backend;
use ballast_client::decode::zero_copy;
use ballast_client::engine as ix;
use ballast_client::fmt::{fmt_base, fmt_price, fmt_quote};
use ballast_client::simulate::Sim;
use ballast_client::venue::Venue;
use ballast_risk::precision::{BASE_DECIMALS, PRICE_DECIMALS, QUOTE_DECIMALS};
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use serde_json::{json, Value};
use solana_sdk::signature::Signer;

/// `ballast account` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum AccountCommand {
    /// Create margin account `--account-id` (default 0) for the signer.
    ///
    /// Example: ballast account create -u embedded
    Create,
    /// Collateral, health, free collateral and open positions.
    ///
    /// Example: ballast account show --output json
    Show,
    /// Close an empty margin account and reclaim its rent.
    ///
    /// Example: ballast account close
    Close,
    /// Pay a margin account's unsettled PnL (profit the pool could not pay
    /// when it was realised) from the pool's cash into its collateral: in
    /// full once the pool can pay every such claim, else its pro-rata
    /// share. Anyone may settle any account.
    ///
    /// Example: ballast account settle-pnl ; ballast account settle-pnl <MARGIN ACCOUNT>
    SettlePnl {
        /// The margin account [default: the signer's, `--account-id`].
        account: Option<Pubkey>,
    },
}

/// `ballast trade` arguments.
#[derive(clap::Args, Debug)]
pub struct TradeArgs {
    /// Market symbol (SOL) or index (0).
    pub market: String,
    /// Signed size in base units: `2.5` buys, `-2.5` sells.
    #[arg(allow_negative_numbers = true)]
    pub size: String,
    /// Worst acceptable fill price; default: the previewed fill moved 1 %
    /// against you.
    #[arg(long, value_name = "PRICE")]
    pub limit_price: Option<String>,
    /// Refuse anything that grows or flips the position.
    #[arg(long)]
    pub reduce_only: bool,
    /// Trade OWNER's margin account, signing as its delegate
    /// (`ballast delegate set`).
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<Pubkey>,
}

/// `owner`'s margin account `id`, decoded; an error that says how to
/// create it when it does not exist.
pub async fn load_account<B: Backend>(s: &Session<'_, B>, id: u32, owner: &Pubkey) -> Result<(Pubkey, MarginAccount)> {
    let key = ix::margin_address(owner, id);
    let acc = s.backend.get_account(&key).await?.with_context(|| {
        format!("no margin account {id} for {owner}: its owner creates it with `ballast account create`")
    })?;
    Ok((key, zero_copy(&acc.data).with_context(|| format!("margin account {key}"))?))
}

/// `ballast account ...`.
pub async fn account<B: Backend>(s: &Session<'_, B>, id: u32, cmd: &AccountCommand) -> Result<()> {
    let owner = s.signer()?.pubkey();
    let key = ix::margin_address(&owner, id);
    match cmd {
        AccountCommand::Create => {
            s.venue().await?;
            if s.backend.get_account(&key).await?.is_some() {
                bail!("margin account {id} already exists at {key}");
            }
            let signature = s.send("create account", &[ix::create_account(owner, id)]).await?;
            let v = json!({"command": "account create", "account": key.to_string(), "id": id,
                           "dry_run": s.dry_run, "signature": sig(&signature)});
            s.print(&v, || done(&format!("Created margin account {id}: {key}"), &signature));
        }
        AccountCommand::Show => {
            let venue = s.venue().await?;
            let (key, acc) = load_account(s, id, &owner).await?;
            let sim = Sim::new(&venue);
            let health = sim.health(&acc).ok();
            let mut positions = positions_json(&venue, &sim, &acc);
            pnl::add_adl_standing(&mut positions, &venue, &sim, &acc);
            let free = sim.max_withdraw(&acc);
            let v = json!({
                "account": key.to_string(), "owner": owner.to_string(), "id": id,
                "collateral": q(acc.collateral), "bankrupt": acc.is_bankrupt(),
                "health": health.as_ref().map(health_json), "free_collateral": q(free),
                "unsettled_pnl": q(acc.unsettled_pnl), "adl": pnl::adl_json(&venue, &sim),
                "positions": positions,
            });
            s.print(&v, || {
                let h = health.as_ref().map(health_json);
                let head = format!(
                    "Account {key} (owner {owner}, id {id})\nCollateral: {} USDC   free to withdraw: {} USDC{}",
                    fmt_quote(acc.collateral.max(0) as u64),
                    fmt_quote(free),
                    if acc.is_bankrupt() { "   BANKRUPT" } else { "" },
                );
                let head = pnl::with_line(head, &pnl::unsettled_text(&acc, &venue));
                format!("{head}\n{}\n{}", health_text(None, h.as_ref()), positions_block(&v))
            });
        }
        AccountCommand::Close => {
            let (key, acc) = load_account(s, id, &owner).await?;
            if let Some(e) = pnl::close_refusal(id, &acc) {
                return Err(e);
            }
            let open = acc.open_positions().count();
            if open > 0 || acc.collateral != 0 || acc.flags != 0 {
                bail!(
                    "margin account {id} is not empty ({} USDC, {open} open positions{}): close every position and `ballast withdraw all` first",
                    fmt_quote(acc.collateral.max(0) as u64),
                    if acc.is_bankrupt() { ", bankrupt" } else { "" }
                );
            }
            // Its trigger book goes with it: a margin account re-created at
            // this address would otherwise find the old triggers.
            let mut ixs = Vec::new();
            if crate::trigger::load_book(s, &key).await?.is_some() {
                ixs.push(ballast_client::trigger::close_trigger_book(owner, key));
            }
            ixs.push(ix::close_account(owner, key));
            let signature = s.send("close account", &ixs).await?;
            let v = json!({"command": "account close", "account": key.to_string(), "dry_run": s.dry_run,
                           "signature": sig(&signature)});
            s.print(&v, || done(&format!("Closed margin account {id}: {key}"), &signature));
        }
        AccountCommand::SettlePnl { account } => return pnl::settle(s, id, *account).await,
    }
    Ok(())
}

/// The positions table of an `account show` or `positions` document, each
/// profitable position's ADL standing, and the venue's ADL state.
fn positions_block(v: &Value) -> String {
    let rows = v["positions"].as_array().map_or(&[][..], |a| a.as_slice());
    let text = pnl::with_line(positions_text(rows), &pnl::standing_text(rows));
    pnl::with_line(text, &pnl::adl_text(&v["adl"]))
}

/// `ballast deposit AMOUNT [--from TOKEN]`.
pub async fn deposit<B: Backend>(s: &Session<'_, B>, id: u32, amount: &str, from: Option<Pubkey>) -> Result<()> {
    let amount = parse_positive(amount, QUOTE_DECIMALS, "amount")?;
    let venue = s.venue().await?;
    let owner = s.signer()?.pubkey();
    let (key, acc) = load_account(s, id, &owner).await?;
    let from = from.unwrap_or_else(|| get_associated_token_address(&owner, &venue.exchange.collateral_mint));
    let have = token_balance(s, &from).await?.with_context(|| format!("token account {from} does not exist"))?;
    if have < amount {
        bail!("token account {from} holds {} USDC, less than the {} to deposit", fmt_quote(have), fmt_quote(amount));
    }
    // A deficit (negative collateral) is repaid first; the cap is on what
    // the account holds afterwards.
    let after = acc.collateral.saturating_add(amount as i64);
    if after.max(0) as u64 > venue.exchange.deposit_cap {
        bail!(
            "the deposit would bring the account to {} USDC, above the exchange's cap of {} USDC per account",
            fmt_quote(after.max(0) as u64),
            fmt_quote(venue.exchange.deposit_cap)
        );
    }
    let signature = s.send("deposit", &[ix::deposit(owner, key, from, &venue.keys(), amount)]).await?;
    let v = json!({"command": "deposit", "account": key.to_string(), "amount": q(amount),
                   "collateral_before": q(acc.collateral), "collateral_after": q(after),
                   "dry_run": s.dry_run, "signature": sig(&signature)});
    s.print(&v, || {
        done(
            &format!(
                "Deposit {} USDC: collateral {} -> {} USDC",
                fmt_quote(amount),
                fmt_quote(acc.collateral.max(0) as u64),
                fmt_quote(after as u64)
            ),
            &signature,
        )
    });
    Ok(())
}

/// `ballast withdraw AMOUNT|all [--to TOKEN]`.
pub async fn withdraw<B: Backend>(s: &Session<'_, B>, id: u32, amount: &str, to: Option<Pubkey>) -> Result<()> {
    let venue = s.venue().await?;
    let owner = s.signer()?.pubkey();
    let (key, acc) = load_account(s, id, &owner).await?;
    let sim = Sim::new(&venue);
    let free = sim.max_withdraw(&acc);
    let amount = if amount.eq_ignore_ascii_case("all") {
        if free == 0 {
            bail!(
                "nothing is free to withdraw (collateral {} USDC is all needed by open positions)",
                fmt_quote(acc.collateral.max(0) as u64)
            );
        }
        free
    } else {
        parse_positive(amount, QUOTE_DECIMALS, "amount")?
    };
    let before = sim.health(&acc).ok();
    let verdict = sim.withdraw(&acc, amount);
    let mut v = json!({
        "command": "withdraw", "account": key.to_string(), "amount": q(amount), "free_collateral": q(free),
        "health_before": before.as_ref().map(health_json),
        "health_after": verdict.as_ref().ok().and_then(|h| h.as_ref()).map(health_json),
        "feeds": acc.open_positions().map(|p| json!({"index": p.market,
            "validity": sim.quote(p.market).ok().map(|qt| validity_name(qt.validity))})).collect::<Vec<_>>(),
        "accepted": verdict.is_ok(), "refusal": verdict.as_ref().err().map(refusal_json),
        "dry_run": s.dry_run, "signature": Value::Null,
    });
    if let Err(r) = verdict {
        s.print(&v, || health_text(before.as_ref().map(health_json).as_ref(), None));
        bail!(
            "the program would refuse to withdraw {} USDC: {r}; at most {} USDC is free",
            fmt_quote(amount),
            fmt_quote(free)
        );
    }
    let to = to.unwrap_or_else(|| get_associated_token_address(&owner, &venue.exchange.collateral_mint));
    let mut ixs = Vec::new();
    if token_balance(s, &to).await?.is_none() {
        ixs.push(spl_associated_token_account::instruction::create_associated_token_account_idempotent(
            &owner,
            &owner,
            &venue.exchange.collateral_mint,
            &anchor_spl::token::ID,
        ));
    }
    ixs.push(ix::withdraw(owner, key, to, &venue.keys(), amount, &health_pairs(&venue, &acc, None)));
    let signature = s.send("withdraw", &ixs).await?;
    v["signature"] = sig(&signature);
    s.print(&v, || {
        let after = v["health_after"].is_object().then(|| v["health_after"].clone());
        format!(
            "Withdraw {} USDC to {to}\n{}\n{}",
            fmt_quote(amount),
            health_text(before.as_ref().map(health_json).as_ref(), after.as_ref()),
            done("", &signature).trim_start()
        )
    });
    Ok(())
}

/// `ballast trade MARKET SIZE`.
pub async fn trade<B: Backend>(s: &Session<'_, B>, id: u32, args: &TradeArgs) -> Result<()> {
    let venue = s.venue().await?;
    let m = find_market(&venue, &args.market)?;
    let index = m.market.index;
    let size = parse_nonzero(&args.size, BASE_DECIMALS, "size")?;
    let signer = s.signer()?.pubkey();
    let owner = args.owner.unwrap_or(signer);
    let (key, acc) = load_account(s, id, &owner).await?;
    acc.require_trader(&signer, venue.clock.slot).map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
    let sim = Sim::new(&venue);
    let explicit_limit =
        args.limit_price.as_deref().map(|p| parse_positive_i64(p, PRICE_DECIMALS, "limit price")).transpose()?;
    let any = if size > 0 { i64::MAX } else { 1 };
    let verdict = sim.trade(&acc, index, size, explicit_limit.unwrap_or(any), args.reduce_only);
    let limit = explicit_limit.unwrap_or_else(|| default_limit(&verdict, size));
    let quote = sim.quote(index).ok();
    let mut v = json!({
        "command": "trade", "account": key.to_string(), "market": m.market.symbol_str(), "index": index,
        "size": fmt_base(size), "limit_price": fmt_price(limit), "reduce_only": args.reduce_only,
        "feed": quote.map(|qt| json!({"price": fmt_price(qt.price), "conf": fmt_price(qt.conf as i64),
                                     "validity": validity_name(qt.validity), "vol_bps": qt.vol_bps})),
        "fill": verdict.as_ref().ok().map(|t| json!({"price": fmt_price(t.outcome.fill_price),
            "spread_bps": t.outcome.spread_bps, "fee": q(t.outcome.fee), "insurance_fee": q(t.outcome.insurance_fee),
            "realized_pnl": q(t.outcome.realized_pnl), "unsettled": q(t.outcome.unsettled),
            "position_after": fmt_base(t.outcome.position.base), "charges": charges::trade_json(&sim, t)})),
        "health_before": sim.health(&acc).ok().as_ref().map(health_json),
        "health_after": verdict.as_ref().ok().map(|t| health_json(&t.health)),
        "positions_after": verdict.as_ref().ok().map(|t| positions_json(&venue, &sim, &t.account)),
        "accepted": verdict.is_ok(), "refusal": verdict.as_ref().err().map(refusal_json),
        "dry_run": s.dry_run, "signature": Value::Null,
    });
    if let Err(r) = verdict {
        s.print(&v, || trade_text(&v));
        bail!("the program would refuse this trade: {r}");
    }
    let params = TradeParams { base: size, limit_price: limit, reduce_only: args.reduce_only };
    let markets = venue.market_pairs();
    let signature =
        s.send("trade", &[ix::trade(signer, key, &venue.keys(), index, m.market.feed, params, &markets)]).await?;
    v["signature"] = sig(&signature);
    s.print(&v, || done(&trade_text(&v), &signature));
    Ok(())
}

/// The previewed fill moved 1 % against the trader (any price if the
/// preview was refused: the refusal is reported before anything is sent).
fn default_limit(
    verdict: &Result<ballast_client::simulate::TradeSim, ballast_client::simulate::Refusal>,
    size: i64,
) -> i64 {
    match verdict {
        Ok(t) if size > 0 => t.outcome.fill_price.saturating_add(t.outcome.fill_price / 100),
        Ok(t) => (t.outcome.fill_price - t.outcome.fill_price / 100).max(1),
        Err(_) if size > 0 => i64::MAX,
        Err(_) => 1,
    }
}

fn trade_text(v: &Value) -> String {
    let str_of = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_string();
    let side = if str_of(v, "size").starts_with('-') { "sell" } else { "buy" };
    let mut out = format!("Trade {} {side} {}", str_of(v, "market"), str_of(v, "size").trim_start_matches('-'));
    let feed = &v["feed"];
    if feed.is_object() {
        out += &format!(
            "\nFeed:   {} ± {} ({}, volatility {} bps/yr)",
            str_of(feed, "price"),
            str_of(feed, "conf"),
            str_of(feed, "validity"),
            feed["vol_bps"]
        );
    }
    let fill = &v["fill"];
    if fill.is_object() {
        out += &format!(
            "\nFill:   ~{} (spread {} bps, limit {})\nFee:    {} USDC ({} to the insurance fund)",
            str_of(fill, "price"),
            fill["spread_bps"],
            str_of(v, "limit_price"),
            str_of(fill, "fee"),
            str_of(fill, "insurance_fee")
        );
        out += &format!("\n{}", charges::trade_text(&fill["charges"]));
        out = pnl::with_line(out, &pnl::unsettled_warning_json(&fill["unsettled"]));
    }
    let after = v["health_after"].is_object().then(|| v["health_after"].clone());
    out += &format!("\n{}", health_text(v["health_before"].is_object().then(|| &v["health_before"]), after.as_ref()));
    if let Some(rows) = v["positions_after"].as_array() {
        out += &format!("\nAfter the trade:\n{}", positions_text(rows));
    }
    if let Some(r) = v["refusal"].as_object() {
        out += &format!("\nREFUSED: {} ({})", r["message"].as_str().unwrap_or(""), r["name"].as_str().unwrap_or(""));
    }
    out
}

/// `ballast positions [--owner OWNER]`.
pub async fn positions<B: Backend>(s: &Session<'_, B>, id: u32, owner: Option<Pubkey>) -> Result<()> {
    let venue = s.venue().await?;
    let owner = match owner {
        Some(o) => o,
        None => s.signer()?.pubkey(),
    };
    let (key, acc) = load_account(s, id, &owner).await?;
    let sim = Sim::new(&venue);
    let mut rows = positions_json(&venue, &sim, &acc);
    pnl::add_adl_standing(&mut rows, &venue, &sim, &acc);
    let v = json!({"account": key.to_string(), "owner": owner.to_string(), "id": id,
                   "unsettled_pnl": q(acc.unsettled_pnl), "adl": pnl::adl_json(&venue, &sim), "positions": rows});
    s.print(&v, || pnl::with_line(pnl::unsettled_text(&acc, &venue), &positions_block(&v)));
    Ok(())
}

/// `ballast markets`.
pub async fn markets<B: Backend>(s: &Session<'_, B>) -> Result<()> {
    let venue: Venue = s.venue().await?;
    let sim = Sim::new(&venue);
    let rows = markets_json(&venue, &sim);
    let reserve = charges::reserve_json(&sim);
    let v = json!({"markets": rows, "reserve": reserve});
    s.print(&v, || format!("{}\n{}", markets_text(&rows), charges::reserve_text(&reserve)));
    Ok(())
}
