//! A QR payload as rows of half-block characters, two modules per cell.
//!
//! Colour choice: a phone needs dark modules on a light ground. Terminals
//! differ in their default colours, so the view draws these rows with an
//! explicit white foreground on a black background (plain theme: the
//! terminal's own, which is light-on-dark nearly everywhere). The rows
//! therefore draw the LIGHT modules: `█` both light, `▀` top light,
//! `▄` bottom light, ` ` both dark. The 4-module quiet zone is light too.

use qrcode::{Color, EcLevel, QrCode};
use thiserror::Error;

/// The quiet zone the QR standard asks for, in modules.
pub const QUIET: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("this QR cannot be drawn: {0}")]
pub struct QrError(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRows {
    rows: Vec<String>,
    /// Modules per side, without the quiet zone.
    modules: usize,
}

impl QrRows {
    /// Terminal columns.
    pub fn width(&self) -> u16 {
        u16::try_from(self.modules + 2 * QUIET).unwrap_or(u16::MAX)
    }

    /// Terminal rows: two modules per row, the last one half used when
    /// the side is odd.
    pub fn height(&self) -> u16 {
        u16::try_from(self.rows.len()).unwrap_or(u16::MAX)
    }

    pub fn modules(&self) -> usize {
        self.modules
    }

    pub fn rows(&self) -> &[String] {
        &self.rows
    }
}

/// Low error correction keeps the code small enough for a terminal; a
/// screen is clean, so the code needs no damage tolerance.
pub fn qr_rows(payload: &str) -> Result<QrRows, QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L)
        .map_err(|e| QrError(e.to_string()))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = modules + 2 * QUIET;
    // Light when outside the symbol (quiet zone) or a light module.
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= QUIET + modules || y >= QUIET + modules {
            return y < side;
        }
        colors.get((y - QUIET) * modules + (x - QUIET)) != Some(&Color::Dark)
    };
    let rows: Vec<String> = (0..side.div_ceil(2))
        .map(|row| {
            (0..side)
                .map(|x| match (light(x, 2 * row), light(x, 2 * row + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                })
                .collect::<String>()
        })
        .collect();
    Ok(QrRows { rows, modules })
}

/// Reads a cell back as (top light, bottom light); the inverse of the
/// table above, for tests and the headless printer.
pub fn cell_light(symbol: &str) -> (bool, bool) {
    match symbol {
        "█" => (true, true),
        "▀" => (true, false),
        "▄" => (false, true),
        _ => (false, false),
    }
}

/// Pixels per module in images.
const IMAGE_SCALE: usize = 8;

fn symbol(payload: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L)
        .map_err(|e| QrError(e.to_string()))
}

/// The QR as an SVG document, quiet zone included.
pub fn qr_svg(payload: &str) -> Result<String, QrError> {
    Ok(symbol(payload)?
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .min_dimensions(256, 256)
        .build())
}

/// The QR as a greyscale PNG, 8 pixels a module, quiet zone included.
pub fn qr_png(payload: &str) -> Result<Vec<u8>, QrError> {
    let code = symbol(payload)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * IMAGE_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * IMAGE_SCALE..(my + 1) * IMAGE_SCALE {
            pixels[y * side + mx * IMAGE_SCALE..y * side + (mx + 1) * IMAGE_SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let size = u32::try_from(side).map_err(|e| QrError(e.to_string()))?;
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| QrError(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| QrError(e.to_string()))?;
    writer.finish().map_err(|e| QrError(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_square_with_quiet_zone() {
        let qr = qr_rows("2@hello,world,1").expect("small payload");
        let side = qr.modules() + 2 * QUIET;
        assert_eq!(usize::from(qr.width()), side);
        assert_eq!(usize::from(qr.height()), side.div_ceil(2));
        for row in qr.rows() {
            assert_eq!(row.chars().count(), side);
        }
        // The top two rows are quiet zone: all light.
        assert!(qr.rows()[0].chars().all(|c| c == '█'));
        assert!(qr.rows()[1].chars().all(|c| c == '█'));
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        assert!(qr_rows(&"x".repeat(5000)).is_err());
    }
}
