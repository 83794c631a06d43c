//! Margin-engine instruction builders and PDAs, from the program's own
//! Anchor account structs and instruction data.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use margin_engine::constants::*;
use margin_engine::instructions::{AddMarketParams, InitializeExchangeParams, ParamChange, TradeParams};

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &margin_engine::ID).0
}

/// The exchange PDA.
pub fn exchange_address() -> Pubkey {
    pda(&[EXCHANGE_SEED])
}
/// The pool PDA.
pub fn pool_address() -> Pubkey {
    pda(&[POOL_SEED])
}
/// The vault-authority PDA.
pub fn vault_authority() -> Pubkey {
    pda(&[VAULT_AUTHORITY_SEED])
}
/// The PDA of market `index`.
pub fn market_address(index: u16) -> Pubkey {
    pda(&[MARKET_SEED, &index.to_le_bytes()])
}
/// The PDA of `owner`'s margin account `id`.
pub fn margin_address(owner: &Pubkey, id: u32) -> Pubkey {
    pda(&[MARGIN_SEED, owner.as_ref(), &id.to_le_bytes()])
}

/// The exchange's token accounts, as stored in `Exchange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExchangeKeys {
    /// Collateral mint.
    pub collateral_mint: Pubkey,
    /// Collateral vault.
    pub collateral_vault: Pubkey,
    /// Insurance vault.
    pub insurance_vault: Pubkey,
    /// Pool vault.
    pub pool_vault: Pubkey,
}

/// `metas` followed by each `(market, feed)` pair, read-only.
pub fn with_remaining(mut metas: Vec<AccountMeta>, pairs: &[(Pubkey, Pubkey)]) -> Vec<AccountMeta> {
    for (market, feed) in pairs {
        metas.push(AccountMeta::new_readonly(*market, false));
        metas.push(AccountMeta::new_readonly(*feed, false));
    }
    metas
}

fn ix(accounts: Vec<AccountMeta>, data: Vec<u8>) -> Instruction {
    Instruction { program_id: margin_engine::ID, accounts, data }
}

/// `initialize_exchange`, paid by `payer` (the program's upgrade authority);
/// the three vaults are new keypair accounts that sign.
pub fn initialize_exchange(payer: Pubkey, keys: &ExchangeKeys, params: InitializeExchangeParams) -> Instruction {
    let accounts = margin_engine::accounts::InitializeExchange {
        payer,
        program: margin_engine::ID,
        program_data: crate::oracle::program_data_address(&margin_engine::ID),
        exchange: exchange_address(),
        pool: pool_address(),
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        collateral_vault: keys.collateral_vault,
        insurance_vault: keys.insurance_vault,
        pool_vault: keys.pool_vault,
        token_program: anchor_spl::token::ID,
        system_program: system_program::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::InitializeExchange { params }.data())
}

/// `add_market` at `index` (the exchange's current market count) over `feed`.
pub fn add_market(governance: Pubkey, index: u16, feed: Pubkey, params: AddMarketParams) -> Instruction {
    let accounts = margin_engine::accounts::AddMarket {
        governance,
        exchange: exchange_address(),
        market: market_address(index),
        feed,
        system_program: system_program::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::AddMarket { params }.data())
}

/// `create_account(id)` for `owner`.
pub fn create_account(owner: Pubkey, id: u32) -> Instruction {
    let accounts = margin_engine::accounts::CreateAccount {
        owner,
        margin_account: margin_address(&owner, id),
        system_program: system_program::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CreateAccount { id }.data())
}

/// `deposit(amount)` from `user_token` into `margin_account`.
pub fn deposit(
    owner: Pubkey,
    margin_account: Pubkey,
    user_token: Pubkey,
    keys: &ExchangeKeys,
    amount: u64,
) -> Instruction {
    let accounts = margin_engine::accounts::Deposit {
        owner,
        exchange: exchange_address(),
        margin_account,
        pool: pool_address(),
        user_token,
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::Deposit { amount }.data())
}

