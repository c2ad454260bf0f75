//! Templates per message kind and language (`channels/messages/{kind}.toml`,
//! one table per language with `subject`, `text` and `html`), filled from a
//! message's data.
//!
//! A placeholder is `{field}`, a field of the kind's data contract
//! ([`MessageKind::fields`]); `{{` and `}}` are literal braces. Values are
//! written as given in the text part, HTML-escaped in the HTML part, and
//! with control characters replaced by spaces in the subject (no header
//! injection). Every kind has all three languages (de, en, zh): a message
//! is never sent in a language its recipient did not choose, so a missing
//! one is an error when the templates load, not a fallback when they render.

use std::collections::{BTreeMap, HashMap};

use domain::message::MessageKind;
use domain::values::Language;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The languages every kind is written in.
pub const LANGUAGES: [Language; 3] = [Language::De, Language::En, Language::Zh];

macro_rules! builtin {
    ($($kind:ident => $file:literal),* $(,)?) => {
        /// The templates shipped with otd, one file per kind.
        const BUILTIN: &[(MessageKind, &str, &str)] = &[
            $((MessageKind::$kind, $file, include_str!(concat!("../messages/", $file)))),*
        ];
    };
}

builtin! {
    OrderConfirmed => "order.confirmed.toml",
    VehicleFound => "order.vehicle_found.toml",
    WeekBooked => "order.week_booked.toml",
    VinAssigned => "order.vin_assigned.toml",
    EtaChanged => "order.eta_changed.toml",
    ReadyForHandover => "order.ready_for_handover.toml",
    InvoiceIssued => "invoice.issued.toml",
    PaymentReceived => "payment.received.toml",
    HandoverReminder => "handover.reminder.toml",
    Delivered => "order.delivered.toml",
    CompensationCredited => "compensation.credited.toml",
    LeadCreated => "lead.created.toml",
    LeadResponseDue => "lead.response_due.toml",
    LeadSlaBreached => "lead.sla_breached.toml",
    TestDriveBooked => "test_drive.booked.toml",
    AccountVerifyEmail => "account.verify_email.toml",
    AccountPasswordReset => "account.password_reset.toml",
}

/// The file names of the shipped templates (for the test that every file
/// in `messages/` is one of them).
pub fn builtin_files() -> impl Iterator<Item = (MessageKind, &'static str)> {
    BUILTIN.iter().map(|(kind, file, _)| (*kind, *file))
}

/// A message rendered for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub language: Language,
    pub subject: String,
    pub text: String,
    /// A whole HTML document (`<html lang=…>`).
    pub html: String,
}

/// Templates that do not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("templates of {kind}: {detail}")]
    Toml { kind: MessageKind, detail: String },
    #[error("templates of {kind} are given twice")]
    Duplicate { kind: MessageKind },
    #[error("no templates for {kind}")]
    MissingKind { kind: MessageKind },
    #[error("{kind} has no {} templates", language.as_str())]
    MissingLanguage {
        kind: MessageKind,
        language: Language,
    },
    #[error("{kind} has templates in {name:?}, which is not a language of otd")]
    UnknownLanguage { kind: MessageKind, name: String },
    #[error("{kind} ({}) {part} uses {{{field}}}, which its data does not carry", language.as_str())]
    UnknownField {
        kind: MessageKind,
        language: Language,
        part: &'static str,
        field: String,
    },
    #[error("{kind} ({}) {part}: {detail}", language.as_str())]
    Syntax {
        kind: MessageKind,
        language: Language,
        part: &'static str,
        detail: String,
    },
}

/// A message's data that does not fit its kind's contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("{kind} needs {field} in its data")]
    MissingData {
        kind: MessageKind,
        field: &'static str,
    },
    #[error("{kind}: {field} must be a string, a number or a boolean")]
    InvalidData {
        kind: MessageKind,
        field: &'static str,
    },
}

/// Every kind's templates in every language, checked when loaded.
#[derive(Debug, Clone)]
pub struct Templates {
    by: HashMap<(MessageKind, Language), Template>,
}

#[derive(Debug, Clone)]
struct Template {
    subject: Vec<Piece>,
    text: Vec<Piece>,
    html: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    subject: String,
    text: String,
    html: String,
}

impl Templates {
    /// The templates shipped in `channels/messages/`.
    pub fn builtin() -> Result<Templates, TemplateError> {
        Templates::load(BUILTIN.iter().map(|(kind, _, toml)| (*kind, *toml)))
    }

