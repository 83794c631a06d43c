//! The keeper pass's funding, settlement and auto-deleveraging steps of
//! the bank sequences.

use super::{Action, MarginAccount, Run, Snapshot};
use ballast_bank::setup::load;
use ballast_client::engine as ix;

/// Why `auto_deleverage` may be refused in a sequence: the venue is not
/// above its trigger, the position is not a candidate, or the market
/// cannot be priced or acted on now.
const ADL_REFUSALS: [&str; 7] =
    ["AdlNotTriggered", "AdlNotCandidate", "OracleGate", "ThrottleEngaged", "Paused", "MarketSettled", "NoPosition"];

impl Run {
    /// A keeper cranks `update_funding`, settles trader `i`'s unsettled PnL
    /// and tries to auto-deleverage each of its positions: a step each. ADL
    /// is refused unless the venue is above its trigger and the position a
    /// candidate.
    pub(super) async fn settle_and_deleverage(
        &mut self,
        i: usize,
        before: &Snapshot,
        at: &dyn Fn(&str) -> String,
    ) -> Snapshot {
        // Funding and the borrow fee accrue in every market (the keeper's
        // crank): invariant 2's pending sums and 1's vaults after it.
        let result = self.process(ix::update_funding(&self.demo.markets), &[]).await;
        // It takes no gate: a stale or invalid feed only keeps the pool's
        // last valuation.
        assert!(result.is_ok(), "{}", at(&format!("update_funding refused: {result:?}")));
        let mut snap = self.checked((Action::Other, None, None, result), before, at).await.1;
        if !self.open[i] {
            return snap;
        }
        let margin = self.margin(i);
        let acc: MarginAccount = load(&mut self.tc, &margin).await;
        if acc.unsettled_pnl > 0 {
            let result = self.process(ix::settle_pnl(margin, &self.demo.keys), &[]).await;
            self.outcome.pnl_settled += result.is_ok() as usize;
            snap = self.checked((Action::SettlePnl, Some(margin), None, result), &snap, at).await.1;
        }
        let markets: Vec<u16> = acc.open_positions().map(|p| p.market).collect();
        for m in markets {
            let ix = ix::auto_deleverage(margin, m, &self.demo.keys, &self.demo.markets);
            let result = self.process(ix, &[]).await;
            self.outcome.adl.0 += 1;
            self.outcome.adl.1 += result.is_ok() as usize;
            if let Err(e) = &result {
                assert!(ADL_REFUSALS.contains(&e.as_str()), "{}", at(&format!("auto_deleverage refused: {e}")));
            }
            snap = self.checked((Action::AutoDeleverage, Some(margin), Some(m), result), &snap, at).await.1;
        }
        snap
    }
}
