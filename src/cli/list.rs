//! How every `list` command prints: `--json` as an array, else a sentence
//! that says how to make the first one, else aligned columns.

use serde::Serialize;

use super::CliError;

/// The columns of a listing: each header with its width (the last one is
/// not padded).
pub struct Columns<'a>(pub &'a [(&'a str, usize)]);

impl Columns<'_> {
    fn line(&self, cells: &[String]) -> String {
        let mut out = String::new();
        for (i, ((_, width), cell)) in self.0.iter().zip(cells).enumerate() {
            if i + 1 == self.0.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$} "));
            }
        }
        out.trim_end().to_owned()
    }

    fn header(&self) -> String {
        let names: Vec<String> = self.0.iter().map(|(h, _)| (*h).to_owned()).collect();
        self.line(&names)
    }
}

/// Print `lines`: as JSON, or `empty` when there are none, or one row of
/// `cells` each under `columns`.
pub fn print<T: Serialize>(
    lines: &[T],
    json: bool,
    empty: &str,
    columns: &Columns,
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<(), CliError> {
    if json {
        let text = serde_json::to_string_pretty(lines).map_err(CliError::other)?;
        println!("{text}");
        return Ok(());
    }
    if lines.is_empty() {
        println!("{empty}");
        return Ok(());
    }
    println!("{}", columns.header());
    for l in lines {
        println!("{}", columns.line(&cells(l)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_the_last_is_not_padded() {
        let c = Columns(&[("ID", 4), ("NAME", 6), ("NOTE", 0)]);
        assert_eq!(c.header(), "ID   NAME   NOTE");
        let row = c.line(&["12".into(), "acme".into(), "a bot".into()]);
        assert_eq!(row, "12   acme   a bot");
        // A cell wider than its column still leaves a space.
        let row = c.line(&["12345".into(), "x".into(), "".into()]);
        assert_eq!(row, "12345 x");
    }
}
