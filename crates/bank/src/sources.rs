//! Byte builders for the four oracle formats. Prices are given at Ballast's
//! precision (10^-9) and written in each format's native encoding, so a test
//! can say "SOL at 150.000000000" once and feed every kind of source.

use anchor_lang::AccountSerialize;
use oracle_adapter::sources::{pyth_legacy, switchboard_on_demand, switchboard_v2, SourceKind};
use oracle_adapter::state::SourceParam;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;

/// 1.0 at Ballast's price precision.
pub const ONE: i64 = 1_000_000_000;

/// One oracle source account to build.
#[derive(Clone, Debug)]
pub struct SourceFixture {
    /// Format.
    pub kind: SourceKind,
    /// Account address.
    pub address: Pubkey,
    /// Price, precision 10^-9 (may be <= 0 to test rejection).
    pub price: i64,
    /// Confidence / std-dev, precision 10^-9.
    pub conf: u64,
    /// Publish time, unix seconds.
    pub publish_time: i64,
    /// Slot of the value.
    pub slot: u64,
    /// Pyth feed id (PythPull).
    pub feed_id: [u8; 32],
    /// Full Wormhole verification (PythPull).
    pub verified: bool,
    /// Aggregate status Trading (PythLegacy).
    pub trading: bool,
    /// Samples in the result / successful responses (Switchboard).
    pub samples: u8,
    /// Minimum samples / oracle results the feed demands (Switchboard).
    pub min_samples: u8,
}

impl SourceFixture {
    /// A valid source of `kind` at `price` with `conf`, published at `t` / `slot`.
    pub fn new(kind: SourceKind, price: i64, conf: u64, t: i64, slot: u64) -> SourceFixture {
        let address = Pubkey::new_unique();
        let feed_id = if kind == SourceKind::PythPull { address.to_bytes() } else { [0; 32] };
        SourceFixture {
            kind,
            address,
            price,
            conf,
            publish_time: t,
            slot,
            feed_id,
            verified: true,
            trading: true,
            samples: 3,
            min_samples: 2,
        }
    }

    /// The same source at a new price and time.
    pub fn at(&self, price: i64, t: i64, slot: u64) -> SourceFixture {
        SourceFixture { price, publish_time: t, slot, ..self.clone() }
    }

    /// The adapter's configuration entry for this source.
    pub fn param(&self) -> SourceParam {
        SourceParam { kind: self.kind as u8, account: self.address, feed_id: self.feed_id }
    }

    /// The account, owned by the real oracle program of its kind.
    pub fn account(&self) -> Account {
        Account {
            lamports: 1_000_000_000,
            data: self.bytes(),
            owner: self.kind.owner_program(),
            executable: false,
            rent_epoch: 0,
        }
    }

