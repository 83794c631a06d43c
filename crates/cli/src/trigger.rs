//! `ballast trigger add|cancel|list|close-book`: take-profit and stop-loss
//! orders that keepers execute, reduce-only, once every oracle source has
//! crossed their price. `add` previews the execution at the trigger's own
//! price (fill, fee, keeper fee, health after) with the program's own code
//! and refuses what the program would refuse.

use crate::report::{health_json, health_text, q, refusal_json};
use crate::session::{done, find_market, sig, Session};
use crate::trader::load_account;
use anyhow::{anyhow, bail, Context, Result};
use ballast_client::amount::{parse_fixed, parse_positive_i64};
use ballast_client::backend::Backend;
use ballast_client::fmt::{fmt_base, fmt_price};
use ballast_client::simulate::{Refusal, Sim};
use ballast_client::trigger::{self as tx, book_address, book_from, direction_name, kind_name, THIRD_PARTY_KEEPER};
use ballast_client::venue::Venue;
use ballast_risk::precision::{BASE_DECIMALS, PRICE_DECIMALS, QUOTE_DECIMALS};
use margin_engine::constants::MAX_TRIGGERS;
use margin_engine::engine::trigger::{new_trigger, store_trigger};
use margin_engine::state::{MarginAccount, Trigger, TriggerBook, TriggerParams, ABOVE, BELOW};
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// The keeper fee when `--keeper-fee` is left out: 0.05 USDC.
pub const DEFAULT_KEEPER_FEE: u32 = 50_000;
/// The limit when `--limit-price` is left out: the trigger price moved this
/// far against the trader, bps.
pub const DEFAULT_SLIPPAGE_BPS: i64 = 200;

/// `ballast trigger` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum TriggerCommand {
    /// Store a stop-loss or a take-profit on an open position. Keepers
    /// execute it, reduce-only, once every oracle source has crossed PRICE,
    /// and are paid `--keeper-fee` from the account. Only the owner adds
    /// triggers.
    ///
    /// Example: ballast trigger add SOL --stop-loss 92.5 ; ballast trigger add SOL --take-profit 120 --size 1
    Add(AddArgs),
    /// Remove trigger INDEX (see `list`). The owner or its delegate.
    ///
    /// Example: ballast trigger cancel 0 ; ballast trigger cancel 0 --owner <OWNER> -k hot.json
    Cancel {
        /// The trigger's index.
        index: u8,
        /// OWNER's account, cancelling as its delegate.
        #[arg(long, value_name = "OWNER")]
        owner: Option<Pubkey>,
    },
    /// Every trigger: kind, price, size, limit, fee, distance, and whether a
    /// keeper could execute it now.
    ///
    /// Example: ballast trigger list --output json
    List {
        /// OWNER's account (a delegate reading the account it trades).
        #[arg(long, value_name = "OWNER")]
        owner: Option<Pubkey>,
    },
    /// Close the trigger book (its triggers go with it) and reclaim its rent.
    ///
    /// Example: ballast trigger close-book
    CloseBook,
}

/// `ballast trigger add` arguments.
#[derive(clap::Args, Debug)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("kind").required(true).multiple(false).args(["stop_loss", "take_profit"])))]
pub struct AddArgs {
    /// Market symbol (SOL) or index (0).
    pub market: String,
    /// Close when the price moves against the position to PRICE: below it
    /// for a long, above it for a short.
    #[arg(long, value_name = "PRICE")]
    pub stop_loss: Option<String>,
    /// Close when the price moves in the position's favour to PRICE: above
    /// it for a long, below it for a short.
    #[arg(long, value_name = "PRICE")]
    pub take_profit: Option<String>,
    /// Base size to close (default: the whole position).
    #[arg(long)]
    pub size: Option<String>,
    /// Worst acceptable fill; default: the trigger price moved 2 % against you.
    #[arg(long, value_name = "PRICE")]
    pub limit_price: Option<String>,
    /// Paid to the keeper that executes it, USDC (at most 1; default 0.05).
    #[arg(long, value_name = "USDC")]
    pub keeper_fee: Option<String>,
    /// Refused: only the owner adds triggers (a trigger pays its fee to any key).
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<Pubkey>,
}

