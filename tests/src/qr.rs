//! Reading a QR code drawn as SVG, as a phone's camera would: the SVG is rendered to pixels by
//! an SVG renderer (resvg) and the pixels are searched and decoded by a QR reader of its own
//! (rqrr). Nothing here knows how the server drew the code.

/// The text of every QR code found in `svg` (a whole `<svg>…</svg>` element).
pub fn decode_svg(svg: &str) -> Vec<String> {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("the SVG parses");
    // Four pixels to the SVG unit and a white page around it, as a printed code is scanned.
    const SCALE: f32 = 4.0;
    const MARGIN: f32 = 40.0;
    let size = tree.size();
    let width = (size.width() * SCALE + 2.0 * MARGIN).ceil() as u32;
    let height = (size.height() * SCALE + 2.0 * MARGIN).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height).expect("a canvas");
    pixmap.fill(tiny_skia::Color::WHITE);
    let place = tiny_skia::Transform::from_translate(MARGIN, MARGIN).pre_scale(SCALE, SCALE);
    resvg::render(&tree, place, &mut pixmap.as_mut());
    let rgba = pixmap.data();
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
            let i = (y * width as usize + x) * 4;
            let (r, g, b) = (rgba[i] as u32, rgba[i + 1] as u32, rgba[i + 2] as u32);
            ((r * 299 + g * 587 + b * 114) / 1000) as u8
        });
    image
        .detect_grids()
        .iter()
        .map(|grid| grid.decode().expect("the QR code decodes").1)
        .collect()
}

/// The first `<svg …>…</svg>` element in `html` whose opening tag contains `marker` (e.g. its
/// `aria-label`).
pub fn svg_in(html: &str, marker: &str) -> Option<String> {
    let mut from = 0;
    while let Some(offset) = html[from..].find("<svg") {
        let start = from + offset;
        let end = start + html[start..].find("</svg>")? + "</svg>".len();
        let open_end = start + html[start..].find('>')?;
        if html[start..open_end].contains(marker) {
            return Some(html[start..end].to_string());
        }
        from = end;
    }
    None
}