    /// The raw account bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self.kind {
            SourceKind::PythPull => self.pyth_pull(),
            SourceKind::SwitchboardOnDemand => self.switchboard_on_demand(),
            SourceKind::PythLegacy => self.pyth_legacy(),
            SourceKind::SwitchboardV2 => self.switchboard_v2(),
        }
    }

    fn pyth_pull(&self) -> Vec<u8> {
        let update = PriceUpdateV2 {
            write_authority: self.address,
            verification_level: if self.verified {
                VerificationLevel::Full
            } else {
                VerificationLevel::Partial { num_signatures: 5 }
            },
            price_message: PriceFeedMessage {
                feed_id: self.feed_id,
                price: self.price,
                conf: self.conf,
                exponent: -9,
                publish_time: self.publish_time,
                prev_publish_time: self.publish_time - 1,
                ema_price: self.price,
                ema_conf: self.conf,
            },
            posted_slot: self.slot,
        };
        let mut out = Vec::new();
        update.try_serialize(&mut out).expect("serialize PriceUpdateV2");
        out
    }

    fn switchboard_on_demand(&self) -> Vec<u8> {
        use switchboard_on_demand::offsets::*;
        let mut d = vec![0u8; switchboard_on_demand::ACCOUNT_LEN];
        d[..8].copy_from_slice(&real_discriminator(SourceKind::SwitchboardOnDemand));
        let scale = 1_000_000_000i128; // 10^-9 -> 10^-18
        put(&mut d, VALUE, &(self.price as i128 * scale).to_le_bytes());
        put(&mut d, STD_DEV, &(self.conf as i128 * scale).to_le_bytes());
        put(&mut d, NUM_SAMPLES, &[self.samples]);
        put(&mut d, MIN_SAMPLE_SIZE, &[self.min_samples]);
        put(&mut d, RESULT_SLOT, &self.slot.to_le_bytes());
        put(&mut d, LAST_UPDATE, &self.publish_time.to_le_bytes());
        d
    }

    fn pyth_legacy(&self) -> Vec<u8> {
        use pyth_legacy::offsets::*;
        let mut d = vec![0u8; pyth_legacy::ACCOUNT_LEN];
        put(&mut d, MAGIC, &pyth_legacy::MAGIC.to_le_bytes());
        put(&mut d, VERSION, &pyth_legacy::VERSION.to_le_bytes());
        put(&mut d, ACCOUNT_TYPE, &pyth_legacy::ACCOUNT_TYPE_PRICE.to_le_bytes());
        put(&mut d, SIZE, &(pyth_legacy::ACCOUNT_LEN as u32).to_le_bytes());
        put(&mut d, EXPO, &(-9i32).to_le_bytes());
        put(&mut d, EMA_PRICE, &self.price.to_le_bytes());
        put(&mut d, TIMESTAMP, &self.publish_time.to_le_bytes());
        put(&mut d, AGG_PRICE, &self.price.to_le_bytes());
        put(&mut d, AGG_CONF, &self.conf.to_le_bytes());
        let status = if self.trading { pyth_legacy::STATUS_TRADING } else { 0 };
        put(&mut d, AGG_STATUS, &status.to_le_bytes());
        put(&mut d, AGG_PUB_SLOT, &self.slot.to_le_bytes());
        d
    }

    fn switchboard_v2(&self) -> Vec<u8> {
        use switchboard_v2::offsets::*;
        let mut d = vec![0u8; switchboard_v2::ACCOUNT_LEN];
        d[..8].copy_from_slice(&switchboard_v2::DISCRIMINATOR);
        put(&mut d, NAME, b"FIXTURE");
        put(&mut d, MIN_ORACLE_RESULTS, &(self.min_samples as u32).to_le_bytes());
        put(&mut d, NUM_SUCCESS, &(self.samples as u32).to_le_bytes());
        put(&mut d, ROUND_OPEN_SLOT, &self.slot.to_le_bytes());
        put(&mut d, ROUND_OPEN_TIMESTAMP, &self.publish_time.to_le_bytes());
        put(&mut d, RESULT, &(self.price as i128).to_le_bytes());
        put(&mut d, RESULT + 16, &9u32.to_le_bytes());
        put(&mut d, STD_DEVIATION, &(self.conf as i128).to_le_bytes());
        put(&mut d, STD_DEVIATION + 16, &9u32.to_le_bytes());
        d
    }
}

fn put(d: &mut [u8], off: usize, bytes: &[u8]) {
    d[off..off + bytes.len()].copy_from_slice(bytes);
}

/// The 8-byte discriminator of a kind's real accounts.
pub fn real_discriminator(kind: SourceKind) -> [u8; 8] {
    use anchor_lang::Discriminator;
    let d: &[u8] = match kind {
        SourceKind::PythPull => PriceUpdateV2::DISCRIMINATOR,
        SourceKind::SwitchboardOnDemand => {
            <switchboard_on_demand_crate::PullFeedAccountData as switchboard_on_demand_crate::Discriminator>::DISCRIMINATOR
        }
        SourceKind::PythLegacy => &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 0, 0],
        SourceKind::SwitchboardV2 => &switchboard_v2::DISCRIMINATOR,
    };
    d.try_into().expect("8-byte discriminator")
}
