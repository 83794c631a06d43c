//! Hostile bytes: every oracle parser and every instruction's data
//! decoding fed strings that are random, truncated, oversized, or
//! mutations of the real oracle dumps in `data/`. Each must return (an
//! error or a value), never panic.
//!
//! The parsers are the adapter's own (`SourceKind::parse` for every
//! format, `pyth_pull::parse_account`, `SourceKind::detect`,
//! `reader::decode_feed`); the instruction decoders are the Borsh
//! argument decoders Anchor's dispatch runs for every instruction of both
//! programs, fed the discriminator-stripped bytes.

use crate::dumps::{all_names, load};
use anchor_lang::AnchorDeserialize;
use ballast_risk::rng::Rng;
use oracle_adapter::sources::{pyth_pull, SourceKind};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a run fed and saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Byte strings generated.
    pub inputs: u64,
    /// Parser calls made (every parser on every input).
    pub parser_calls: u64,
    /// Instruction decodes made (every instruction on every input).
    pub decode_calls: u64,
    /// Parser calls that accepted their input (a mutation can stay valid).
    pub parsed: u64,
    /// Instruction decodes that accepted their input.
    pub decoded: u64,
}

const KINDS: [SourceKind; 4] =
    [SourceKind::PythPull, SourceKind::SwitchboardOnDemand, SourceKind::PythLegacy, SourceKind::SwitchboardV2];

/// Every oracle parser on `data` (Pyth pull accounts checked against
/// `feed_id`): how many accepted it.
pub fn parse_all(data: &[u8], feed_id: &[u8; 32]) -> u64 {
    let mut ok = 0;
    for k in KINDS {
        ok += k.parse(data, feed_id).is_ok() as u64;
    }
    ok += pyth_pull::parse_account(data).is_ok() as u64;
    ok += SourceKind::detect(data).is_some() as u64;
    ok += oracle_adapter::reader::decode_feed(data).is_ok() as u64;
    ok
}

/// Parser calls per input.
const PARSERS: u64 = KINDS.len() as u64 + 3;

macro_rules! decoders {
    ($($ty:path),* $(,)?) => {
        /// Every instruction's argument decoder on `data`: how many accepted it.
        fn decode_all(data: &[u8]) -> u64 {
            let mut ok = 0;
            $( ok += <$ty as AnchorDeserialize>::deserialize(&mut &data[..]).is_ok() as u64; )*
            ok
        }
        /// Instruction decoders per input.
        const DECODERS: u64 = [$(stringify!($ty)),*].len() as u64;
    };
}

decoders!(
    margin_engine::instruction::InitializeExchange,
    margin_engine::instruction::AddMarket,
    margin_engine::instruction::CreateAccount,
    margin_engine::instruction::Deposit,
    margin_engine::instruction::Withdraw,
    margin_engine::instruction::Trade,
    margin_engine::instruction::CloseAccount,
    margin_engine::instruction::SetDelegate,
    margin_engine::instruction::LpDeposit,
    margin_engine::instruction::LpWithdraw,
    margin_engine::instruction::Liquidate,
    margin_engine::instruction::ResolveBankruptcy,
    margin_engine::instruction::SetParam,
    margin_engine::instruction::QueueChange,
    margin_engine::instruction::ApplyChange,
    margin_engine::instruction::CancelChange,
    margin_engine::instruction::CloseChange,
    margin_engine::instruction::EmergencySettle,
    margin_engine::instruction::SettlePosition,
    margin_engine::instruction::GuardianPause,
    margin_engine::instruction::GuardianReduceOnly,
    margin_engine::instruction::GuardianRaiseMargin,
    margin_engine::instruction::SetPause,
    margin_engine::instruction::WithdrawInsurance,
    margin_engine::instruction::RefreshBreakers,
    margin_engine::instruction::RefreshMarket,
    margin_engine::instruction::RefreshStress,
    margin_engine::instruction::AccountHealth,
    margin_engine::instruction::GatedPrice,
    oracle_adapter::instruction::Initialize,
    oracle_adapter::instruction::CreateFeed,
    oracle_adapter::instruction::UpdateFeed,
    oracle_adapter::instruction::QueueFeedUpdate,
    oracle_adapter::instruction::ApplyFeedUpdate,
    oracle_adapter::instruction::CloseFeedUpdate,
    oracle_adapter::instruction::CancelFeedUpdate,
    oracle_adapter::instruction::ProposeAuthority,
    oracle_adapter::instruction::AcceptAuthority,
    oracle_adapter::instruction::Refresh,
);

/// The `i`-th hostile input: random bytes, a truncated, extended or
/// byte-mutated real dump, or a huge length prefix, in turn.
fn input(rng: &mut Rng, dumps: &[Vec<u8>], i: u64) -> Vec<u8> {
    let dump = &dumps[rng.below(dumps.len() as u64) as usize];
    let random = |rng: &mut Rng, n: u64| (0..n).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>();
    match i % 5 {
        0 => {
            let n = if rng.below(4) == 0 { rng.below(4_096) } else { rng.below(300) };
            random(rng, n)
        }
        1 => dump[..rng.below(dump.len() as u64 + 1) as usize].to_vec(),
        2 => {
            let mut d = dump.clone();
            let n = rng.below(2_048);
            d.extend(random(rng, n));
            d
        }
        3 => {
            let mut d = dump.clone();
            for _ in 0..1 + rng.below(16) {
                let at = rng.below(d.len().max(1) as u64) as usize;
                if let Some(b) = d.get_mut(at) {
                    *b = rng.next_u64() as u8;
                }
            }
            d
        }
        _ => {
            // A length prefix claiming far more than follows (Borsh vectors
            // and strings), then a few bytes.
            let mut d = (u32::MAX - rng.below(1_000) as u32).to_le_bytes().to_vec();
            if rng.below(2) == 0 {
                let n = rng.below(40);
                d.splice(0..0, random(rng, n));
            }
            let n = rng.below(64);
            d.extend(random(rng, n));
            d
        }
    }
}

/// Feed `n` hostile inputs (seed `seed`) to every parser and decoder.
/// Panics, naming the input, if any call panics.
pub fn run(n: u64, seed: u64) -> Tally {
    let dumps: Vec<Vec<u8>> = all_names().iter().map(|name| load(name).data).collect();
    assert!(!dumps.is_empty(), "no oracle dumps in data/");
    let mut rng = Rng(seed);
    let mut t = Tally::default();
    // The feed ids the dumps carry (a Pyth pull account's id, after its
    // 8-byte discriminator and 32-byte authority, then a 1-byte level):
    // parsing against a matching id reaches the deepest checks.
    let ids: Vec<[u8; 32]> =
        dumps.iter().map(|d| d.get(41..73).and_then(|s| s.try_into().ok()).unwrap_or([0; 32])).collect();
    for i in 0..n {
        let data = input(&mut rng, &dumps, i);
        let id = ids[rng.below(ids.len() as u64) as usize];
        let called = catch_unwind(AssertUnwindSafe(|| (parse_all(&data, &id), decode_all(&data))));
        match called {
            Ok((parsed, decoded)) => {
                t.parsed += parsed;
                t.decoded += decoded;
            }
            Err(_) => {
                panic!("input {i} (seed {seed:#x}) panicked: {} bytes {:02x?}", data.len(), &data[..data.len().min(64)])
            }
        }
        t.inputs += 1;
        t.parser_calls += PARSERS;
        t.decode_calls += DECODERS;
    }
    t
}