/// The book of `margin`, if created.
pub async fn load_book<B: Backend>(s: &Session<'_, B>, margin: &Pubkey) -> Result<Option<TriggerBook>> {
    let key = book_address(margin);
    book_from(s.backend.get_account(&key).await?.as_ref()).with_context(|| format!("trigger book {key}"))
}

fn empty_book(margin: Pubkey, owner: Pubkey) -> TriggerBook {
    let mut b: TriggerBook = bytemuck::Zeroable::zeroed();
    (b.margin_account, b.owner, b.triggers) = (margin, owner, [Trigger::EMPTY; MAX_TRIGGERS]);
    b
}

fn refused(r: Refusal) -> anyhow::Error {
    anyhow!("the program would refuse this trigger: {r}")
}

/// Run a `trigger` subcommand for margin account `id`.
pub async fn run<B: Backend>(s: &Session<'_, B>, id: u32, cmd: &TriggerCommand) -> Result<()> {
    let signer = s.signer()?.pubkey();
    match cmd {
        TriggerCommand::Add(args) => add(s, id, args).await,
        TriggerCommand::Cancel { index, owner } => {
            let (key, acc) = load_account(s, id, &owner.unwrap_or(signer)).await?;
            let slot = s.backend.clock().await?.slot;
            acc.require_trader(&signer, slot).map_err(|e| anyhow!("{key}: {e}"))?;
            let book = load_book(s, &key).await?.with_context(|| format!("{key} has no triggers"))?;
            let t = book.at(*index).map_err(|_| {
                anyhow!("no trigger at index {index} (`ballast trigger list` shows {} in use)", book.active().count())
            })?;
            let signature = s.send("cancel trigger", &[tx::cancel_trigger(signer, key, *index)]).await?;
            let v = json!({"command": "trigger cancel", "account": key.to_string(), "index": index,
                           "market": t.market, "dry_run": s.dry_run, "signature": sig(&signature)});
            s.print(&v, || done(&format!("Cancelled trigger {index} of {key}"), &signature));
            Ok(())
        }
        TriggerCommand::List { owner } => {
            let venue = s.venue().await?;
            let (key, acc) = load_account(s, id, &owner.unwrap_or(signer)).await?;
            let rows = match load_book(s, &key).await? {
                Some(book) => list_json(&venue, &acc, &book),
                None => vec![],
            };
            s.print(&Value::from(rows.clone()), || list_text(&rows));
            Ok(())
        }
        TriggerCommand::CloseBook => {
            // The margin account may be gone already: the book outlives it.
            let key = ballast_client::engine::margin_address(&signer, id);
            let book = load_book(s, &key).await?.with_context(|| format!("{key} has no trigger book"))?;
            if book.owner != signer {
                bail!("only the book's owner {} closes it", book.owner);
            }
            let signature = s.send("close trigger book", &[tx::close_trigger_book(signer, key)]).await?;
            let v = json!({"command": "trigger close-book", "account": key.to_string(),
                           "dropped": book.active().count(), "dry_run": s.dry_run, "signature": sig(&signature)});
            s.print(&v, || done(&format!("Closed the trigger book of {key}"), &signature));
            Ok(())
        }
    }
}

