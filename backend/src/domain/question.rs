//! RSVP questions: an event's up-to-five questions (text, choice, yes/no; required or not), and
//! the answers a person gives, checked against them. An answer is kept with the question's
//! label as it was when answered, so editing or removing a question later never makes old
//! answers unreadable (ids stay stable too: an organizer's edit keeps them).

use serde::{Deserialize, Serialize};

use super::{bounded_multiline_text, bounded_text, word_enum, FieldError};

word_enum!(
    /// How a question is answered.
    QuestionKind { Text => "text", Choice => "choice", YesNo => "yes_no" }
);

pub const MAX_QUESTIONS: usize = 5;
const MAX_LABEL: usize = 200;
const MAX_OPTIONS: usize = 10;
const MAX_OPTION: usize = 100;
const MAX_ID: usize = 16;
pub const MAX_ANSWER: usize = 1_000;

/// One question as organizers set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

/// A question as sent, before it is checked: its id may be left out (one is given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionDraft {
    pub id: Option<String>,
    pub label: String,
    pub kind: Option<QuestionKind>,
    pub options: Vec<String>,
    pub required: bool,
}

fn well_formed_id(id: &str) -> bool {
    (1..=MAX_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Check an event's questions: at most five, unique ids of lower-case letters, digits, `_` and
/// `-` (a question sent without one gets `qN`, the first number not used), a label, and for
/// a choice two to ten distinct options. Every fault names `questions`.
pub fn check_questions(drafts: Vec<QuestionDraft>) -> Result<Vec<Question>, FieldError> {
    let refuse = |message: String| FieldError::new("questions", message);
    if drafts.len() > MAX_QUESTIONS {
        return Err(refuse(format!("at most {MAX_QUESTIONS} questions")));
    }
    let mut taken: Vec<String> = drafts
        .iter()
        .filter_map(|draft| draft.id.as_ref().map(|id| id.trim().to_string()))
        .collect();
    let mut questions: Vec<Question> = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let id = match draft.id.as_deref().map(str::trim) {
            Some(id) if well_formed_id(id) => id.to_string(),
            Some(_) => {
                return Err(refuse(format!(
                    "a question's id is 1 to {MAX_ID} lower-case letters, digits, '_' or '-'"
                )))
            }
            None => {
                let id = (1..)
                    .map(|n| format!("q{n}"))
                    .find(|id| !taken.contains(id))
                    .unwrap_or_default();
                taken.push(id.clone());
                id
            }
        };
        if questions.iter().any(|q| q.id == id) {
            return Err(refuse(format!("two questions have the id {id}")));
        }
        let label = bounded_text("questions", &draft.label, 1, MAX_LABEL).map_err(|_| {
            refuse(format!(
                "each question needs a label of 1 to {MAX_LABEL} characters on one line"
            ))
        })?;
        let kind = draft
            .kind
            .ok_or_else(|| refuse("a question's kind is text, choice or yes_no".into()))?;
        let mut options: Vec<String> = Vec::new();
        if kind == QuestionKind::Choice {
            for option in &draft.options {
                let option = bounded_text("questions", option, 0, MAX_OPTION).map_err(|_| {
                    refuse(format!(
                        "an option is at most {MAX_OPTION} characters on one line"
                    ))
                })?;
                if !option.is_empty() && !options.contains(&option) {
                    options.push(option);
                }
            }
            if !(2..=MAX_OPTIONS).contains(&options.len()) {
                return Err(refuse(format!(
                    "a choice question has 2 to {MAX_OPTIONS} different options"
                )));
            }
        }
        questions.push(Question {
            id,
            label,
            kind,
            options,
            required: draft.required,
        });
    }
    Ok(questions)
}

/// One answer as kept: the question's id and label when answered, and what was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// The answers a person sent (question id → text), checked against the event's questions:
/// a missing required answer, an option not offered, or anything but `yes`/`no` for a yes/no
/// question is refused naming `answers.<id>`; an answer to no such question names `answers`.
/// Blank answers are left out.
pub fn check_answers(
    questions: &[Question],
    sent: &[(String, String)],
) -> Result<Vec<Answer>, FieldError> {
    if let Some((id, _)) = sent
        .iter()
        .find(|(id, _)| !questions.iter().any(|q| &q.id == id))
    {
        let shown: String = id
            .chars()
            .take(MAX_ID)
            .filter(|c| !c.is_control())
            .collect();
        return Err(FieldError::new(
            "answers",
            format!("this event has no question {shown}"),
        ));
    }
    let mut answers = Vec::new();
    for question in questions {
        let field = || format!("answers.{}", question.id);
        let raw = sent
            .iter()
            .find(|(id, _)| *id == question.id)
            .map_or("", |(_, value)| value.as_str());
        let value = bounded_multiline_text("answers", raw, 0, MAX_ANSWER).map_err(|error| {
            FieldError::named(field(), error.message.replace("answers", "an answer"))
        })?;
        if value.is_empty() {
            if question.required {
                return Err(FieldError::named(
                    field(),
                    format!("please answer: {}", question.label),
                ));
            }
            continue;
        }
        let fits = match question.kind {
            QuestionKind::Text => true,
            QuestionKind::Choice => question.options.contains(&value),
            QuestionKind::YesNo => value == "yes" || value == "no",
        };
        if !fits {
            return Err(FieldError::named(
                field(),
                format!("choose one of the answers offered for: {}", question.label),
            ));
        }
        answers.push(Answer {
            id: question.id.clone(),
            label: question.label.clone(),
            value,
        });
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(label: &str, kind: QuestionKind, options: &[&str], required: bool) -> QuestionDraft {
        QuestionDraft {
            id: None,
            label: label.into(),
            kind: Some(kind),
            options: options.iter().map(|o| o.to_string()).collect(),
            required,
        }
    }

    fn sample() -> Vec<Question> {
        check_questions(vec![
            draft("Pronouns?", QuestionKind::Text, &[], false),
            draft(
                "Which day?",
                QuestionKind::Choice,
                &["Sat", "Sun", "Sat"],
                true,
            ),
            draft("First time?", QuestionKind::YesNo, &[], false),
        ])
        .expect("valid")
    }

    #[test]
    fn ids_are_given_and_kept() {
        let questions = sample();
        let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["q1", "q2", "q3"]);
        assert_eq!(questions[1].options, ["Sat", "Sun"]);
        let mut kept = draft("New", QuestionKind::Text, &[], false);
        kept.id = Some("q1".into());
        let again = check_questions(vec![draft("Other", QuestionKind::Text, &[], false), kept])
            .expect("valid");
        assert_eq!(again[0].id, "q2", "the first number no question uses");
        assert_eq!(again[1].id, "q1");
    }

    #[test]
    fn bad_questions_name_the_field() {
        let six = vec![draft("x", QuestionKind::Text, &[], false); 6];
        assert_eq!(check_questions(six).expect_err("six").field, "questions");
        let one_option = vec![draft("x", QuestionKind::Choice, &["a"], false)];
        assert_eq!(
            check_questions(one_option).expect_err("one").field,
            "questions"
        );
        let blank = vec![draft(" ", QuestionKind::Text, &[], false)];
        assert_eq!(
            check_questions(blank).expect_err("blank").field,
            "questions"
        );
        let mut bad_id = draft("x", QuestionKind::Text, &[], false);
        bad_id.id = Some("Q 1".into());
        assert_eq!(
            check_questions(vec![bad_id]).expect_err("id").field,
            "questions"
        );
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let questions = sample();
        let sent = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let answers = check_answers(
            &questions,
            &sent(&[("q2", "Sun"), ("q3", "yes"), ("q1", " ")]),
        )
        .expect("valid");
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].label, "Which day?");
        let field = |pairs: &[(&str, &str)]| {
            check_answers(&questions, &sent(pairs))
                .expect_err("refused")
                .field
        };
        assert_eq!(field(&[]), "answers.q2");
        assert_eq!(field(&[("q2", "Mon")]), "answers.q2");
        assert_eq!(field(&[("q2", "Sat"), ("q3", "maybe")]), "answers.q3");
        assert_eq!(field(&[("q2", "Sat"), ("q9", "x")]), "answers");
        assert_eq!(field(&[("q2", "Sat"), ("q1", "a\u{0}b")]), "answers.q1");
    }
}
