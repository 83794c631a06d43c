//! Parameter sets run in parallel: one bank and runtime per thread, each
//! run with its own key sequence, so the reports are the sequential ones.

use crate::lab::run;
use crate::prices::PricePath;
use crate::report::{Report, SlotRow};
use crate::scenario::{ParamSet, Scenario};
use anyhow::{anyhow, bail, Context, Result};

/// Run `s` under every set of `sets` over `path`, up to `jobs` at a time,
/// each on its own thread with its own bank and runtime. A run depends
/// only on its scenario, set and path, so the reports (in `sets`' order)
/// are the sequential ones, wall times aside; `progress(i, row)` sees run
/// `i`'s finished slots.
pub fn run_sets(
    s: &Scenario,
    sets: &[ParamSet],
    path: &PricePath,
    jobs: usize,
    progress: &(dyn Fn(usize, &SlotRow) + Sync),
) -> Result<Vec<Report>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Result<Report>>>> = Mutex::new(sets.iter().map(|_| None).collect());
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(set) = sets.get(i) else { break };
        let report = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("a runtime for a run")
            .and_then(|rt| rt.block_on(run(s, set, path, &mut |row| progress(i, row))))
            .with_context(|| format!("parameter set `{}`", set.name));
        done.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(report);
    };
    std::thread::scope(|scope| -> Result<()> {
        let threads = (0..jobs.clamp(1, sets.len().max(1)))
            .map(|_| std::thread::Builder::new().stack_size(RUN_STACK).spawn_scoped(scope, worker))
            .collect::<std::io::Result<Vec<_>>>()
            .context("cannot start a run thread")?;
        // Join every thread before reporting any failure.
        let joined: Vec<_> = threads.into_iter().map(|t| t.join()).collect();
        if joined.iter().any(|j| j.is_err()) {
            bail!("a run thread panicked (its set's message is above)");
        }
        Ok(())
    })?;
    let done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.into_iter().map(|r| r.unwrap_or_else(|| Err(anyhow!("a run did not finish")))).collect()
}

/// Stack of a run's thread (the main thread's size: the bank runs the
/// programs natively on it).
const RUN_STACK: usize = 8 << 20;