    /// Loads one TOML source per kind; every kind needs one, with all
    /// three languages, each using only fields of its kind's contract.
    pub fn load<'a>(
        sources: impl IntoIterator<Item = (MessageKind, &'a str)>,
    ) -> Result<Templates, TemplateError> {
        let mut by = HashMap::new();
        let mut seen = Vec::new();
        for (kind, toml) in sources {
            if seen.contains(&kind) {
                return Err(TemplateError::Duplicate { kind });
            }
            seen.push(kind);
            let tables: BTreeMap<String, Source> =
                toml::from_str(toml).map_err(|e| TemplateError::Toml {
                    kind,
                    detail: e.message().to_owned(),
                })?;
            for (name, source) in tables {
                let language = LANGUAGES
                    .into_iter()
                    .find(|l| l.as_str() == name)
                    .ok_or(TemplateError::UnknownLanguage { kind, name })?;
                let part = |part, text: &str| compile(kind, language, part, text);
                let template = Template {
                    subject: part("subject", &source.subject)?,
                    text: part("text", &source.text)?,
                    html: part("html", &source.html)?,
                };
                by.insert((kind, language), template);
            }
        }
        for kind in MessageKind::ALL {
            if !seen.contains(&kind) {
                return Err(TemplateError::MissingKind { kind });
            }
            for language in LANGUAGES {
                if !by.contains_key(&(kind, language)) {
                    return Err(TemplateError::MissingLanguage { kind, language });
                }
            }
        }
        Ok(Templates { by })
    }

    /// The fields the templates of `kind` in `language` use.
    pub fn fields_used(&self, kind: MessageKind, language: Language) -> Vec<&str> {
        let mut used: Vec<&str> = self.by.get(&(kind, language)).map_or(Vec::new(), |t| {
            [&t.subject, &t.text, &t.html]
                .into_iter()
                .flatten()
                .filter_map(|p| match p {
                    Piece::Field(f) => Some(f.as_str()),
                    Piece::Literal(_) => None,
                })
                .collect()
        });
        used.sort_unstable();
        used.dedup();
        used
    }

    /// Renders a message of `kind` in `language` from its `data`, which
    /// must carry every field of the kind's contract.
    pub fn render(
        &self,
        kind: MessageKind,
        language: Language,
        data: &Map<String, Value>,
    ) -> Result<Rendered, RenderError> {
        let mut values = HashMap::new();
        for field in kind.fields() {
            let value = match data.get(*field) {
                None | Some(Value::Null) => {
                    return Err(RenderError::MissingData { kind, field });
                }
                Some(Value::String(s)) => s.clone(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
                Some(_) => return Err(RenderError::InvalidData { kind, field }),
            };
            values.insert(*field, value);
        }
        let template = self
            .by
            .get(&(kind, language))
            .expect("every kind has every language, checked when loaded");
        let fill = |pieces: &[Piece], escape: fn(&str) -> String| {
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Literal(s) => s.clone(),
                    Piece::Field(f) => escape(values.get(f.as_str()).map_or("", String::as_str)),
                })
                .collect::<String>()
        };
        let body = fill(&template.html, escape_html);
        Ok(Rendered {
            language,
            subject: fill(&template.subject, one_line).trim().to_owned(),
            text: fill(&template.text, str::to_owned),
            html: format!(
                "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head>\n<body>\n{}</body></html>\n",
                language.as_str(),
                body
            ),
        })
    }
}

/// Splits a template into literals and `{field}`s, checking each field
/// against the kind's contract.
fn compile(
    kind: MessageKind,
    language: Language,
    part: &'static str,
    text: &str,
) -> Result<Vec<Piece>, TemplateError> {
    let syntax = |detail: &str| TemplateError::Syntax {
        kind,
        language,
        part,
        detail: detail.to_owned(),
    };
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '}' => return Err(syntax("a lone '}' (write '}}' for a brace)")),
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' => {
                            field.push(c)
                        }
                        _ => return Err(syntax("a '{' that opens no {field}")),
                    }
                }
                if !kind.fields().contains(&field.as_str()) {
                    return Err(TemplateError::UnknownField {
                        kind,
                        language,
                        part,
                        field,
                    });
                }
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                pieces.push(Piece::Field(field));
            }
            c => literal.push(c),
        }
    }
    pieces.push(Piece::Literal(literal));
    pieces.retain(|p| p != &Piece::Literal(String::new()));
    Ok(pieces)
}

/// Escapes a value for HTML text and attribute values.
pub fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A value on one line: control characters (CR, LF, tab …) become spaces.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
