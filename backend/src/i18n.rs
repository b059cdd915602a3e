//! The visitor's language, English or Spanish, and the Fluent messages in `frontend/locales/`
//! that every page and email is written from. Which language a request gets is read at the web
//! edge (`extract::locale`): `?lang=` (the switch on every page, remembered in a plain `lang`
//! cookie that ends with the browser session), then that cookie, then `Accept-Language`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{langid, LanguageIdentifier, Loader};

pub mod time;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../frontend/locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they would show up in emails and
        // calendar text, and our arguments are never right-to-left.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ENGLISH: LanguageIdentifier = langid!("en");
static SPANISH: LanguageIdentifier = langid!("es");

/// The name of the preference cookie (a language code and nothing else).
pub const COOKIE: &str = "lang";

/// A language the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 code, as in `<html lang>` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name for itself, as the switch shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// `es`, `es-MX`, `ES`… are Spanish; `en`, `en-US`… English; anything else is not ours.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &ENGLISH,
            Lang::Es => &SPANISH,
        }
    }

    /// The message `id` in this language (English when Spanish lacks it).
    pub fn t(self, id: &str) -> String {
        LOCALES.lookup(self.id(), id)
    }

    /// The message `id` with named arguments.
    pub fn t_with(self, id: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| (Cow::Borrowed(*name), value.clone()))
            .collect();
        LOCALES.lookup_with_args(self.id(), id, &args)
    }

    /// The message `id` with `$count`, for the language's plural rules.
    pub fn t_count(self, id: &str, count: i64) -> String {
        self.t_with(id, &[("count", FluentValue::from(count))])
    }

    /// The message `id` with one text argument.
    pub fn t_text(self, id: &str, name: &'static str, value: &str) -> String {
        self.t_with(id, &[(name, FluentValue::from(value))])
    }

    /// The name of a fixed word (`kind`, `role`, `status`…) in this language: `kind-action`.
    pub fn word(self, prefix: &str, word: &str) -> String {
        self.t(&format!("{prefix}-{word}"))
    }

    /// Whether this language has the message (English is complete; see the tests).
    pub fn has(self, id: &str) -> bool {
        // Every argument name the messages use, so that a message with arguments formats too.
        const ARGUMENTS: [&str; 15] = [
            "count",
            "when",
            "name",
            "title",
            "zone",
            "place",
            "audience",
            "role",
            "time",
            "day",
            "taken",
            "capacity",
            "arrived",
            "going",
            "reconfirmed",
        ];
        let probe: HashMap<&str, FluentValue<'_>> = ARGUMENTS
            .into_iter()
            .map(|name| (name, FluentValue::from(1)))
            .collect();
        LOCALES
            .lookup_no_default_fallback(self.id(), id, Some(&probe))
            .is_some()
    }

    /// The locale chrono names days and months in.
    pub fn chrono_locale(self) -> chrono::Locale {
        match self {
            Lang::En => chrono::Locale::en_US,
            Lang::Es => chrono::Locale::es_ES,
        }
    }
}

/// What a request was answered in, and the link that switches to the other language.
#[derive(Debug, Clone)]
pub struct Locale {
    pub lang: Lang,
    /// The same path with `?lang=` set to the other language (other query parameters kept).
    pub switch_href: String,
}

impl Locale {
    /// For pages built outside a request (tests, emails).
    pub fn plain(lang: Lang) -> Self {
        Locale {
            lang,
            switch_href: format!("/?lang={}", lang.other().code()),
        }
    }
}

