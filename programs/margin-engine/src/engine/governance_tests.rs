//! Unit tests of the governance field table and rules.

use super::*;

#[test]
fn every_field_code_reads_and_writes_its_own_field() -> Result<()> {
    let mut m: Market = bytemuck::Zeroable::zeroed();
    for code in 0..MARKET_FIELDS.len() as u8 {
        market_set_raw(&mut m, code, 1 + code as u64)?;
    }
    for code in 0..MARKET_FIELDS.len() as u8 {
        assert_eq!(market_get(&m, code)?, 1 + code as u64, "{}", MARKET_FIELDS[code as usize].name);
    }
    assert_eq!((m.imr_bps, m.oi_cap, m.status), (1, 10, 26));
    let mut e: Exchange = bytemuck::Zeroable::zeroed();
    for code in 0..GUARDIAN_FIELD {
        exchange_set_raw(&mut e, code, 1 + code as u64)?;
        assert_eq!(exchange_get(&e, code)?, 1 + code as u64, "{}", EXCHANGE_FIELDS[code as usize].name);
    }
    assert_eq!((e.deposit_cap, e.timelock_slots), (1, 12));
    assert!(market_get(&m, 26).is_err() && exchange_get(&e, GUARDIAN_FIELD).is_err());
    assert!(market_set_raw(&mut m, 0, u64::MAX).is_err(), "a u32 field refuses a u64 value");
    Ok(())
}

#[test]
fn direction_and_step_rules() {
    assert!(is_tightening(Dir::Up, 100, 150) && !is_tightening(Dir::Up, 100, 99));
    assert!(is_tightening(Dir::Down, 100, 50) && !is_tightening(Dir::Down, 100, 101));
    assert!(!is_tightening(Dir::Timelocked, 100, 100));
    assert!(within_step(100, 200) && within_step(100, 50) && within_step(0, 7));
    assert!(!within_step(100, 201) && !within_step(100, 49));
}
