//! `-u embedded`: both programs and SPL Token in an in-process bank whose
//! accounts persist in a ledger directory between commands (`ledger.json`,
//! plus the demo operator's keys in `operator.json`). Each command loads the
//! ledger, runs, and saves it again only if it succeeded, so a refused
//! command leaves the file byte for byte as it was.
//!
//! `ballast embedded setup|reset|price|warp` manage it.

use crate::config::DEFAULT_KEYPAIR;
use crate::Output;
use anyhow::{anyhow, bail, Context, Result};
use ballast_bank::context::TestContext;
use ballast_bank::demo::{self, Operator, USD};
use ballast_bank::ledger;
use ballast_client::amount::{parse_fixed, parse_positive, parse_positive_i64};
use ballast_client::cli_config::expand_home;
use ballast_client::fmt::{fmt_price, fmt_quote};
use ballast_client::spec::VenueSpec;
use ballast_client::venue::load_venue;
use ballast_keeper::{Config as KeeperConfig, Keeper};
use ballast_risk::precision::{PRICE_DECIMALS, QUOTE_DECIMALS};
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use std::path::{Path, PathBuf};

/// `ballast embedded` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum EmbeddedCommand {
    /// Create the local venue: an exchange, a USDC mint, SOL, BTC and ETH
    /// markets with feeds, a funded pool; airdrop SOL and USDC to your
    /// keypair (created at the default path if there is none).
    ///
    /// Example: ballast -u embedded embedded setup --airdrop 10000
    Setup {
        /// USDC to airdrop to your keypair.
        #[arg(long, default_value = "10000")]
        airdrop: String,
        /// A venue spec to build instead of the committed demo
        /// (`venue/demo.toml`); its mint and oracle accounts may be left
        /// out (emulated).
        #[arg(long, value_name = "FILE")]
        spec: Option<PathBuf>,
    },
    /// Delete the local ledger (your keypair stays).
    ///
    /// Example: ballast -u embedded embedded reset
    Reset,
    /// Move a market's feed: every one of its oracle sources publishes PRICE now,
    /// then the feed is refreshed and a keeper pass runs.
    ///
    /// Example: ballast -u embedded embedded price SOL 123.45
    Price {
        /// Market symbol or index.
        market: String,
        /// New price in dollars.
        #[arg(allow_negative_numbers = true)]
        price: String,
        /// Confidence interval in dollars.
        #[arg(long, default_value = "0")]
        conf: String,
        /// Skip the keeper pass (no triggers, no liquidations, no breaker crank).
        #[arg(long)]
        no_keeper: bool,
    },
    /// Top KEY up to at least SOL for fees and mint it USDC on its
    /// associated token account, from the local faucet (a second wallet: a
    /// delegate, an LP, a keeper). KEY must be a wallet, not a program's
    /// account.
    ///
    /// Example: ballast -u embedded embedded airdrop <PUBKEY> --sol 1 --usdc 500
    Airdrop {
        /// The wallet to fund.
        key: solana_sdk::pubkey::Pubkey,
        /// SOL for transaction fees.
        #[arg(long, default_value = "1")]
        sol: String,
        /// USDC.
        #[arg(long, default_value = "0")]
        usdc: String,
    },
    /// Move the clock SLOTS slots (400 ms each). Sources republish their
    /// last prices unless --stale, then a keeper pass runs.
    ///
    /// Example: ballast -u embedded embedded warp 100
    Warp {
        /// Slots to advance.
        slots: u64,
        /// Let the oracle sources fall silent (feeds go stale).
        #[arg(long)]
        stale: bool,
        /// Skip the keeper pass.
        #[arg(long)]
        no_keeper: bool,
    },
}

/// The spec as the embedded ledger applied it (emulated accounts filled in).
pub fn venue_file(dir: &Path) -> PathBuf {
    dir.join("venue.toml")
}

fn ledger_file(dir: &Path) -> PathBuf {
    dir.join("ledger.json")
}

fn operator_file(dir: &Path) -> PathBuf {
    dir.join("operator.json")
}

/// A loaded embedded cluster.
pub struct Embedded {
    dir: PathBuf,
    /// The running bank.
    pub tc: TestContext,
}

impl Embedded {
    /// Load the ledger in `dir` into a new bank.
    pub async fn open(dir: &Path) -> Result<Embedded> {
        let file = ledger_file(dir);
        if !file.exists() {
            bail!("no embedded ledger in {}: run `ballast -u embedded embedded setup` first", dir.display());
        }
        let state = ledger::load(&file)?;
        Ok(Embedded { dir: dir.into(), tc: ledger::start(&state).await })
    }

