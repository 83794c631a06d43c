//! The Ballast integration suite: one binary (one link of program-test),
//! one module per feature.
#![allow(deprecated)]

mod admin_init;
mod bank_ledger;
mod cli_preview;
mod docs;
mod engine_account_state;
mod engine_adl;
mod engine_breakers;
mod engine_charges;
mod engine_delegate;
mod engine_dynamic;
mod engine_flows;
mod engine_governance;
mod engine_guardian;
mod engine_limits;
mod engine_liquidation;
mod engine_liquidation_abuse;
mod engine_lp_pricing;
mod engine_oracle_gate;
mod engine_price_gate;
mod engine_pump;
mod engine_security;
mod engine_sequences;
mod engine_settlement;
mod engine_triggers;
mod engine_unsettled;
mod governance_chained;
mod keeper;
mod keeper_adl;
mod keeper_triggers;
mod oracle_authority;
mod oracle_dumps;
mod oracle_governance;
mod oracle_refresh;
mod oracle_security;
mod parser_props;
mod sim_oracle;
