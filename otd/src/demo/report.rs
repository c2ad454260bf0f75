//! The report at the end of the demo, read from the read models (KPIs,
//! orders, invoices, commission statements, leads and test drives: `crm_report`) and the head of the log, plus
//! the tally of what the actors did and what was refused.
//!
//! Every line but the three marked as about this run (the data folder, the
//! wall time, events/s) is the same for the same seed and options.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::time::Duration;

use chrono::{Days, NaiveDate};
use domain::invoice::InvoiceStatus;
use domain::values::{Currency, DealerId, MarketCode, Money, Month};
use projections::views::{InvoiceFilter, Kpis, OrderFilter, PromiseKpiBy, PromiseKpis};
use store::Position;

use super::crm_report::{self, DealerCrm};
use super::messages_report::MessagesReport;
use super::world::{Tally, World};
use super::{DemoError, DemoOptions};

/// What the demo did, ready to print.
#[derive(Debug, Clone)]
pub struct Report {
    start: NaiveDate,
    end: NaiveDate,
    weeks: u32,
    seed: u64,
    orders_per_day: u32,
    data: String,
    network: (usize, usize, usize),
    all: Kpis,
    markets: Vec<Kpis>,
    pipeline: BTreeMap<String, u64>,
    customers: usize,
    tally: Tally,
    money: Vec<MarketMoney>,
    commission: Vec<DealerCommission>,
    promises: PromiseKpis,
    crm: Vec<DealerCrm>,
    messages: MessagesReport,
    events: u64,
    elapsed: Duration,
    skipped: usize,
}

/// A market's invoices.
#[derive(Debug, Clone)]
struct MarketMoney {
    market: MarketCode,
    currency: Currency,
    issued: u64,
    credited: u64,
    /// Net and VAT of the invoices not credited.
    net: i64,
    vat: i64,
    /// Paid on the invoices not credited, and still to pay on the open ones.
    paid: i64,
    outstanding: i64,
}

/// A dealer's commission over the simulated months.
#[derive(Debug, Clone)]
struct DealerCommission {
    dealer: DealerId,
    name: String,
    handovers: u64,
    total: Option<Money>,
}

impl Report {
    /// Reads the figures once the engine has settled.
    pub(super) async fn gather(
        world: &World<'_>,
        options: &DemoOptions,
        first: Position,
        elapsed: Duration,
    ) -> Result<Report, DemoError> {
        let views = &world.views;
        let catalog = &world.catalog;
        let all = views.kpis(None).await?;
        let mut markets = Vec::new();
        for market in catalog.markets() {
            markets.push(views.kpis(Some(&market.code)).await?);
        }
        let mut pipeline = BTreeMap::new();
        for order in views.orders(&OrderFilter::default()).await? {
            *pipeline
                .entry(order.status.as_str().to_owned())
                .or_default() += 1;
        }
        let mut money: Vec<MarketMoney> = catalog
            .markets()
            .map(|m| MarketMoney {
                market: m.code.clone(),
                currency: m.currency,
                issued: 0,
                credited: 0,
                net: 0,
                vat: 0,
                paid: 0,
                outstanding: 0,
            })
            .collect();
        for invoice in views.invoices(&InvoiceFilter::default()).await? {
            let Some(m) = money.iter_mut().find(|m| m.market == invoice.market) else {
                continue;
            };
            m.issued += 1;
            if invoice.status == InvoiceStatus::Credited {
                m.credited += 1;
            } else {
                m.net += invoice.net.amount_minor;
                m.vat += invoice.vat.amount_minor;
                m.paid += invoice.paid.amount_minor;
                m.outstanding += invoice.outstanding.amount_minor;
            }
        }
        let end = world.today();
        let mut commission = Vec::new();
        for dealer in catalog.dealers() {
            let mut line = DealerCommission {
                dealer: dealer.id.clone(),
                name: dealer.name.clone(),
                handovers: 0,
                total: None,
            };
            // A month without a handover adds nothing (the report shows no total then).
            let currency = catalog.market(&dealer.market).map(|m| m.currency);
            for month in months(options.start, end) {
                let Some(currency) = currency else { break };
                let statement = views
                    .commission_statement(&dealer.id, month, currency)
                    .await?;
                if statement.lines.is_empty() {
                    continue;
                }
                line.handovers += statement.lines.len() as u64;
                line.total = Some(match line.total {
                    Some(a) => a.checked_add(statement.total).unwrap_or(a),
                    None => statement.total,
                });
            }
            commission.push(line);
        }
        let promises = views.promise_kpis(PromiseKpiBy::Market, catalog).await?;
        let dealers: Vec<_> = catalog.dealers().cloned().collect();
        let crm = crm_report::gather(views, &dealers, options.start, world.now()).await?;
        let head = world.head().await?;
        Ok(Report {
            start: options.start,
            end,
            weeks: options.weeks,
            seed: options.seed,
            orders_per_day: options.orders_per_day,
            data: options.data.display().to_string(),
            network: (
                catalog.dealers().count(),
                catalog.plants().count(),
                catalog.markets().count(),
            ),
            all,
            markets,
            pipeline,
            customers: world.customers.len(),
            tally: world.tally.clone(),
            money,
            commission,
            promises,
            crm,
            messages: MessagesReport::gather(world).await?,
            events: head.0.saturating_sub(first.0),
            elapsed,
            skipped: world.skipped_reactions(),
        })
    }