async fn add<B: Backend>(s: &Session<'_, B>, id: u32, args: &AddArgs) -> Result<()> {
    let owner = s.signer()?.pubkey();
    if args.owner.is_some_and(|o| o != owner) {
        bail!("only the account's owner adds triggers (a trigger pays its keeper fee to any key); a delegate may cancel them");
    }
    let venue = s.venue().await?;
    let m = find_market(&venue, &args.market)?;
    let index = m.market.index;
    let (key, acc) = load_account(s, id, &owner).await?;
    let position = acc.position_in(index).base;
    if position == 0 {
        bail!("no {} position in margin account {id}: a trigger only reduces a position", m.market.symbol_str());
    }
    let stop = args.stop_loss.is_some();
    let price = parse_positive_i64(
        args.stop_loss.as_deref().or(args.take_profit.as_deref()).unwrap_or_default(),
        PRICE_DECIMALS,
        "trigger price",
    )?;
    // A long sells: a stop-loss below the price, a take-profit above.
    let direction = if (position > 0) == stop { BELOW } else { ABOVE };
    let size = match &args.size {
        Some(text) => parse_positive_i64(text, BASE_DECIMALS, "size")?,
        None => position.unsigned_abs() as i64,
    };
    let base = if position > 0 { -size } else { size };
    let slip = (price as i128 * DEFAULT_SLIPPAGE_BPS as i128 / 10_000) as i64;
    let limit = match &args.limit_price {
        Some(text) => parse_positive_i64(text, PRICE_DECIMALS, "limit price")?,
        None if base < 0 => (price - slip).max(1),
        None => price.saturating_add(slip),
    };
    let keeper_fee = match &args.keeper_fee {
        Some(text) => u32::try_from(parse_fixed(text, QUOTE_DECIMALS, "keeper fee")?)
            .map_err(|_| anyhow!("keeper fee must be between 0 and 1 USDC, got `{text}`"))?,
        None => DEFAULT_KEEPER_FEE,
    };
    let params = TriggerParams { direction, trigger_price: price, base, limit_price: limit, keeper_fee };

    // The program's own checks on copies: add, then execute at its price.
    let sim = Sim::new(&venue);
    let quote = sim.quote(index).map_err(refused)?;
    let existing = load_book(s, &key).await?;
    let mut book = existing.unwrap_or_else(|| empty_book(key, owner));
    let trigger = new_trigger(&params, &acc, &quote).map_err(|e| refused(e.into()))?;
    let slot = store_trigger(&mut book, trigger).map_err(|e| refused(e.into()))? as u8;
    let at_price = sim.execute_trigger(&acc, &book, slot, &THIRD_PARTY_KEEPER, Some(price));
    let v = json!({
        "command": "trigger add", "account": key.to_string(), "market": m.market.symbol_str(), "index": slot,
        "kind": kind_name(trigger.kind()), "direction": direction_name(direction),
        "trigger_price": fmt_price(price), "size": fmt_base(base), "limit_price": fmt_price(limit),
        "keeper_fee": q(keeper_fee as i64), "oracle_price": fmt_price(quote.price),
        "execution": at_price.as_ref().ok().map(|e| json!({
            "fill_price": fmt_price(e.fill.traded.out.fill_price), "fee": q(e.fill.traded.out.fee),
            "realized_pnl": q(e.fill.traded.out.realized_pnl), "unsettled": q(e.fill.traded.out.unsettled),
            "keeper_fee": q(e.fill.keeper_fee as i64),
            "position_after": fmt_base(e.fill.traded.out.position.base), "health_after": health_json(&e.health)})),
        "health_now": sim.health(&acc).ok().as_ref().map(health_json),
        "refusal": at_price.as_ref().err().map(refusal_json),
        "creates_book": existing.is_none(), "dry_run": s.dry_run, "signature": Value::Null,
    });
    if let Err(r) = at_price {
        s.print(&v, || add_text(&v));
        bail!("at its own price the program would not execute this trigger: {r}");
    }
    let mut ixs = Vec::new();
    if existing.is_none() {
        ixs.push(tx::create_trigger_book(owner, key));
    }
    ixs.push(tx::add_trigger(owner, key, index, m.market.feed, params));
    let signature = s.send("add trigger", &ixs).await?;
    let mut v = v;
    v["signature"] = sig(&signature);
    s.print(&v, || done(&add_text(&v), &signature));
    Ok(())
}

