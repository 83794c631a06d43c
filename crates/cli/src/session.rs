//! One command's context: the backend, the signer (or why there is none),
//! the output format and `--dry-run`; sending, and printing results.

use crate::Output;
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use ballast_client::backend::Backend;
use ballast_client::venue::{load_venue, MarketState, Venue};
use serde_json::Value;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_pack::Pack;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

/// A command's context.
pub struct Session<'a, B: Backend> {
    /// Where reads and sends go.
    pub backend: &'a B,
    /// The signer, or the sentence saying why it could not be read.
    pub keypair: Result<&'a Keypair, String>,
    /// Output format.
    pub output: Output,
    /// Print what would be sent; send nothing.
    pub dry_run: bool,
}

impl<'a, B: Backend> Session<'a, B> {
    /// A session with `keypair` (or the reason it is missing).
    pub fn new(backend: &'a B, keypair: Result<&'a Keypair, String>, output: Output, dry_run: bool) -> Self {
        Session { backend, keypair, output, dry_run }
    }

    /// The signer, or a clear error naming the keypair problem.
    pub fn signer(&self) -> Result<&'a Keypair> {
        self.keypair.clone().map_err(|e| anyhow!(e))
    }

    /// Sign `ixs` with the signer and send them, unless `--dry-run`; the
    /// signature of a landed transaction. Program errors come back decoded
    /// (name and message).
    pub async fn send(&self, what: &str, ixs: &[Instruction]) -> Result<Option<Signature>> {
        let signer = self.signer()?;
        if self.dry_run {
            return Ok(None);
        }
        let blockhash = self.backend.latest_blockhash().await.with_context(|| format!("{what}: no blockhash"))?;
        let tx = Transaction::new_signed_with_payer(ixs, Some(&signer.pubkey()), &[signer], blockhash);
        self.backend.send(&tx).await.map_err(|e| anyhow!("{what} failed: {e}"))?;
        Ok(Some(tx.signatures[0]))
    }

    /// The venue, with an error that says the margin engine is not there
    /// (a wrong cluster) rather than a decoding failure.
    pub async fn venue(&self) -> Result<Venue> {
        let exchange = ballast_client::engine::exchange_address();
        if self.backend.get_account(&exchange).await?.is_none() {
            bail!("no Ballast exchange on this cluster (account {exchange} does not exist): check -u/--url");
        }
        load_venue(self.backend).await
    }

    /// Print `value` as JSON, or `display` as text.
    pub fn print(&self, value: &Value, display: impl FnOnce() -> String) {
        match self.output {
            Output::Json => crate::out::line(&serde_json::to_string_pretty(value).expect("json")),
            Output::Display => crate::out::line(&display()),
        }
    }
}

/// The market named by `name`: a symbol (any case) or an index.
pub fn find_market<'v>(venue: &'v Venue, name: &str) -> Result<&'v MarketState> {
    let found = match name.parse::<u16>() {
        Ok(i) => venue.markets.get(i as usize),
        Err(_) => venue.markets.iter().find(|m| m.market.symbol_str().eq_ignore_ascii_case(name)),
    };
    found.ok_or_else(|| {
        let names: Vec<&str> = venue.markets.iter().map(|m| m.market.symbol_str()).collect();
        anyhow!("unknown market `{name}`: markets are {}", names.join(", "))
    })
}

/// `(market, feed)` of every open position of `account`, in slot order (the
/// remaining accounts of withdraw and liquidate), skipping `except`.
pub fn health_pairs(
    venue: &Venue,
    account: &margin_engine::state::MarginAccount,
    except: Option<u16>,
) -> Vec<(Pubkey, Pubkey)> {
    account
        .open_positions()
        .filter(|s| Some(s.market) != except)
        .filter_map(|s| venue.markets.get(s.market as usize))
        .map(|m| (m.key, m.market.feed))
        .collect()
}

/// A signed transaction's signature as JSON (`null` on a dry run).
pub fn sig(s: &Option<Signature>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// `what`, then the signature, or a note that nothing was sent.
pub fn done(what: &str, signature: &Option<Signature>) -> String {
    match signature {
        Some(sig) => format!("{what}\nSignature: {sig}"),
        None => format!("{what} (dry run: nothing sent)"),
    }
}

/// The balance of token account `token` (`None` if it does not exist).
pub async fn token_balance<B: Backend>(s: &Session<'_, B>, token: &Pubkey) -> Result<Option<u64>> {
    Ok(match s.backend.get_account(token).await? {
        Some(a) => {
            Some(anchor_spl::token::spl_token::state::Account::unpack(&a.data).map(|t| t.amount).ok().unwrap_or(0))
        }
        None => None,
    })
}