    /// Events written per second of wall time.
    pub fn events_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.events as f64 / seconds
        } else {
            0.0
        }
    }
}

/// The months from `start` to `end`, both included.
fn months(start: NaiveDate, end: NaiveDate) -> Vec<Month> {
    let mut out = Vec::new();
    let mut month = Month::containing(start);
    while month.first_day() <= end {
        out.push(month);
        match month.last_day().checked_add_days(Days::new(1)) {
            Some(next) => month = Month::containing(next),
            None => break,
        }
    }
    out
}

/// `1234567` → `12,345.67`.
fn amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let digits: Vec<char> = (abs / 100).to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|group| group.iter().collect())
        .collect();
    let grouped = groups.join(",");
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// `12345` → `12,345`.
fn count(n: u64) -> String {
    let mut s = amount(i64::try_from(n).unwrap_or(i64::MAX).saturating_mul(100));
    s.truncate(s.len() - 3);
    s
}

fn share(pct: Option<f64>) -> String {
    pct.map_or("-".to_owned(), |p| format!("{p:.1} %"))
}

fn days(kpis: &Kpis, pick: fn(&projections::views::DaysSummary) -> i64) -> String {
    kpis.order_to_delivery_days
        .as_ref()
        .map_or("-".to_owned(), |d| format!("{} d", pick(d)))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (dealers, plants, markets) = self.network;
        writeln!(
            f,
            "otd demo: {} weeks from {} to {}, seed {}, {} orders/day on average",
            self.weeks, self.start, self.end, self.seed, self.orders_per_day
        )?;
        writeln!(
            f,
            "network: {dealers} dealers, {plants} plants, {markets} markets"
        )?;
        writeln!(f, "data folder: {}", self.data)?;

        writeln!(f)?;
        let mut header = format!("{:<34}{:>10}", "orders", "all");
        for k in &self.markets {
            let code = k.market.as_ref().map_or("", |m| m.as_str());
            let _ = write!(header, "{code:>10}");
        }
        writeln!(f, "{header}")?;
        let columns: Vec<&Kpis> = std::iter::once(&self.all).chain(&self.markets).collect();
        let row = |f: &mut fmt::Formatter<'_>, label: &str, cell: &dyn Fn(&Kpis) -> String| {
            let mut line = format!("  {label:<32}");
            for k in &columns {
                let _ = write!(line, "{:>10}", cell(k));
            }
            writeln!(f, "{line}")
        };
        row(f, "placed", &|k| count(k.orders_placed))?;
        row(f, "delivered", &|k| count(k.orders_delivered))?;
        row(f, "cancelled", &|k| count(k.orders_cancelled))?;
        row(f, "awaiting capacity at the end", &|k| {
            count(k.awaiting_capacity)
        })?;
        row(f, "from stock (LTO)", &|k| share(k.lto_share_pct))?;
        row(f, "built to order (BTO)", &|k| share(k.bto_share_pct))?;
        row(f, "order to delivery, median", &|k| days(k, |d| d.median))?;
        row(f, "order to delivery, p90", &|k| days(k, |d| d.p90))?;
        row(f, "at the dealer by the first ETA", &|k| {
            k.eta_accuracy
                .as_ref()
                .map_or("-".to_owned(), |e| format!("{}/{}", e.on_time, e.orders))
        })?;
        let pipeline: Vec<String> = self
            .pipeline
            .iter()
            .filter(|(s, _)| *s != "delivered" && *s != "cancelled")
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        writeln!(f, "  open at the end: {}", pipeline.join(", "))?;

        let t = &self.tally;
        writeln!(f)?;
        writeln!(f, "activity")?;
        let line = |f: &mut fmt::Formatter<'_>, label: &str, value: u64, detail: String| {
            let value = count(value);
            if detail.is_empty() {
                writeln!(f, "  {label:<32}{value:>10}")
            } else {
                writeln!(f, "  {label:<32}{value:>10}   {detail}")
            }
        };
        let none = String::new;
        line(f, "customers", self.customers as u64, none())?;
        line(f, "orders placed online", t.online, none())?;
        line(f, "orders placed in showrooms", t.showroom, none())?;
        line(f, "amendments", t.amendments, none())?;
        line(
            f,
            "cancellations",
            t.cancellations,
            format!("deposit refunded {}, forfeited {}", t.refunds, t.forfeits),
        )?;
        line(
            f,
            "capacity opened (plant-weeks)",
            t.capacity_weeks,
            format!(
                "{} units, {} more in extra shifts",
                t.capacity_units, t.overtime_units
            ),
        )?;
        line(f, "stock cars registered", t.stock_registered, none())?;
        line(f, "builds started", t.builds_started, none())?;
        line(f, "builds completed", t.builds_completed, none())?;
        line(
            f,
            "dispatches",
            t.dispatches,
            format!("{} of them transfers of free stock", t.transfers),
        )?;
        line(
            f,
            "delays",
            t.delays,
            format!("{} days added to ETAs", t.delay_days),
        )?;
        line(f, "arrivals", t.arrivals, none())?;
        line(f, "payments recorded", t.payments, none())?;
        line(f, "handover appointments", t.appointments, none())?;
        line(f, "handovers", t.handovers, none())?;
        crm_report::activity(f, &t.crm, &line)?;
        line(f, "refused attempts", t.refused_total(), none())?;
        for (rule, n) in &t.refused {
            writeln!(f, "    {n:>4}  {rule}")?;
        }

        writeln!(f)?;
        crm_report::write(f, &self.crm)?;

        writeln!(f)?;
        writeln!(
            f,
            "{:<10}{:>8}{:>10}{:>22}{:>20}{:>22}{:>20}",
            "invoices", "issued", "credited", "revenue (net)", "VAT", "paid", "outstanding"
        )?;
        for m in &self.money {
            let money = |minor: i64| format!("{} {}", amount(minor), m.currency);
            writeln!(
                f,
                "  {:<8}{:>8}{:>10}{:>22}{:>20}{:>22}{:>20}",
                m.market.as_str(),
                m.issued,
                m.credited,
                money(m.net),
                money(m.vat),
                money(m.paid),
                money(m.outstanding)
            )?;
        }

        writeln!(f)?;
        writeln!(
            f,
            "{:<22}{:>10}{:>22}",
            "commission", "handovers", "accrued"
        )?;
        for c in &self.commission {
            let total = c.total.map_or("-".to_owned(), |m| {
                format!("{} {}", amount(m.amount_minor), m.currency)
            });
            writeln!(
                f,
                "  {:<20}{:>10}{:>22}",
                format!("{} {}", c.dealer, c.name),
                c.handovers,
                total
            )?;
        }

        writeln!(f)?;
        writeln!(
            f,
            "{:<10}{:>10}{:>18}{:>16}{:>14}{:>22}",
            "promises",
            "arrived",
            "by the first ETA",
            "mean days late",
            "compensated",
            "compensation paid"
        )?;
        for row in &self.promises.rows {
            let paid: Vec<String> = row
                .compensation_paid
                .iter()
                .map(|m| format!("{} {}", amount(m.amount_minor), m.currency))
                .collect();
            writeln!(
                f,
                "  {:<8}{:>10}{:>18}{:>16}{:>14}{:>22}",
                row.key,
                count(row.orders_arrived),
                share(row.on_time_share_pct),
                row.mean_days_late
                    .map_or("-".to_owned(), |d| format!("{d:.1} d")),
                count(row.compensated_orders),
                if paid.is_empty() {
                    "-".to_owned()
                } else {
                    paid.join(", ")
                }
            )?;
        }

        writeln!(f)?;
        write!(f, "{}", self.messages)?;

        writeln!(f)?;
        writeln!(f, "engine")?;
        line(f, "events written", self.events, none())?;
        let wall = format!("{:.1} s", self.elapsed.as_secs_f64());
        writeln!(f, "  {:<32}{wall:>10}", "wall time")?;
        let rate = format!("{:.0}", self.events_per_second());
        writeln!(f, "  {:<32}{rate:>10}", "events/s")?;
        if self.skipped > 0 {
            writeln!(
                f,
                "  warning: the process managers gave up on {} reaction(s); see the log (OTD_LOG=warn)",
                self.skipped
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(amount(0), "0.00");
        assert_eq!(amount(1_234_567), "12,345.67");
        assert_eq!(amount(99), "0.99");
        assert_eq!(amount(-1_234_567_890), "-12,345,678.90");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(12), "12");
    }

    #[test]
    fn months_cover_the_period() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let listed: Vec<String> = months(day(2026, 11, 23), day(2027, 2, 14))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(listed, ["2026-11", "2026-12", "2027-01", "2027-02"]);
    }
}
