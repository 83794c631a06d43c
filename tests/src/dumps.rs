//! The real oracle account dumps of `$BALLAST_DATA_DIR/oracle-accounts`
//! (default: the repository's `data/`) and their MANIFEST.

use ballast_client::dump::AccountDump;
use serde_json::Value;

pub use ballast_client::data::data_dir;

/// Load `oracle-accounts/<name>.json`.
pub fn load(name: &str) -> AccountDump {
    let path = data_dir().join("oracle-accounts").join(format!("{name}.json"));
    AccountDump::load(&path).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Every dump file name (without `.json`), sorted.
pub fn all_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir().join("oracle-accounts"))
        .expect("read oracle-accounts")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "MANIFEST.json")
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    names.sort();
    names
}

/// The MANIFEST entries, keyed by file name.
pub fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(data_dir().join("oracle-accounts/MANIFEST.json")).expect("MANIFEST.json");
    serde_json::from_str::<Vec<Value>>(&text).expect("MANIFEST is a JSON array")
}

/// Convert a dump into a bank account.
pub fn to_account(d: &AccountDump) -> solana_sdk::account::Account {
    solana_sdk::account::Account {
        lamports: d.lamports,
        data: d.data.clone(),
        owner: d.owner,
        executable: d.executable,
        rent_epoch: d.rent_epoch,
    }
}

/// Parse an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ` to unix seconds
/// (panics on a malformed MANIFEST time).
pub fn unix_time(s: &str) -> i64 {
    ballast_client::time::parse_unix(s).unwrap_or_else(|e| panic!("{e:#}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_time_matches_known_epochs() {
        assert_eq!(super::unix_time("1970-01-01T00:00:00Z"), 0);
        assert_eq!(super::unix_time("2024-07-04T12:04:05Z"), 1_720_094_645);
    }
}
