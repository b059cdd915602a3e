//! QR codes drawn on the server as inline SVG (no image request, no script), so a person can
//! carry their private manage link to another device by scanning it.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An `<svg>` element showing `text` as a QR code, with an accessible name; `None` if the text
/// is too long for a QR code.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML declaration, and a name for screen readers.
    let element = image.trim_start_matches(r#"<?xml version="1.0" standalone="yes"?>"#);
    Some(element.replacen(
        "<svg ",
        &format!(r#"<svg role="img" aria-label="{}" "#, escape(label)),
        1,
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_inline_svg_with_a_name() {
        let drawn =
            svg("https://events.example.org/r/abc", "A QR code of your link").expect("fits");
        assert!(drawn.starts_with("<svg role=\"img\" aria-label=\"A QR code of your link\" "));
        assert!(!drawn.contains("<?xml"));
        assert!(
            drawn.contains("<path") || drawn.contains("<rect"),
            "{drawn}"
        );
    }
}
