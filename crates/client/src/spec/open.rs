//! The governance side of `admin init`: the markets' opening behind the
//! exchange's timelock, and every other queued change (of the engine or of
//! the adapter) refused, since a venue with a change pending is not yet
//! the venue the spec describes.
//!
//! Whether a queued change can still apply is the program's own rule
//! (`gov_window::dead_reason` over the target's `GovRecord`): only the
//! newest change of a field, within its grace period. Whether a governed
//! field was ever changed is the record's `newest_change` (0: never queued
//! or set), so a market governance closed after listing is never taken for
//! a new listing and re-opened.

use super::init::{owned, Outcome, Run, Step};
use super::MarketSpec;
use crate::backend::Backend;
use crate::engine as ix;
use anchor_lang::Discriminator;
use anyhow::{anyhow, bail, Context, Result};
use margin_engine::engine::gov_window::dead_reason;
use margin_engine::state::{market_get, GovRecord, Market, MarketStatus, ParamChange, PendingChange, MARKET_FIELDS};
use oracle_adapter::state::PendingFeedUpdate;
use solana_sdk::pubkey::Pubkey;

/// The engine's queued changes and the records that say which are live.
pub struct Queue {
    changes: Vec<PendingChange>,
    records: Vec<(u16, GovRecord)>,
    slot: u64,
}

impl Queue {
    /// Read every queued change, the records of its targets and of
    /// `markets`, and the slot; refuse any queued feed update of the
    /// adapter.
    pub async fn read<B: Backend>(backend: &B, markets: &[u16]) -> Result<Queue> {
        let filter = [crate::backend::Filter::Memcmp { offset: 0, bytes: PendingFeedUpdate::DISCRIMINATOR.to_vec() }];
        let updates = backend.get_program_accounts(&oracle_adapter::ID, &filter).await?;
        if let Some((key, _)) = updates.first() {
            bail!(
                "a feed update is queued on the adapter ({key}): apply, cancel or close it first; a venue with \
                 a change pending is not the spec's"
            );
        }
        let mut changes: Vec<PendingChange> =
            crate::venue::scan::<PendingChange, B>(backend).await?.into_iter().map(|(_, p)| p).collect();
        changes.sort_by_key(|p| p.id);
        let mut records = Vec::new();
        for target in changes.iter().map(|p| p.target).chain(markets.iter().copied()) {
            if records.iter().any(|(t, _)| *t == target) {
                continue;
            }
            let key = ix::gov_record_address(target);
            let acc = owned(backend, &key, &margin_engine::ID).await?;
            let record = match acc {
                Some(a) => crate::decode::zero_copy::<GovRecord>(&a.data)?,
                None => bytemuck::Zeroable::zeroed(),
            };
            records.push((target, record));
        }
        Ok(Queue { changes, records, slot: backend.clock().await?.slot })
    }

    fn record(&self, target: u16) -> Option<&GovRecord> {
        self.records.iter().find(|(t, _)| *t == target).map(|(_, r)| r)
    }

    /// Whether `p` may still be applied (now or after its eta).
    fn live(&self, p: &PendingChange) -> Result<bool> {
        let Some(record) = self.record(p.target) else { return Ok(false) };
        Ok(dead_reason(p, record, self.slot).map_err(|e| anyhow!("{e}"))?.is_none())
    }

    /// Refuse every live queued change except those of the fields
    /// [`open`] looks after (`opened`: market, field).
    pub fn refuse_others(&self, opened: &[(u16, u8)]) -> Result<()> {
        for p in &self.changes {
            if self.live(p)? && !opened.contains(&(p.target, p.field)) {
                let target = if p.target == margin_engine::engine::governance::EXCHANGE_TARGET {
                    "the exchange".to_string()
                } else {
                    format!("market {}", p.target)
                };
                let field = margin_engine::engine::governance::spec(p.target, p.field).map_or("?", |f| f.name);
                bail!(
                    "queued change #{} sets {field} of {target} to {}, which the spec does not: apply it and update \
                     the spec, or cancel it (`ballast gov cancel {}`); a venue with a change pending is not the spec's",
                    p.id,
                    p.value,
                    p.id
                );
            }
        }
        Ok(())
    }
}

