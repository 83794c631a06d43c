//! `ballast delegate set|remove|show`: the owner names a key that may trade
//! its margin account, optionally until a slot. The delegate trades with
//! `ballast trade ... --owner OWNER`; it can never withdraw, close the
//! account, change the delegate or liquidate it. Trading is still the power
//! to lose the whole collateral, and those losses can reach the delegate
//! through its own positions or pool shares: name only a key you trust to
//! trade.

use crate::session::{done, sig, Session};
use crate::trader::load_account;
use anyhow::{bail, Result};
use ballast_client::backend::Backend;
use ballast_client::engine as ix;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// `ballast delegate` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DelegateCommand {
    /// Let KEY trade your margin account (`--account-id`), until
    /// `--expiry-slot` if given. It replaces any delegate named before. A
    /// delegate can lose your whole collateral by trading: name a key you
    /// trust to trade.
    ///
    /// Example: ballast delegate set <HOT KEY> --expiry-slot 350000000
    Set {
        /// The delegate's public key.
        delegate: Pubkey,
        /// The first slot at which it may no longer trade (default: never expires).
        #[arg(long)]
        expiry_slot: Option<u64>,
    },
    /// Remove the delegate.
    ///
    /// Example: ballast delegate remove
    Remove,
    /// The account's delegate and its expiry.
    ///
    /// Example: ballast delegate show --output json
    Show,
}

/// Run a `delegate` subcommand for margin account `id` of the signer.
pub async fn run<B: Backend>(s: &Session<'_, B>, id: u32, cmd: &DelegateCommand) -> Result<()> {
    let owner = s.signer()?.pubkey();
    let (key, acc) = load_account(s, id, &owner).await?;
    let slot = s.backend.clock().await?.slot;
    let (delegate, expiry) = match cmd {
        DelegateCommand::Show => {
            let active = acc.delegate != Pubkey::default();
            let expired = active && acc.delegate_expiry_slot != 0 && slot >= acc.delegate_expiry_slot;
            let v = json!({
                "account": key.to_string(),
                "delegate": active.then(|| acc.delegate.to_string()),
                "expiry_slot": (acc.delegate_expiry_slot != 0).then_some(acc.delegate_expiry_slot),
                "expired": expired, "slot": slot,
            });
            s.print(&v, || match (active, acc.delegate_expiry_slot, expired) {
                (false, _, _) => format!("Account {key}: no delegate"),
                (true, 0, _) => format!("Account {key}: delegate {} (no expiry)", acc.delegate),
                (true, x, true) => format!("Account {key}: delegate {} EXPIRED at slot {x} (now {slot})", acc.delegate),
                (true, x, false) => format!("Account {key}: delegate {} until slot {x} (now {slot})", acc.delegate),
            });
            return Ok(());
        }
        DelegateCommand::Remove => {
            if acc.delegate == Pubkey::default() {
                bail!("margin account {id} has no delegate to remove");
            }
            (Pubkey::default(), 0)
        }
        DelegateCommand::Set { expiry_slot: Some(0), .. } => {
            bail!("--expiry-slot 0 would mean no expiry: leave the flag out for that, or `ballast delegate remove`")
        }
        DelegateCommand::Set { delegate, expiry_slot } => (*delegate, expiry_slot.unwrap_or(0)),
    };
    // The program's own rule, on a copy, before anything is sent.
    let mut copy = acc;
    copy.set_delegate(delegate, expiry, slot).map_err(|e| anyhow::anyhow!("the program would refuse: {e}"))?;
    let signature = s.send("set delegate", &[ix::set_delegate(owner, key, delegate, expiry)]).await?;
    let v = json!({
        "command": "delegate", "account": key.to_string(),
        "delegate": (delegate != Pubkey::default()).then(|| delegate.to_string()),
        "expiry_slot": (expiry != 0).then_some(expiry), "dry_run": s.dry_run, "signature": sig(&signature),
    });
    let what = if delegate == Pubkey::default() {
        format!("Removed the delegate of {key}")
    } else if expiry == 0 {
        format!("{delegate} may trade {key} (no expiry)")
    } else {
        format!("{delegate} may trade {key} until slot {expiry}")
    };
    s.print(&v, || done(&what, &signature));
    Ok(())
}
