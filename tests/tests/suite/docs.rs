//! The parameter reference in DESIGN.md is checked against the program's
//! own field tables: every market and exchange field, by governance code,
//! with the direction in which a change tightens.

use margin_engine::engine::governance::{Dir, FieldSpec, EXCHANGE_FIELDS, MARKET_FIELDS};

/// `(field, code, tighter is)` of the table between `<!-- {marker}:begin -->`
/// and `<!-- {marker}:end -->` in DESIGN.md.
fn table(marker: &str) -> Vec<(String, usize, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../DESIGN.md");
    let text = std::fs::read_to_string(path).expect("DESIGN.md");
    let begin = format!("<!-- {marker}:begin -->");
    let end = format!("<!-- {marker}:end -->");
    let body = text.split(&begin).nth(1).and_then(|t| t.split(&end).next()).expect("the table markers");
    body.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cells[2].parse().unwrap_or_else(|_| panic!("a code in `{l}`"));
            (cells[1].trim_matches('`').to_string(), code, cells[5].to_string())
        })
        .collect()
}

fn check(marker: &str, fields: &[FieldSpec]) {
    let rows = table(marker);
    assert_eq!(rows.len(), fields.len(), "{marker}: one row per field code");
    for (name, code, tighter) in rows {
        let spec = fields.get(code).unwrap_or_else(|| panic!("{marker}: no field code {code}"));
        assert_eq!(name, spec.name, "{marker}: code {code}");
        let dir = match tighter.split_whitespace().next() {
            Some("higher") => Dir::Up,
            Some("lower") => Dir::Down,
            _ => Dir::Timelocked,
        };
        assert_eq!(dir, spec.dir, "{marker}: `{name}` tightens {:?}, DESIGN.md says `{tighter}`", spec.dir);
    }
}

#[test]
fn design_md_lists_every_market_field_with_its_code_and_tightening_direction() {
    check("params", &MARKET_FIELDS);
}

#[test]
fn design_md_lists_every_exchange_field_with_its_code_and_tightening_direction() {
    check("exchange-params", &EXCHANGE_FIELDS);
}