/// Queue, wait for or apply market `index`'s opening, field by field.
pub async fn open<B: Backend>(run: &mut Run<'_, '_, B>, index: u16, m: &MarketSpec, queue: &Queue) -> Result<()> {
    let key = ix::market_address(index);
    let name = |code: u8| MARKET_FIELDS[code as usize].name;
    let Some(acc) = owned(run.backend, &key, &margin_engine::ID).await? else {
        for (code, want) in m.governed() {
            let what = format!("open market {index} {}: {} = {want}", m.params.symbol, name(code));
            run.report.steps.push(Step { what, outcome: Outcome::Pending });
        }
        return Ok(());
    };
    let have: Market = crate::decode::zero_copy(&acc.data)?;
    let listed = Market { oi_cap: 0, status: MarketStatus::ReduceOnly as u8, ..have };
    let none = bytemuck::Zeroable::zeroed();
    let record = queue.record(index).unwrap_or(&none);
    for (code, want) in m.governed() {
        let what = format!("open market {index} {}: {} = {want}", m.params.symbol, name(code));
        let now = market_get(&have, code).map_err(|e| anyhow!("{e}"))?;
        let mine = |p: &&PendingChange| p.target == index && p.field == code;
        let newest = queue.changes.iter().filter(mine).max_by_key(|p| p.id);
        let live = match newest {
            Some(p) => queue.live(p)?.then_some(p),
            None => None,
        };
        if now == want && live.is_none_or(|p| p.value == want) {
            run.done(what);
            continue;
        }
        let changed = record.field(code).map_err(|e| anyhow!("{e}"))?.newest_change != 0;
        match live {
            Some(p) if p.value != want => bail!(
                "market {index} {}: queued change #{} sets {} to {}, the spec says {want}: cancel it (`ballast gov \
                 cancel {}`) or fix the spec",
                m.params.symbol,
                p.id,
                name(code),
                p.value,
                p.id
            ),
            Some(_) if now == want => run.done(what),
            Some(p) if queue.slot >= p.eta_slot => {
                run.send(what, &[ix::apply_change(p.id, index, p.payer)], &[]).await?;
            }
            Some(p) => run.report.steps.push(Step { what, outcome: Outcome::Waiting(p.eta_slot) }),
            None if changed || now != market_get(&listed, code).map_err(|e| anyhow!("{e}"))? => bail!(
                "market {index} exists with {} = {now}, the spec says {want}, and governance has changed it since \
                 the listing: admin init never changes a live venue (use `ballast gov`, or fix the spec; an expired \
                 queued change is closed with `ballast gov close ID`)",
                name(code)
            ),
            None => queue_opening(run, index, code, want, what).await?,
        }
    }
    Ok(())
}

async fn queue_opening<B: Backend>(
    run: &mut Run<'_, '_, B>,
    index: u16,
    code: u8,
    want: u64,
    what: String,
) -> Result<()> {
    let ex = owned(run.backend, &ix::exchange_address(), &margin_engine::ID).await?.context("the exchange")?;
    let ex: margin_engine::state::Exchange = crate::decode::zero_copy(&ex.data)?;
    if !run.stopped() {
        run.require_signer("the exchange's governance", &ex.governance)?;
    }
    let id = ex.next_change_id;
    let change = ParamChange { target: index, field: code, value: want, key: Pubkey::default() };
    if run.send(what, &[ix::queue_change(run.signer_key(), id, change)], &[]).await? {
        let p = owned(run.backend, &ix::change_address(id), &margin_engine::ID).await?.context("the queued change")?;
        let p: PendingChange = crate::decode::zero_copy(&p.data)?;
        if let Some(last) = run.report.steps.last_mut() {
            last.outcome = Outcome::Waiting(p.eta_slot);
        }
    }
    Ok(())
}
