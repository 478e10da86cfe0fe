//! A QR as lines of half-block characters, two modules a character row.
//!
//! Light modules are drawn as ink: on the usual dark terminal with a light
//! foreground this shows dark modules on light, as phones expect.

use qrcode::{Color, QrCode};

/// Modules of light margin around the code (the QR standard's quiet zone).
pub const QUIET: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrText {
    pub lines: Vec<String>,
    /// Modules across, quiet zone included (= characters per line).
    pub width: usize,
}

pub fn render(payload: &str) -> Result<QrText, qrcode::types::QrError> {
    let code = QrCode::new(payload.as_bytes())?;
    let n = code.width();
    let colors = code.to_colors();
    let size = n + 2 * QUIET;
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= n + QUIET || y >= n + QUIET {
            return true;
        }
        colors[(y - QUIET) * n + (x - QUIET)] == Color::Light
    };
    let mut lines = Vec::with_capacity(size.div_ceil(2));
    for y in (0..size).step_by(2) {
        let line: String = (0..size)
            .map(|x| {
                let top = light(x, y);
                let bottom = y + 1 >= size || light(x, y + 1);
                match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                }
            })
            .collect();
        lines.push(line);
    }
    Ok(QrText { lines, width: size })
}

/// Read lines drawn by [`render`] back into modules (true = dark); for
/// tests that decode what was printed.
pub fn modules(lines: &[String]) -> Vec<Vec<bool>> {
    let mut rows = Vec::new();
    for line in lines {
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in line.chars() {
            let (t, b) = match c {
                '█' => (false, false),
                '▀' => (false, true),
                '▄' => (true, false),
                _ => (true, true),
            };
            top.push(t);
            bottom.push(b);
        }
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_even_and_sized_by_the_module_count() {
        let payload = "2@AbCdEf,key1,key2,key3,1";
        let qr = render(payload).expect("render");
        let n = QrCode::new(payload.as_bytes()).expect("qr").width();
        assert_eq!(qr.width, n + 2 * QUIET);
        assert_eq!(qr.lines.len(), (n + 2 * QUIET).div_ceil(2));
        assert!(qr.lines.iter().all(|l| l.chars().count() == qr.width));
        // The quiet zone is all light: full blocks on the first line.
        assert!(qr.lines[0].chars().all(|c| c == '█'));
    }
}
