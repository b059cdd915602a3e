//! Invitation codes for invitation-only events: the shape a code has (100 random bits in
//! Crockford's base32, shown in groups of four so it can be read aloud or typed from paper), so
//! that anything else is refused before it is looked up. Codes are stored only hashed. And what
//! an invite is: its uses left, its expiry, whether it was revoked.

use chrono::{DateTime, SubsecRound, Utc};

use super::FieldError;

/// Symbols in a code: 20 of 5 bits each, 100 bits in all.
pub const CODE_SYMBOLS: usize = 20;

/// Random bytes a new code is made from (the last 4 bits of the 13th are not used).
pub const CODE_BYTES: usize = 13;

/// The most uses one code may be given.
pub const MAX_USES: i32 = 10_000;

/// An invite as organizers see it: never its code, which exists only in the answer that made
/// it (the database keeps its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub id: String,
    pub event_id: String,
    /// `None`: no limit.
    pub uses_left: Option<i32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
}

/// Why a code someone holds opens nothing. Each is a clear message; each counts against the
/// guessing throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InviteProblem {
    #[error("this invite code is not one we know: check it for typing mistakes")]
    Unknown,
    #[error("this invite code has been used as many times as it allows")]
    UsedUp,
    #[error("this invite code has expired")]
    Expired,
    #[error("this invite code was withdrawn by the organizers")]
    Revoked,
}

impl Invite {
    /// Whether the code still lets someone in at `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), InviteProblem> {
        if self.revoked {
            return Err(InviteProblem::Revoked);
        }
        if self.expires_at.is_some_and(|at| at <= now) {
            return Err(InviteProblem::Expired);
        }
        if self.uses_left.is_some_and(|left| left <= 0) {
            return Err(InviteProblem::UsedUp);
        }
        Ok(())
    }
}

/// What an organizer asks of a new code, checked: `uses` from 1 to `MAX_USES` (none: no
/// limit), `expires_at` in the future (none: never).
pub fn check_new(
    uses: Option<i32>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(Option<i32>, Option<DateTime<Utc>>), FieldError> {
    if uses.is_some_and(|uses| !(1..=MAX_USES).contains(&uses)) {
        return Err(FieldError::new(
            "uses",
            format!("uses is a whole number from 1 to {MAX_USES}, or left out for no limit"),
        ));
    }
    if expires_at.is_some_and(|at| at <= now) {
        return Err(FieldError::new(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    Ok((uses, expires_at.map(|at| at.trunc_subsecs(0))))
}

/// Crockford's base32: digits and letters without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A code in its one written form: 20 upper-case symbols, no separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteCode(String);

impl InviteCode {
    /// A new code from random bytes (the caller draws them from the system's generator).
    pub fn from_random(bytes: [u8; CODE_BYTES]) -> Self {
        let mut bits = 0u32;
        let mut held = 0;
        let mut code = String::with_capacity(CODE_SYMBOLS);
        for byte in bytes {
            bits = (bits << 8) | u32::from(byte);
            held += 8;
            while held >= 5 && code.len() < CODE_SYMBOLS {
                held -= 5;
                code.push(char::from(ALPHABET[((bits >> held) & 31) as usize]));
            }
            bits &= (1 << held) - 1;
        }
        InviteCode(code)
    }

    /// A code as someone typed or pasted it: case, spaces and hyphens do not matter, and the
    /// letters people mistake for digits read as those digits (O as 0, I and L as 1). `None`
    /// for anything that cannot be a code.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > 4 * CODE_SYMBOLS {
            return None;
        }
        let mut code = String::with_capacity(CODE_SYMBOLS);
        for c in raw.chars() {
            let symbol = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            code.push(symbol);
        }
        (code.len() == CODE_SYMBOLS).then_some(InviteCode(code))
    }

    /// The form that is hashed and looked up.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people are shown it: groups of four, `ABCD-EFGH-…`.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|group| std::str::from_utf8(group).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_however_it_is_written() {
        let code = InviteCode::from_random([0xA5; CODE_BYTES]);
        assert_eq!(code.as_str().len(), CODE_SYMBOLS);
        let shown = code.display();
        assert_eq!(shown.len(), CODE_SYMBOLS + 4);
        for written in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', " "),
            code.as_str().to_string(),
        ] {
            assert_eq!(
                InviteCode::parse(&written).as_ref(),
                Some(&code),
                "{written}"
            );
        }
    }

    #[test]
    fn letters_taken_for_digits_read_as_digits() {
        let code = InviteCode::parse("0000-1111-2222-3333-4444").expect("a code");
        assert_eq!(InviteCode::parse("oOoO-iIlL-2222-3333-4444"), Some(code));
    }

    #[test]
    fn anything_else_is_no_code() {
        for raw in [
            "",
            "ABCD",
            "0000-1111-2222-3333-444",
            "0000-1111-2222-3333-44444",
            "0000-1111-2222-3333-444U",
            "0000_1111_2222_3333_4444",
            "0000-1111-2222-3333-444\u{0}",
            "٠٠٠٠-1111-2222-3333-4444",
        ] {
            assert_eq!(InviteCode::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn an_invite_opens_until_used_up_expired_or_revoked() {
        let now = Utc::now();
        let mut invite = Invite {
            id: "i".into(),
            event_id: "e".into(),
            uses_left: Some(1),
            expires_at: Some(now + chrono::Duration::hours(1)),
            revoked: false,
            created_at: now,
        };
        assert_eq!(invite.check(now), Ok(()));
        invite.uses_left = Some(0);
        assert_eq!(invite.check(now), Err(InviteProblem::UsedUp));
        invite.uses_left = None;
        assert_eq!(
            invite.check(now + chrono::Duration::hours(2)),
            Err(InviteProblem::Expired)
        );
        invite.revoked = true;
        assert_eq!(invite.check(now), Err(InviteProblem::Revoked));
        assert_eq!(check_new(Some(0), None, now).expect_err("0").field, "uses");
        assert_eq!(
            check_new(None, Some(now), now).expect_err("past").field,
            "expires_at"
        );
    }

    #[test]
    fn every_bit_of_the_randomness_shows() {
        let zero = InviteCode::from_random([0; CODE_BYTES]);
        for byte in 0..CODE_BYTES - 1 {
            for bit in 0..8 {
                let mut bytes = [0; CODE_BYTES];
                bytes[byte] = 1 << bit;
                assert_ne!(
                    InviteCode::from_random(bytes),
                    zero,
                    "byte {byte} bit {bit}"
                );
            }
        }
    }
}