    /// Save the bank's accounts and clock to the ledger.
    pub async fn save(&mut self) -> Result<()> {
        let state = ledger::snapshot(&mut self.tc).await;
        let file = ledger_file(&self.dir);
        ledger::save(&state, &file).with_context(|| {
            format!("cannot save the embedded ledger {} (this command's effects were not kept)", file.display())
        })
    }

    fn operator(&self) -> Result<Operator> {
        let path = operator_file(&self.dir);
        let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let v = serde_json::from_slice(&text).with_context(|| format!("{} is damaged", path.display()))?;
        Operator::from_json(&v)
    }

    /// One keeper pass with the operator's key: refresh what is due,
    /// execute due triggers, liquidate what is unhealthy, crank breakers.
    async fn keeper_pass(&mut self) -> Result<serde_json::Value> {
        let op = self.operator()?;
        let venue = load_venue(&self.tc.backend()).await?;
        let reward =
            demo::fund(&mut self.tc, &op, &venue.exchange.collateral_mint, &op.mint_authority.pubkey(), 0, 0).await?;
        let config = KeeperConfig { retries: 0, ..KeeperConfig::default() };
        let mut keeper = Keeper::new(self.tc.backend(), op.mint_authority.insecure_clone(), reward, config);
        let r = keeper.tick().await?;
        Ok(
            json!({"triggers": r.triggers, "liquidated": r.liquidated, "calls": r.calls, "notional": fmt_quote(r.notional),
                  "resolved": r.resolved, "breakers": r.breakers, "unhealthy": r.unhealthy,
                  "refused": r.rejected, "failed": r.failed}),
        )
    }

    /// `price` / `warp`.
    pub async fn run(&mut self, cmd: &EmbeddedCommand, output: Output) -> Result<()> {
        let report = match cmd {
            EmbeddedCommand::Price { market, price, conf, no_keeper } => {
                let p = parse_positive_i64(price, PRICE_DECIMALS, "price")?;
                let c = parse_fixed(conf, PRICE_DECIMALS, "conf")?;
                let c = u64::try_from(c).map_err(|_| anyhow!("conf must be zero or positive, got `{conf}`"))?;
                let venue = load_venue(&self.tc.backend()).await?;
                let m = crate::session::find_market(&venue, market)?;
                let event = demo::publish(&mut self.tc, &m.market.feed, p, c).await?;
                let keeper = if *no_keeper { None } else { Some(self.keeper_pass().await?) };
                json!({"command": "embedded price", "market": m.market.symbol_str(), "price": fmt_price(event.price),
                       "conf": fmt_price(event.conf as i64), "ema_price": fmt_price(event.ema_price),
                       "validity": format!("{:?}", ballast_risk::oracle::Validity::from_u8(event.validity)),
                       "keeper": keeper})
            }
            EmbeddedCommand::Warp { slots, stale, no_keeper } => {
                if *slots == 0 {
                    bail!("slots must be greater than zero");
                }
                self.tc.advance(*slots, (*slots * 2 / 5).max(1) as i64).await;
                let venue = load_venue(&self.tc.backend()).await?;
                if !*stale {
                    for m in &venue.markets {
                        demo::publish(&mut self.tc, &m.market.feed, m.feed.price, m.feed.conf).await?;
                    }
                }
                let keeper = if *no_keeper { None } else { Some(self.keeper_pass().await?) };
                let clock = self.tc.clock().await;
                json!({"command": "embedded warp", "slot": clock.slot, "unix_timestamp": clock.unix_timestamp,
                       "stale": stale, "keeper": keeper})
            }
            EmbeddedCommand::Airdrop { key, sol, usdc } => {
                let lamports = parse_positive(sol, 9, "sol")?;
                let usdc = ballast_client::amount::parse_fixed(usdc, QUOTE_DECIMALS, "usdc")?;
                let usdc = u64::try_from(usdc).map_err(|_| anyhow!("usdc must be zero or positive"))?;
                if !key.is_on_curve() {
                    bail!("{key} is not a wallet (not an ed25519 key: a program address)");
                }
                let system = solana_sdk::pubkey::Pubkey::default();
                if let Some(a) = self.tc.account(key).await.filter(|a| a.owner != system || !a.data.is_empty()) {
                    bail!("{key} is not a wallet (an account of {} with {} bytes of data)", a.owner, a.data.len());
                }
                let op = self.operator()?;
                let venue = load_venue(&self.tc.backend()).await?;
                let mint = venue.exchange.collateral_mint;
                let supply = self.tc.account(&mint).await.and_then(|a| {
                    <anchor_spl::token::spl_token::state::Mint as solana_sdk::program_pack::Pack>::unpack(&a.data).ok()
                });
                if supply.is_none_or(|m| m.supply.checked_add(usdc).is_none()) {
                    bail!("usdc {} would overflow the mint's supply", fmt_quote(usdc));
                }
                let token = demo::fund(&mut self.tc, &op, &mint, key, lamports, usdc).await?;
                json!({"command": "embedded airdrop", "wallet": key.to_string(), "token_account": token.to_string(),
                       "sol": sol, "usdc": fmt_quote(usdc)})
            }
            EmbeddedCommand::Setup { .. } | EmbeddedCommand::Reset => unreachable!("handled by `setup`/`reset`"),
        };
        print(output, &report);
        Ok(())
    }
}

