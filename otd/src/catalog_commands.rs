//! `otd catalog` and `otd quote`: answers from the catalog, without a server.

use std::process::ExitCode;

use domain::catalog::{Catalog, LineKind};
use domain::values::{MarketCode, ModelCode, OptionCode};

pub(crate) fn print_catalog(catalog: &Catalog, json: bool) -> ExitCode {
    if json {
        match serde_json::to_string_pretty(catalog) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("otd: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    println!("price list {}", catalog.price_list());
    for m in catalog.markets() {
        println!(
            "market {} ({}): {}, VAT {}, deposit {}, commission {} + {}",
            m.code, m.name, m.currency, m.vat_rate, m.deposit, m.commission_rate, m.handover_fee
        );
    }
    for model in catalog.models() {
        let prices: Vec<String> = model
            .prices
            .iter()
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        println!(
            "model {} ({}) built at {}: {}",
            model.code,
            model.name,
            model.plant,
            prices.join(", ")
        );
    }
    for family in catalog.families() {
        let choice = match family.choice {
            domain::catalog::Choice::ExactlyOne => "exactly one",
            domain::catalog::Choice::Any => "any",
        };
        println!("family {} ({choice})", family.code);
        for option in catalog.options().filter(|o| o.family == family.code) {
            let prices: Vec<String> = option
                .prices
                .iter()
                .map(|(m, p)| format!("{m} {p}"))
                .collect();
            println!(
                "  {:<12} {:<20} {}",
                option.code.as_str(),
                option.name,
                prices.join(", ")
            );
        }
    }
    ExitCode::SUCCESS
}

pub(crate) fn quote(catalog: &Catalog, market: &str, model: &str, options: &[String]) -> ExitCode {
    let parsed = (|| -> Result<_, String> {
        let market = MarketCode::parse(market).map_err(|e| e.to_string())?;
        let model = ModelCode::parse(model).map_err(|e| e.to_string())?;
        let options = options
            .iter()
            .filter(|o| !o.is_empty())
            .map(|o| OptionCode::parse(o).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((market, model, options))
    })();
    let (market, model, options) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("otd: {e}");
            return ExitCode::from(2);
        }
    };
    match catalog.quote(&market, &model, &options) {
        Ok(q) => {
            for line in &q.lines {
                let kind = match line.kind {
                    LineKind::Base => "base",
                    LineKind::Option => "option",
                };
                println!(
                    "{kind:<7} {:<12} {:<22} {:>16}",
                    line.code,
                    line.description,
                    line.amount.to_string()
                );
            }
            println!("{:<43} {:>16}", "net", q.price.net.to_string());
            println!("{:<43} {:>16}", "VAT", q.price.vat.to_string());
            println!("{:<43} {:>16}", "gross", q.price.gross.to_string());
            println!(
                "{:<43} {:>16}",
                "deposit due on order",
                q.deposit.to_string()
            );
            ExitCode::SUCCESS
        }
        Err(violations) => {
            eprintln!("the configuration breaks {} rule(s):", violations.len());
            for v in violations {
                eprintln!("  {:<26} {v}", v.rule());
            }
            ExitCode::from(1)
        }
    }
}