/// `withdraw(amount)` to `user_token`; `health` lists every open position's
/// `(market, feed)` in slot order.
pub fn withdraw(
    owner: Pubkey,
    margin_account: Pubkey,
    user_token: Pubkey,
    keys: &ExchangeKeys,
    amount: u64,
    health: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::Withdraw {
        owner,
        exchange: exchange_address(),
        margin_account,
        user_token,
        collateral_vault: keys.collateral_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(with_remaining(accounts.to_account_metas(None), health), margin_engine::instruction::Withdraw { amount }.data())
}

/// `trade(params)` in market `index` over `feed`, signed by `authority`
/// (the account's owner or its delegate); `markets` lists every market's
/// `(market, feed)` in index order (the traded one may be left in: it is
/// not passed again).
pub fn trade(
    authority: Pubkey,
    margin_account: Pubkey,
    keys: &ExchangeKeys,
    index: u16,
    feed: Pubkey,
    params: TradeParams,
    markets: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::Trade {
        authority,
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        market: market_address(index),
        feed,
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        insurance_vault: keys.insurance_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    let traded = market_address(index);
    let others: Vec<(Pubkey, Pubkey)> = markets.iter().filter(|(m, _)| *m != traded).copied().collect();
    ix(with_remaining(accounts.to_account_metas(None), &others), margin_engine::instruction::Trade { params }.data())
}

/// `set_delegate(delegate, expiry_slot)` by the account's `owner` (the
/// default key removes the delegate; expiry 0: none).
pub fn set_delegate(owner: Pubkey, margin_account: Pubkey, delegate: Pubkey, expiry_slot: u64) -> Instruction {
    let accounts = margin_engine::accounts::SetDelegate { owner, margin_account };
    ix(accounts.to_account_metas(None), margin_engine::instruction::SetDelegate { delegate, expiry_slot }.data())
}

/// `close_account` (refused while the account's trigger book exists:
/// `crate::trigger::close_trigger_book` first).
pub fn close_account(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    let trigger_book = crate::trigger::book_address(&margin_account);
    let accounts = margin_engine::accounts::CloseAccount { owner, margin_account, trigger_book };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CloseAccount {}.data())
}

/// `gated_price(symbol, action)` on the adapter feed of `symbol`.
pub fn gated_price(symbol: &str, action: u8) -> Instruction {
    let accounts = margin_engine::accounts::GatedPriceAccounts { feed: crate::oracle::feed_address(symbol) };
    ix(
        accounts.to_account_metas(None),
        margin_engine::instruction::GatedPrice { symbol: symbol.to_string(), action }.data(),
    )
}

/// The PDA of `owner`'s LP position.
pub fn lp_address(owner: &Pubkey) -> Pubkey {
    pda(&[LP_SEED, owner.as_ref()])
}

/// `lp_deposit(amount, min_shares_out)`; `markets` lists every market's
/// `(market, feed)` in index order.
pub fn lp_deposit(
    owner: Pubkey,
    user_token: Pubkey,
    keys: &ExchangeKeys,
    amount: u64,
    min_shares_out: u64,
    markets: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::LpDeposit {
        owner,
        exchange: exchange_address(),
        pool: pool_address(),
        lp_position: lp_address(&owner),
        user_token,
        pool_vault: keys.pool_vault,
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
        system_program: system_program::ID,
    };
    ix(
        with_remaining(accounts.to_account_metas(None), markets),
        margin_engine::instruction::LpDeposit { amount, min_shares_out }.data(),
    )
}

/// `lp_withdraw(shares, min_amount_out)`; `markets` lists every market's
/// `(market, feed)` in index order.
pub fn lp_withdraw(
    owner: Pubkey,
    user_token: Pubkey,
    keys: &ExchangeKeys,
    shares: u64,
    min_amount_out: u64,
    markets: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::LpWithdraw {
        owner,
        exchange: exchange_address(),
        pool: pool_address(),
        lp_position: lp_address(&owner),
        user_token,
        pool_vault: keys.pool_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(
        with_remaining(accounts.to_account_metas(None), markets),
        margin_engine::instruction::LpWithdraw { shares, min_amount_out }.data(),
    )
}

/// `refresh_market` of market `index` over `feed`.
pub fn refresh_market(index: u16, feed: Pubkey) -> Instruction {
    let accounts =
        margin_engine::accounts::RefreshMarket { exchange: exchange_address(), market: market_address(index), feed };
    ix(accounts.to_account_metas(None), margin_engine::instruction::RefreshMarket {}.data())
}

/// `refresh_breakers` of the given `(market, feed)` pairs.
pub fn refresh_breakers(pairs: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = margin_engine::accounts::RefreshBreakers { exchange: exchange_address() };
    let mut metas = accounts.to_account_metas(None);
    for (market, feed) in pairs {
        metas.push(AccountMeta::new(*market, false));
        metas.push(AccountMeta::new_readonly(*feed, false));
    }
    ix(metas, margin_engine::instruction::RefreshBreakers {}.data())
}

/// `refresh_stress` over every market's `(market, feed)`, in index order.
pub fn refresh_stress(markets: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = margin_engine::accounts::RefreshStress { exchange: exchange_address() };
    ix(with_remaining(accounts.to_account_metas(None), markets), margin_engine::instruction::RefreshStress {}.data())
}

/// `account_health` of `margin_account`; `health` lists every open
/// position's `(market, feed)` in slot order.
pub fn account_health(margin_account: Pubkey, health: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = margin_engine::accounts::AccountHealth { exchange: exchange_address(), margin_account };
    ix(with_remaining(accounts.to_account_metas(None), health), margin_engine::instruction::AccountHealth {}.data())
}

/// `liquidate` the position of `margin_account` in market `index`, paying the
/// reward to `liquidator_token`; `health` lists every other open position's
/// `(market, feed)` in slot order.
pub fn liquidate(
    liquidator: Pubkey,
    liquidator_token: Pubkey,
    margin_account: Pubkey,
    keys: &ExchangeKeys,
    index: u16,
    feed: Pubkey,
    health: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::Liquidate {
        liquidator,
        liquidator_token,
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        market: market_address(index),
        feed,
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        insurance_vault: keys.insurance_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(with_remaining(accounts.to_account_metas(None), health), margin_engine::instruction::Liquidate {}.data())
}

/// The PDA of queued governance change `id`.
pub fn change_address(id: u64) -> Pubkey {
    pda(&[CHANGE_SEED, &id.to_le_bytes()])
}

/// The remaining account of a change: its market (writable), if any.
fn change_target(metas: &mut Vec<AccountMeta>, change_target: u16) {
    if change_target != margin_engine::engine::governance::EXCHANGE_TARGET {
        metas.push(AccountMeta::new(market_address(change_target), false));
    }
}

/// The field code of governance field `name` of `target` (a market index,
/// or `EXCHANGE_TARGET`), as the program's field tables number them; an
/// unknown name is an error listing the valid ones.
pub fn field_code(target: u16, name: &str) -> anyhow::Result<u8> {
    use margin_engine::engine::governance::{EXCHANGE_FIELDS, EXCHANGE_TARGET, MARKET_FIELDS};
    let table: &[_] = if target == EXCHANGE_TARGET { &EXCHANGE_FIELDS } else { &MARKET_FIELDS };
    let code = table.iter().position(|f| f.name == name.trim()).ok_or_else(|| {
        let names: Vec<&str> = table.iter().map(|f| f.name).collect();
        anyhow::anyhow!("unknown field `{name}`; fields: {}", names.join(", "))
    })?;
    Ok(code as u8)
}

/// The PDA of the governance record of `target` (a market index, or
/// `EXCHANGE_TARGET`).
pub fn gov_record_address(target: u16) -> Pubkey {
    pda(&[margin_engine::constants::GOV_RECORD_SEED, &target.to_le_bytes()])
}

/// `set_param(change)` by governance (tightening changes only; governance
/// pays the target's record the first time).
pub fn set_param(governance: Pubkey, change: ParamChange) -> Instruction {
    let accounts = margin_engine::accounts::SetParam {
        governance,
        exchange: exchange_address(),
        record: gov_record_address(change.target),
        system_program: system_program::ID,
    };
    let mut metas = accounts.to_account_metas(None);
    change_target(&mut metas, change.target);
    ix(metas, margin_engine::instruction::SetParam { change }.data())
}

/// `queue_change(change)` by governance, as change `id` (the exchange's
/// `next_change_id`).
pub fn queue_change(governance: Pubkey, id: u64, change: ParamChange) -> Instruction {
    let accounts = margin_engine::accounts::QueueChange {
        governance,
        exchange: exchange_address(),
        change: change_address(id),
        record: gov_record_address(change.target),
        system_program: system_program::ID,
    };
    let mut metas = accounts.to_account_metas(None);
    change_target(&mut metas, change.target);
    ix(metas, margin_engine::instruction::QueueChange { change }.data())
}

/// `apply_change` of change `id` on `target`, refunding its rent to `payer`.
pub fn apply_change(id: u64, target: u16, payer: Pubkey) -> Instruction {
    let accounts = margin_engine::accounts::ApplyChange {
        exchange: exchange_address(),
        change: change_address(id),
        payer,
        record: gov_record_address(target),
    };
    let mut metas = accounts.to_account_metas(None);
    change_target(&mut metas, target);
    ix(metas, margin_engine::instruction::ApplyChange {}.data())
}

/// `cancel_change` of change `id` by governance, refunding its rent to `payer`.
pub fn cancel_change(governance: Pubkey, id: u64, payer: Pubkey) -> Instruction {
    let accounts = margin_engine::accounts::CancelChange {
        governance,
        exchange: exchange_address(),
        change: change_address(id),
        payer,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CancelChange {}.data())
}

/// `close_change` of expired or superseded change `id` on `target`
/// (anyone), refunding its rent to `payer`.
pub fn close_change(id: u64, target: u16, payer: Pubkey) -> Instruction {
    let accounts =
        margin_engine::accounts::CloseChange { change: change_address(id), payer, record: gov_record_address(target) };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CloseChange {}.data())
}

/// `emergency_settle(price)` of market `index` (whose feed is `feed`) by
/// governance; the price must be within the market's band of the EMA.
pub fn emergency_settle(governance: Pubkey, index: u16, feed: Pubkey, price: i64) -> Instruction {
    let accounts = margin_engine::accounts::EmergencySettle {
        governance,
        exchange: exchange_address(),
        market: market_address(index),
        feed,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::EmergencySettle { price }.data())
}

/// `settle_position` of `margin_account` in settled market `index`.
pub fn settle_position(margin_account: Pubkey, keys: &ExchangeKeys, index: u16) -> Instruction {
    let accounts = margin_engine::accounts::SettlePosition {
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        market: market_address(index),
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        insurance_vault: keys.insurance_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::SettlePosition {}.data())
}

/// `guardian_pause(bits, duration_slots)` by the guardian.
pub fn guardian_pause(guardian: Pubkey, bits: u32, duration_slots: u64) -> Instruction {
    let accounts = margin_engine::accounts::GuardianPause { guardian, exchange: exchange_address() };
    ix(accounts.to_account_metas(None), margin_engine::instruction::GuardianPause { bits, duration_slots }.data())
}

/// `guardian_reduce_only(duration_slots)` of market `index` by the guardian.
pub fn guardian_reduce_only(guardian: Pubkey, index: u16, duration_slots: u64) -> Instruction {
    let accounts = margin_engine::accounts::GuardianMarket {
        guardian,
        exchange: exchange_address(),
        market: market_address(index),
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::GuardianReduceOnly { duration_slots }.data())
}

/// `guardian_raise_margin(duration_slots, mult_bps)` of market `index`.
pub fn guardian_raise_margin(guardian: Pubkey, index: u16, duration_slots: u64, mult_bps: u32) -> Instruction {
    let accounts = margin_engine::accounts::GuardianMarket {
        guardian,
        exchange: exchange_address(),
        market: market_address(index),
    };
    let data = margin_engine::instruction::GuardianRaiseMargin { duration_slots, mult_bps }.data();
    ix(accounts.to_account_metas(None), data)
}

/// `set_pause(bits)` by governance, lifting the guardian holds of `markets`.
pub fn set_pause(governance: Pubkey, bits: u32, markets: &[Pubkey]) -> Instruction {
    let accounts = margin_engine::accounts::SetPause { governance, exchange: exchange_address() };
    let mut metas = accounts.to_account_metas(None);
    metas.extend(markets.iter().map(|m| AccountMeta::new(*m, false)));
    ix(metas, margin_engine::instruction::SetPause { bits }.data())
}

/// `withdraw_insurance` of queued change `id` (an insurance withdrawal to
/// `destination`, rent back to `payer`).
pub fn withdraw_insurance(id: u64, destination: Pubkey, payer: Pubkey, keys: &ExchangeKeys) -> Instruction {
    let accounts = queued_withdrawal(id, keys.insurance_vault, destination, payer, keys);
    ix(accounts.to_account_metas(None), margin_engine::instruction::WithdrawInsurance {}.data())
}

/// `withdraw_fees` of queued change `id` (a protocol-fee withdrawal to
/// `destination`, rent back to `payer`).
pub fn withdraw_fees(id: u64, destination: Pubkey, payer: Pubkey, keys: &ExchangeKeys) -> Instruction {
    let accounts = queued_withdrawal(id, keys.collateral_vault, destination, payer, keys);
    ix(accounts.to_account_metas(None), margin_engine::instruction::WithdrawFees {}.data())
}

fn queued_withdrawal(
    id: u64,
    source: Pubkey,
    destination: Pubkey,
    payer: Pubkey,
    keys: &ExchangeKeys,
) -> margin_engine::accounts::QueuedWithdrawal {
    margin_engine::accounts::QueuedWithdrawal {
        exchange: exchange_address(),
        change: change_address(id),
        payer,
        record: gov_record_address(margin_engine::engine::governance::EXCHANGE_TARGET),
        source,
        destination,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    }
}

/// `resolve_bankruptcy` of `margin_account`.
pub fn resolve_bankruptcy(margin_account: Pubkey, keys: &ExchangeKeys) -> Instruction {
    let accounts = margin_engine::accounts::ResolveBankruptcy {
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        insurance_vault: keys.insurance_vault,
        pool_vault: keys.pool_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::ResolveBankruptcy {}.data())
}

/// `settle_pnl` of `margin_account` (permissionless).
pub fn settle_pnl(margin_account: Pubkey, keys: &ExchangeKeys) -> Instruction {
    let accounts = margin_engine::accounts::SettlePnl {
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        pool_vault: keys.pool_vault,
        collateral_vault: keys.collateral_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::SettlePnl {}.data())
}

/// `update_funding` (permissionless): accrue every market's funding and
/// borrow indexes; `markets` are every market's `(market, feed)`, in index
/// order (the markets writable).
pub fn update_funding(markets: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = margin_engine::accounts::UpdateFunding { exchange: exchange_address(), pool: pool_address() };
    let mut metas = accounts.to_account_metas(None);
    for (market, feed) in markets {
        metas.push(AccountMeta::new(*market, false));
        metas.push(AccountMeta::new_readonly(*feed, false));
    }
    ix(metas, margin_engine::instruction::UpdateFunding {}.data())
}

/// `auto_deleverage` of `margin_account`'s position in market `index`
/// (permissionless); `markets` are every market's `(market, feed)`, in
/// index order.
pub fn auto_deleverage(
    margin_account: Pubkey,
    index: u16,
    keys: &ExchangeKeys,
    markets: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::AutoDeleverage {
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        market: market_address(index),
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        insurance_vault: keys.insurance_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(with_remaining(accounts.to_account_metas(None), markets), margin_engine::instruction::AutoDeleverage {}.data())
}