fn add_text(v: &Value) -> String {
    let str_of = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_string();
    let mut out = format!(
        "Trigger {} {}: {} {} when every source is at or {} {} (limit {}, keeper fee {} USDC); price now {}",
        v["index"],
        str_of(v, "market"),
        str_of(v, "kind"),
        str_of(v, "size"),
        str_of(v, "direction"),
        str_of(v, "trigger_price"),
        str_of(v, "limit_price"),
        str_of(v, "keeper_fee"),
        str_of(v, "oracle_price"),
    );
    let e = &v["execution"];
    if e.is_object() {
        out += &format!(
            "\nAt {}: fill ~{}, fee {} USDC, keeper fee {} USDC, realised PnL {} USDC, position after {}",
            str_of(v, "trigger_price"),
            str_of(e, "fill_price"),
            str_of(e, "fee"),
            str_of(e, "keeper_fee"),
            str_of(e, "realized_pnl"),
            str_of(e, "position_after"),
        );
        out = crate::pnl::with_line(out, &crate::pnl::unsettled_warning_json(&e["unsettled"]));
        let now = v["health_now"].is_object().then(|| &v["health_now"]);
        out += &format!("\n{}", health_text(now, Some(&e["health_after"])));
    }
    if let Some(r) = v["refusal"].as_object() {
        out += &format!(
            "\nWOULD NOT EXECUTE: {} ({})",
            r["message"].as_str().unwrap_or(""),
            r["name"].as_str().unwrap_or("")
        );
    }
    out
}

/// Every trigger of `book` with whether a keeper could execute it now.
fn list_json(venue: &Venue, acc: &MarginAccount, book: &TriggerBook) -> Vec<Value> {
    let sim = Sim::new(venue);
    book.active()
        .map(|(i, t)| {
            let symbol = venue.markets.get(t.market as usize).map_or("?", |m| m.market.symbol_str());
            let price = sim.quote(t.market).ok().map(|qt| qt.price);
            let now = sim.execute_trigger(acc, book, i as u8, &THIRD_PARTY_KEEPER, None);
            let status = match &now {
                Ok(_) => "due".to_string(),
                Err(r) if r.name == "TriggerNotCrossed" => "waiting".to_string(),
                Err(r) if r.name == "TriggerStale" => "stale: its position was closed; cancel it".to_string(),
                Err(r) => format!("blocked: {}", r.name),
            };
            json!({"index": i, "market": symbol, "kind": kind_name(t.kind()), "direction": direction_name(t.direction),
                   "trigger_price": fmt_price(t.trigger_price), "size": fmt_base(t.base),
                   "limit_price": fmt_price(t.limit_price), "keeper_fee": q(t.keeper_fee as i64),
                   "oracle_price": price.map(fmt_price),
                   "distance_bps": price.filter(|p| *p > 0).map(|p| (t.trigger_price as i128 - p as i128) * 10_000 / p as i128),
                   "status": status})
        })
        .collect()
}

fn list_text(rows: &[Value]) -> String {
    if rows.is_empty() {
        return "No triggers".into();
    }
    let mut out = format!(
        "{:<3} {:<6} {:<11} {:<6} {:>16} {:>16} {:>16} {:>10} {:>9}  {}",
        "#", "market", "kind", "when", "trigger", "size", "limit", "fee", "distance", "status"
    );
    for r in rows {
        let s = |k: &str| r[k].as_str().unwrap_or("-").to_string();
        let distance = r["distance_bps"].as_i64().map_or("-".into(), |d| format!("{:+.2}%", d as f64 / 100.0));
        out += &format!(
            "\n{:<3} {:<6} {:<11} {:<6} {:>16} {:>16} {:>16} {:>10} {:>9}  {}",
            r["index"],
            s("market"),
            s("kind"),
            s("direction"),
            s("trigger_price"),
            s("size"),
            s("limit_price"),
            s("keeper_fee"),
            distance,
            s("status")
        );
    }
    out
}
