//! Account dumps in the `solana account --output json` shape:
//! `{"pubkey", "account": {"lamports", "data": [base64, "base64"], "owner",
//! "executable", "rentEpoch"}}`.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::Value;
use std::path::Path;
use std::str::FromStr;

/// One account as dumped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountDump {
    /// The account's address.
    pub pubkey: Pubkey,
    /// Balance, lamports.
    pub lamports: u64,
    /// Raw data.
    pub data: Vec<u8>,
    /// Owner program.
    pub owner: Pubkey,
    /// Whether the account is a program.
    pub executable: bool,
    /// Rent epoch.
    pub rent_epoch: u64,
}

impl AccountDump {
    /// Load a dump file.
    pub fn load(path: &Path) -> Result<AccountDump> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        AccountDump::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Parse a dump from JSON text.
    pub fn parse(text: &str) -> Result<AccountDump> {
        AccountDump::from_value(&serde_json::from_str(text)?)
    }

    /// The dump in the Solana CLI JSON shape.
    pub fn to_value(&self) -> Value {
        serde_json::json!({
            "pubkey": self.pubkey.to_string(),
            "account": {
                "lamports": self.lamports,
                "data": [base64::engine::general_purpose::STANDARD.encode(&self.data), "base64"],
                "owner": self.owner.to_string(),
                "executable": self.executable,
                "rentEpoch": self.rent_epoch,
            }
        })
    }

    /// Parse a dump from an already-parsed JSON value.
    pub fn from_value(v: &Value) -> Result<AccountDump> {
        let pubkey = pubkey_field(v, "pubkey")?;
        let acc = v.get("account").ok_or_else(|| anyhow!("missing `account`"))?;
        let data = acc.get("data").and_then(Value::as_array).ok_or_else(|| anyhow!("missing `account.data`"))?;
        let (blob, encoding) = match data.as_slice() {
            [Value::String(b), Value::String(e)] => (b, e),
            _ => bail!("`account.data` must be [data, encoding]"),
        };
        if encoding != "base64" {
            bail!("unsupported data encoding `{encoding}` (only base64)");
        }
        let data = base64::engine::general_purpose::STANDARD.decode(blob).context("data is not valid base64")?;
        Ok(AccountDump {
            pubkey,
            lamports: acc.get("lamports").and_then(Value::as_u64).ok_or_else(|| anyhow!("missing `lamports`"))?,
            data,
            owner: pubkey_field(acc, "owner")?,
            executable: acc.get("executable").and_then(Value::as_bool).unwrap_or(false),
            rent_epoch: acc.get("rentEpoch").and_then(Value::as_u64).unwrap_or(0),
        })
    }
}

fn pubkey_field(v: &Value, key: &str) -> Result<Pubkey> {
    let s = v.get(key).and_then(Value::as_str).ok_or_else(|| anyhow!("missing `{key}`"))?;
    Pubkey::from_str(s).map_err(|e| anyhow!("`{key}` is not a public key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_solana_cli_shape() {
        let text = r#"{"pubkey":"11111111111111111111111111111111","account":{"lamports":5,"data":["AQID","base64"],"owner":"11111111111111111111111111111111","executable":false,"rentEpoch":7}}"#;
        let d = AccountDump::parse(text).unwrap();
        assert_eq!(d.data, vec![1, 2, 3]);
        assert_eq!(d.lamports, 5);
        assert_eq!(d.rent_epoch, 7);
        assert_eq!(AccountDump::from_value(&d.to_value()).unwrap(), d, "round trip");
    }

    #[test]
    fn rejects_other_encodings_and_bad_keys() {
        let text = r#"{"pubkey":"11111111111111111111111111111111","account":{"lamports":5,"data":["AQID","base58"],"owner":"11111111111111111111111111111111"}}"#;
        assert!(AccountDump::parse(text).unwrap_err().to_string().contains("base58"));
        let text = r#"{"pubkey":"nope","account":{}}"#;
        assert!(AccountDump::parse(text).is_err());
    }
}
