//! Handing the adapter's authority over (`propose_authority`, then
//! `accept_authority` by the successor): only the authority proposes, only
//! the proposed key accepts, and until it does the old authority governs.

use anchor_lang::AccountDeserialize;
use ballast_client::oracle as ix;
use ballast_tests::adapter::{find_event, guards, init_adapter};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{keypair, ContextBuilder, TestContext};
use ballast_tests::fixtures::{SourceFixture, ONE};
use oracle_adapter::errors::AdapterError;
use oracle_adapter::events::{AuthorityAccepted, AuthorityProposed};
use oracle_adapter::instructions::CreateFeedParams;
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::AdapterConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

async fn config(tc: &mut TestContext) -> AdapterConfig {
    let acc = tc.account(&ix::config_address()).await.expect("config");
    AdapterConfig::try_deserialize(&mut acc.data.as_slice()).expect("decodes")
}

fn feed(symbol: &str) -> CreateFeedParams {
    let s = [
        SourceFixture::new(SourceKind::PythPull, 100 * ONE, 0, 1, 1),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, 100 * ONE, 0, 1, 1),
    ];
    CreateFeedParams { symbol: symbol.into(), sources: s.iter().map(|x| x.param()).collect(), guards: guards() }
}

async fn refused(tc: &mut TestContext, ix: solana_sdk::instruction::Instruction, who: &Keypair, e: AdapterError) {
    assert_error(tc, &[ix], &[who], e.into(), &[ix::config_address()]).await;
}

#[tokio::test]
async fn the_adapter_authority_passes_only_to_the_successor_it_names_and_only_when_it_accepts() {
    let mut tc = ContextBuilder::new().start().await;
    let gov = init_adapter(&mut tc).await;
    let (vault, mallory) = (keypair(), keypair());
    let payer = tc.payer();

    refused(&mut tc, ix::propose_authority(mallory.pubkey(), mallory.pubkey()), &mallory, AdapterError::Unauthorized)
        .await;
    let logs = tc.process_logged(&[ix::propose_authority(gov.pubkey(), vault.pubkey())], &[&gov]).await.unwrap();
    let e: AuthorityProposed = find_event(&logs).expect("AuthorityProposed");
    assert_eq!((e.authority, e.successor), (gov.pubkey(), vault.pubkey()));
    let c = config(&mut tc).await;
    assert_eq!((c.authority, c.pending_authority), (gov.pubkey(), vault.pubkey()));

    // Nobody but the successor accepts, the old authority included.
    refused(&mut tc, ix::accept_authority(mallory.pubkey()), &mallory, AdapterError::NotProposedAuthority).await;
    refused(&mut tc, ix::accept_authority(gov.pubkey()), &gov, AdapterError::NotProposedAuthority).await;
    // Until it accepts, the old authority governs.
    tc.process(&[ix::create_feed(payer, gov.pubkey(), feed("AAA"))], &[&gov]).await.unwrap();
    refused(&mut tc, ix::create_feed(payer, vault.pubkey(), feed("BBB")), &vault, AdapterError::Unauthorized).await;

    let logs = tc.process_logged(&[ix::accept_authority(vault.pubkey())], &[&vault]).await.unwrap();
    let e: AuthorityAccepted = find_event(&logs).expect("AuthorityAccepted");
    assert_eq!((e.previous, e.authority), (gov.pubkey(), vault.pubkey()));
    let c = config(&mut tc).await;
    assert_eq!((c.authority, c.pending_authority), (vault.pubkey(), Pubkey::default()));
    // The handover is complete: the old key is refused, the new one governs,
    // and the spent proposal cannot be accepted again.
    refused(&mut tc, ix::create_feed(payer, gov.pubkey(), feed("CCC")), &gov, AdapterError::Unauthorized).await;
    refused(&mut tc, ix::propose_authority(gov.pubkey(), gov.pubkey()), &gov, AdapterError::Unauthorized).await;
    tc.process(&[ix::create_feed(payer, vault.pubkey(), feed("CCC"))], &[&vault]).await.unwrap();
    refused(&mut tc, ix::accept_authority(vault.pubkey()), &vault, AdapterError::NotProposedAuthority).await;

    // A proposal can be withdrawn: proposing the default key.
    tc.process(&[ix::propose_authority(vault.pubkey(), mallory.pubkey())], &[&vault]).await.unwrap();
    tc.process(&[ix::propose_authority(vault.pubkey(), Pubkey::default())], &[&vault]).await.unwrap();
    refused(&mut tc, ix::accept_authority(mallory.pubkey()), &mallory, AdapterError::NotProposedAuthority).await;
    assert_eq!(config(&mut tc).await.authority, vault.pubkey());
}
