//! The templates: every kind in every language, only the fields its data
//! carries, values escaped where they land.

#![allow(clippy::unwrap_used)]

use channels::render::{builtin_files, RenderError, TemplateError, Templates, LANGUAGES};
use domain::message::MessageKind;
use domain::values::Language;
use serde_json::{Map, Value};

fn data_for(kind: MessageKind) -> Map<String, Value> {
    kind.fields()
        .iter()
        .map(|f| (f.to_string(), Value::String(format!("<{f}>"))))
        .collect()
}

#[test]
fn every_kind_has_every_language_using_only_its_data() {
    let templates = Templates::builtin().unwrap();
    for kind in MessageKind::ALL {
        for language in LANGUAGES {
            let used = templates.fields_used(kind, language);
            assert!(!used.is_empty(), "{kind} {language:?} uses no data");
            for field in used {
                assert!(
                    kind.fields().contains(&field),
                    "{kind} {language:?} uses {field}"
                );
            }
        }
    }
}

#[test]
fn the_message_folder_holds_one_file_per_kind_and_nothing_else() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/messages");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut shipped: Vec<String> = builtin_files()
        .map(|(kind, file)| {
            assert_eq!(file, format!("{}.toml", kind.name()));
            file.to_owned()
        })
        .collect();
    shipped.sort();
    assert_eq!(on_disk, shipped);
    assert_eq!(shipped.len(), MessageKind::ALL.len());
}

#[test]
fn every_kind_renders_in_every_language_with_its_values() {
    let templates = Templates::builtin().unwrap();
    for kind in MessageKind::ALL {
        let data = data_for(kind);
        let mut subjects = Vec::new();
        for language in LANGUAGES {
            let r = templates.render(kind, language, &data).unwrap();
            assert_eq!(r.language, language);
            for field in templates.fields_used(kind, language) {
                let (raw, escaped) = (format!("<{field}>"), format!("&lt;{field}&gt;"));
                assert!(
                    r.subject.contains(&raw) || r.text.contains(&raw),
                    "{kind} lacks {field}"
                );
                assert!(
                    r.subject.contains(&raw) || r.html.contains(&escaped),
                    "{kind} html lacks {field}"
                );
                assert!(
                    !r.html.contains(&format!("<{field}>")),
                    "{kind} html unescaped"
                );
            }
            assert!(
                !r.text.contains('{') && !r.subject.contains('{'),
                "{kind}: {r:?}"
            );
            assert!(r
                .html
                .contains(&format!("<html lang=\"{}\">", language.as_str())));
            subjects.push(r.subject);
        }
        subjects.dedup();
        assert_eq!(subjects.len(), 3, "{kind}: one subject per language");
    }
}

#[test]
fn values_are_html_escaped_and_subjects_stay_on_one_line() {
    let templates = Templates::builtin().unwrap();
    let mut data = data_for(MessageKind::OrderConfirmed);
    data.insert("order_id".into(), "A\r\nBcc: evil@example.com".into());
    data.insert(
        "model".into(),
        "<script>alert('x')</script> & \"co\"".into(),
    );
    data.insert("price".into(), Value::from(4200));
    let r = templates
        .render(MessageKind::OrderConfirmed, Language::En, &data)
        .unwrap();
    assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
    assert!(r.subject.contains("A  Bcc: evil@example.com"));
    assert!(r
        .html
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
    assert!(!r.html.contains("<script>"));
    assert!(
        r.text.contains("<script>alert('x')</script>"),
        "plain text is not escaped"
    );
    assert!(r.text.contains("4200"));
}

#[test]
fn data_missing_a_field_of_the_contract_is_refused() {
    let templates = Templates::builtin().unwrap();
    let mut data = data_for(MessageKind::EtaChanged);
    data.remove("reason");
    assert_eq!(
        templates.render(MessageKind::EtaChanged, Language::De, &data),
        Err(RenderError::MissingData {
            kind: MessageKind::EtaChanged,
            field: "reason"
        })
    );
    let mut data = data_for(MessageKind::EtaChanged);
    data.insert("eta".into(), serde_json::json!({"nested": true}));
    assert_eq!(
        templates.render(MessageKind::EtaChanged, Language::De, &data),
        Err(RenderError::InvalidData {
            kind: MessageKind::EtaChanged,
            field: "eta"
        })
    );
}

/// The shipped sources, with the one of `kind` replaced by `toml`.
fn load_with(kind: MessageKind, toml: &str) -> Result<Templates, TemplateError> {
    let sources: Vec<(MessageKind, String)> = builtin_files()
        .map(|(k, file)| {
            let text = if k == kind {
                toml.to_owned()
            } else {
                std::fs::read_to_string(format!("{}/messages/{file}", env!("CARGO_MANIFEST_DIR")))
                    .unwrap()
            };
            (k, text)
        })
        .collect();
    Templates::load(sources.iter().map(|(k, t)| (*k, t.as_str())))
}

const ONE: &str = "subject = 'Order {order_id}'\ntext = 'Hi {{you}}'\nhtml = '<p>{vin}</p>'\n";

fn three(extra: &str) -> String {
    format!("[de]\n{ONE}[en]\n{ONE}[zh]\n{ONE}{extra}")
}

#[test]
fn templates_that_break_the_rules_do_not_load() {
    let kind = MessageKind::VinAssigned;
    assert!(load_with(kind, &three("")).is_ok());
    assert_eq!(
        load_with(kind, &format!("[de]\n{ONE}[en]\n{ONE}")).unwrap_err(),
        TemplateError::MissingLanguage {
            kind,
            language: Language::Zh
        }
    );
    assert_eq!(
        load_with(kind, &three(&format!("[fr]\n{ONE}"))).unwrap_err(),
        TemplateError::UnknownLanguage {
            kind,
            name: "fr".into()
        }
    );
    assert_eq!(
        load_with(kind, &three("").replacen("{vin}", "{price}", 1)).unwrap_err(),
        TemplateError::UnknownField {
            kind,
            language: Language::De,
            part: "html",
            field: "price".into()
        }
    );
    for broken in ["{order_id", "}", "{Order}", "{ }"] {
        let err = load_with(kind, &three("").replacen("Order {order_id}", broken, 1)).unwrap_err();
        assert!(
            matches!(
                err,
                TemplateError::Syntax {
                    part: "subject",
                    ..
                }
            ),
            "{broken}: {err:?}"
        );
    }
    let no_html = three("").replacen("html = '<p>{vin}</p>'\n", "", 1);
    assert!(matches!(
        load_with(kind, &no_html),
        Err(TemplateError::Toml { .. })
    ));

    let all_but_one = builtin_files()
        .filter(|(k, _)| *k != kind)
        .map(|(k, _)| (k, ""))
        .collect::<Vec<_>>();
    assert!(matches!(
        Templates::load(all_but_one),
        Err(TemplateError::MissingLanguage { .. } | TemplateError::MissingKind { .. })
    ));
}

#[test]
fn literal_braces_are_written_as_one() {
    let templates = load_with(MessageKind::VinAssigned, &three("")).unwrap();
    let mut data = data_for(MessageKind::VinAssigned);
    data.insert("vin".into(), "WVW".into());
    let r = templates
        .render(MessageKind::VinAssigned, Language::En, &data)
        .unwrap();
    assert_eq!(r.text, "Hi {you}");
    assert_eq!(r.subject, "Order <order_id>");
}
