//! Event descriptions: markdown rendered to HTML, then sanitized so nothing active or remote survives.

use pulldown_cmark::{html, Options, Parser};

/// Render organizer markdown to safe HTML: no scripts, no styles, no images (they would be
/// requests to another origin), and links that leak nothing about where the reader came from.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn formats_markdown() {
        assert_eq!(
            render("**Bring water**"),
            "<p><strong>Bring water</strong></p>\n"
        );
    }

    #[test]
    fn strips_scripts_handlers_and_remote_images() {
        let html = render(
            "<script>alert(1)</script><a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>\n\n\
             ![tracker](https://evil.example/pixel.png)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
    }

    #[test]
    fn links_carry_no_referrer() {
        let html = render("[legal aid](https://example.org)");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