impl Lang {
    /// The language the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_rules_follow_the_language() {
        assert_eq!(Lang::En.t_count("going-count", 1), "1 person going");
        assert_eq!(Lang::En.t_count("going-count", 3), "3 people going");
        assert_eq!(Lang::Es.t_count("going-count", 1), "Va 1 persona");
        assert_eq!(Lang::Es.t_count("going-count", 3), "Van 3 personas");
    }

    /// Every message used by a template or by the code exists in English and in Spanish.
    #[test]
    fn every_message_exists_in_both_languages() {
        let mut missing = Vec::new();
        for id in used_message_ids().into_iter().chain(dynamic_message_ids()) {
            for lang in Lang::ALL {
                if !lang.has(&id) {
                    missing.push(format!("{}: {id}", lang.code()));
                }
            }
        }
        assert!(missing.is_empty(), "missing messages: {missing:#?}");
    }

    /// The two languages have the same messages: nothing is English-only by accident.
    #[test]
    fn both_languages_have_the_same_messages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/locales");
        let ids = |lang: &str| {
            let mut ids = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(root.join(lang))
                .expect("locale folder")
                .flatten()
            {
                let text = std::fs::read_to_string(entry.path()).expect("readable file");
                ids.extend(text.lines().filter_map(|line| {
                    let (id, _) = line.split_once(" =")?;
                    let id = id.trim_end();
                    (!id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)))
                    .then(|| id.to_string())
                }));
            }
            ids
        };
        let (en, es) = (ids("en"), ids("es"));
        assert!(en.len() > 200, "read only {} English messages", en.len());
        let only_en: Vec<_> = en.difference(&es).collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_es.is_empty(),
            "English only: {only_en:?}; Spanish only: {only_es:?}"
        );
    }

    /// Ids built at run time from fixed words (`kind-action`, `status-going`…).
    fn dynamic_message_ids() -> Vec<String> {
        use crate::domain::event::{CountDisplay, EventKind, LocationPrivacy, Role, Visibility};
        use crate::domain::live::UpdateKind;
        use crate::domain::message::MessageKind;
        use crate::domain::rsvp::RsvpStatus;
        let mut ids = Vec::new();
        let mut add = |prefix: &str, words: &[&str]| {
            ids.extend(words.iter().map(|word| format!("{prefix}-{word}")));
        };
        let kinds: Vec<_> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        add("kind", &kinds);
        add("kinds", &kinds);
        let roles: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
        add("role", &roles);
        add("roles", &roles);
        add(
            "status",
            &RsvpStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
        );
        add(
            "privacy",
            &LocationPrivacy::ALL
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>(),
        );
        add(
            "visibility",
            &Visibility::ALL
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>(),
        );
        add(
            "count-display",
            &CountDisplay::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
        );
        add(
            "update-kind",
            &UpdateKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
        );
        add("audience", &["public", "attendees", "responders"]);
        let messages: Vec<_> = MessageKind::ALL.iter().map(|m| m.as_str()).collect();
        add("email-subject", &messages);
        add("email-lead", &messages);
        add(
            "manage-done",
            &[
                "saved",
                "checkedin",
                "safe",
                "cancelled",
                "reconfirmed",
                "help",
                "helpwait",
            ],
        );
        add("organizers-done", &["disabled", "enabled", "revoked"]);
        add(
            "audit",
            &crate::domain::audit::Action::ALL
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>(),
        );
        add("audit-target", &["event", "organizer"]);
        let cases = [
            "bad-input",
            "forbidden",
            "not-found",
            "conflict",
            "too-large",
            "too-many",
            "ours",
        ];
        add("error", &cases);
        ids.extend(cases.iter().map(|case| format!("error-{case}-detail")));
        ids
    }

    /// Message ids in `t("…")`-style calls across the templates and the Rust sources.
    fn used_message_ids() -> std::collections::BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut ids = std::collections::BTreeSet::new();
        let mut stack = vec![root.join("frontend/templates"), root.join("backend/src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .extension()
                    .is_some_and(|ext| ext == "html" || ext == "txt" || ext == "rs")
                {
                    let text = std::fs::read_to_string(&path).expect("readable file");
                    ids.extend(message_ids_in(&text));
                }
            }
        }
        assert!(ids.len() > 50, "found only {} message ids", ids.len());
        ids
    }

    /// The literal first argument of every `t(`, `t_count(`, `t_text(` and `t_with(` call.
    fn message_ids_in(text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for call in ["t(\"", "t_count(\"", "t_text(\"", "t_with(\"", "t_pair(\""] {
            let mut rest = text;
            while let Some(at) = rest.find(call) {
                let before = rest[..at].chars().next_back();
                rest = &rest[at + call.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let id: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                    .collect();
                if rest[id.len()..].starts_with('"') && !id.is_empty() {
                    ids.push(id);
                }
            }
        }
        ids
    }
}