fn print(output: Output, v: &serde_json::Value) {
    match output {
        Output::Json => crate::out::line(&serde_json::to_string_pretty(v).expect("json")),
        Output::Display => {
            for (k, val) in v.as_object().into_iter().flatten() {
                crate::out::line(&format!("{k:<16} {}", val.to_string().trim_matches('"')));
            }
        }
    }
}

/// The signer for `setup`: the keypair at `path`, created (with a note on
/// stderr) only when `path` is the Solana default and nothing is there.
fn setup_keypair(path: &Path) -> Result<Keypair> {
    if !path.exists() && path == expand_home(DEFAULT_KEYPAIR) {
        let k = Keypair::new();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let bytes = serde_json::to_string(&k.to_bytes().to_vec())?;
        std::fs::write(path, bytes).with_context(|| format!("cannot write keypair {}", path.display()))?;
        eprintln!("Created a new keypair at {} (pubkey {})", path.display(), k.pubkey());
        return Ok(k);
    }
    ballast_client::cli_config::read_keypair(path)
}

/// `ballast embedded setup`.
pub async fn setup(dir: &Path, keypair: &Path, airdrop: &str, spec: Option<&Path>, output: Output) -> Result<()> {
    let airdrop = parse_positive(airdrop, QUOTE_DECIMALS, "airdrop")?;
    let spec = match spec {
        Some(path) => VenueSpec::from_file(path)?,
        None => demo::spec().clone(),
    };
    if ledger_file(dir).exists() {
        bail!("an embedded ledger already exists in {}: `ballast -u embedded embedded reset` clears it", dir.display());
    }
    let user = setup_keypair(keypair)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bar = indicatif::ProgressBar::new_spinner().with_message("building the embedded venue");
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let mut tc = ballast_bank::context::ContextBuilder::new().start().await;
    tc.set_clock(1_000, 1_700_000_000).await;
    let venue = demo::create(&mut tc, &spec, 10_000_000 * USD).await?;
    let token =
        demo::fund(&mut tc, &venue.operator, &venue.keys.collateral_mint, &user.pubkey(), 10_000_000_000, airdrop)
            .await?;
    let op = serde_json::to_vec_pretty(&venue.operator.to_json())?;
    let path = operator_file(dir);
    std::fs::write(&path, op).with_context(|| format!("cannot write {}", path.display()))?;
    let path = venue_file(dir);
    std::fs::write(&path, venue.spec.to_toml()).with_context(|| format!("cannot write {}", path.display()))?;
    ledger::save(&ledger::snapshot(&mut tc).await, &ledger_file(dir))?;
    bar.finish_and_clear();
    let v = json!({
        "command": "embedded setup", "ledger": dir.display().to_string(), "wallet": user.pubkey().to_string(),
        "token_account": token.to_string(), "airdrop": fmt_quote(airdrop), "sol": "10",
        "markets": spec.markets.iter().map(|m| m.params.symbol.clone()).collect::<Vec<_>>(),
        "spec": venue_file(dir).display().to_string(),
    });
    print(output, &v);
    Ok(())
}

/// `ballast embedded reset`: remove the ledger's files (and the directory
/// if nothing else is in it).
pub fn reset(dir: &Path, output: Output) -> Result<()> {
    let mut removed = Vec::new();
    for f in [ledger_file(dir), operator_file(dir), venue_file(dir), ledger_file(dir).with_extension("tmp")] {
        if f.exists() {
            std::fs::remove_file(&f).with_context(|| format!("cannot remove {}", f.display()))?;
            removed.push(f.display().to_string());
        }
    }
    let _ = std::fs::remove_dir(dir);
    print(output, &json!({"command": "embedded reset", "ledger": dir.display().to_string(), "removed": removed}));
    Ok(())
}
