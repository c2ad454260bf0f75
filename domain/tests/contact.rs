//! Normalisation is a fixed point: a normalised e-mail, phone or name parses
//! back to itself, so the one spelling stored is the one compared.

#![allow(clippy::unwrap_used)]

use domain::values::{Email, MarketCode, PersonName, Phone};
use proptest::prelude::*;

proptest! {
    #[test]
    fn a_normalised_email_parses_back_to_itself(
        local in "[A-Za-z0-9][A-Za-z0-9._+-]{0,20}[A-Za-z0-9]",
        domain in "[A-Za-z0-9]{1,12}",
        tld in "[A-Za-z]{2,6}",
        pad in " {0,3}",
    ) {
        prop_assume!(!local.contains(".."));
        let input = format!("{pad}{local}@{domain}.{tld}{pad}");
        let email = Email::parse(&input).unwrap();
        prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
        prop_assert_eq!(email.as_str(), email.as_str().to_lowercase());
    }

    #[test]
    fn a_normalised_german_phone_parses_back_to_itself(
        subscriber in "[1-9][0-9]{5,7}",
        separator in "[ -]?",
    ) {
        let market = MarketCode::parse("DE").unwrap();
        let national = format!("030{separator}{subscriber}");
        let parsed = Phone::parse(&national, Some(&market));
        // Numbers the plan does not allow are skipped; proptest fails if most are.
        prop_assume!(parsed.is_ok());
        let phone = parsed.unwrap();
        prop_assert_eq!(Phone::parse(phone.as_str(), None).unwrap(), phone.clone());
        let international = format!("+49 30 {subscriber}");
        prop_assert_eq!(Phone::parse(&international, None).unwrap(), phone);
    }

    #[test]
    fn a_normalised_name_parses_back_to_itself(name in "\\PC{1,60}") {
        if let Ok(parsed) = PersonName::parse(&name) {
            prop_assert_eq!(PersonName::parse(parsed.as_str()).unwrap(), parsed.clone());
            prop_assert!(!parsed.as_str().starts_with(' ') && !parsed.as_str().ends_with(' '));
            prop_assert!(!parsed.as_str().contains("  "));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever a form sends is parsed or refused, never a panic (libphonenumber ports have
    /// panicked on odd input before).
    #[test]
    fn any_input_is_parsed_or_refused(input in "\\PC{0,50}|[+0-9 ()./-]{0,30}") {
        let de = MarketCode::parse("DE").unwrap();
        let _ = Phone::parse(&input, Some(&de));
        let _ = Phone::parse(&input, None);
        let _ = Email::parse(&input);
        let _ = PersonName::parse(&input);
    }
}
