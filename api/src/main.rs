//! `otd`: the order-to-delivery engine's binary.
//!
//! Today it answers from the catalog and the pricing rules (`otd catalog`,
//! `otd quote`); the server, the demo and the other commands arrive with the
//! application layer.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use domain::catalog::{Catalog, LineKind};
use domain::values::{MarketCode, ModelCode, OptionCode};

#[derive(Parser)]
#[command(
    name = "otd",
    version,
    about = "Order-to-delivery for car makers selling direct (agency model)"
)]
struct Cli {
    /// A catalog file to load instead of the demo catalog shipped with otd.
    #[arg(long, global = true, env = "OTD_CATALOG")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the catalog: markets, models, option families and prices.
    Catalog {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Price a configuration, or list every rule it breaks.
    Quote {
        #[arg(long)]
        market: String,
        #[arg(long)]
        model: String,
        /// Option codes, comma separated (e.g. PNT-RED,WHL-20).
        #[arg(long, value_delimiter = ',')]
        options: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let catalog = match load_catalog(cli.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("otd: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Catalog { json } => print_catalog(&catalog, json),
        Command::Quote {
            market,
            model,
            options,
        } => quote(&catalog, &market, &model, &options),
    }
}

fn load_catalog(path: Option<&std::path::Path>) -> Result<Catalog, String> {
    let Some(path) = path else {
        return Ok(Catalog::demo());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read catalog {}: {e}", path.display()))?;
    Catalog::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn print_catalog(catalog: &Catalog, json: bool) -> ExitCode {
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

fn quote(catalog: &Catalog, market: &str, model: &str, options: &[String]) -> ExitCode {
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
