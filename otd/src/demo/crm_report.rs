//! The report's leads and test drives: each dealer's CRM KPIs over the simulated days
//! (the view the API's `GET /api/v1/dealers/{id}/crm-kpis` answers from) and its funnel,
//! from the leads and test-drive views.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::catalog::Dealer;
use domain::lead::Grade;
use domain::test_drive::TestDriveStatus;
use domain::values::DealerId;
use projections::models::crm_kpis::CrmKpis;
use projections::views::{LeadFilter, ReadModels};

use super::world::CrmTally;
use super::DemoError;

/// Days past the end the drives booked ahead may lie on.
const BOOKED_AHEAD: u64 = 8;

/// One dealer's leads, as they stand at the end.
#[derive(Debug, Clone)]
pub(super) struct DealerCrm {
    pub dealer: DealerId,
    pub kpis: CrmKpis,
    pub funnel: Funnel,
}

/// Where a dealer's leads got to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Funnel {
    pub leads: u64,
    /// Answered at least once.
    pub contacted: u64,
    /// With a test drive completed.
    pub test_driven: u64,
    pub sold: u64,
    pub lost: u64,
    pub open: u64,
}

/// The KPIs and funnel of every dealer, in catalog order, over its local dates from
/// `start` to the day of `now`.
pub(super) async fn gather(
    views: &ReadModels,
    dealers: &[Dealer],
    start: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<DealerCrm>, DemoError> {
    let mut out = Vec::new();
    for dealer in dealers {
        let end = dealer.local_date(now);
        let kpis = views.crm_kpis(dealer, start, end, now).await?;
        let mut driven = BTreeSet::new();
        let mut date = start;
        while date <= end + Days::new(BOOKED_AHEAD) {
            for drive in views.test_drives_of_dealer(&dealer.id, date).await? {
                if drive.status == TestDriveStatus::Completed {
                    driven.extend(drive.lead_id);
                }
            }
            date = date + Days::new(1);
        }
        let mut funnel = Funnel::default();
        for lead in views
            .leads_of_dealer(&dealer.id, &LeadFilter::default())
            .await?
        {
            funnel.leads += 1;
            funnel.contacted += u64::from(lead.first_contact_at.is_some());
            funnel.test_driven += u64::from(driven.contains(&lead.lead_id));
            match lead.grade {
                Grade::S => funnel.sold += 1,
                Grade::F => funnel.lost += 1,
                _ => funnel.open += 1,
            }
        }
        out.push(DealerCrm {
            dealer: dealer.id.clone(),
            kpis,
            funnel,
        });
    }
    Ok(out)
}

fn minutes(m: Option<f64>) -> String {
    m.map_or("-".to_owned(), |m| format!("{m:.0} min"))
}

fn percent(share: Option<f64>) -> String {
    share.map_or("-".to_owned(), |s| format!("{:.1} %", s * 100.0))
}

fn sold_of(sold: u32, closed: u32) -> String {
    if closed == 0 {
        "-".to_owned()
    } else {
        format!("{sold}/{closed}")
    }
}

/// The leads section: a column per dealer.
pub(super) fn write(f: &mut fmt::Formatter<'_>, dealers: &[DealerCrm]) -> fmt::Result {
    let mut header = format!("{:<34}", "leads and test drives");
    for d in dealers {
        header.push_str(&format!("{:>10}", d.dealer.as_str()));
    }
    writeln!(f, "{header}")?;
    let row = |f: &mut fmt::Formatter<'_>, label: &str, cell: &dyn Fn(&DealerCrm) -> String| {
        let mut line = format!("  {label:<32}");
        for d in dealers {
            line.push_str(&format!("{:>10}", cell(d)));
        }
        writeln!(f, "{line}")
    };
    let n = |v: u64| v.to_string();
    row(f, "leads", &|d| n(d.funnel.leads))?;
    row(f, "contacted", &|d| n(d.funnel.contacted))?;
    row(f, "test driven", &|d| n(d.funnel.test_driven))?;
    row(f, "sold (S)", &|d| n(d.funnel.sold))?;
    row(f, "lost (F)", &|d| n(d.funnel.lost))?;
    row(f, "still open", &|d| n(d.funnel.open))?;
    row(f, "first response, median", &|d| {
        minutes(d.kpis.first_response.median_minutes)
    })?;
    row(f, "first response, p90", &|d| {
        minutes(d.kpis.first_response.p90_minutes)
    })?;
    row(f, "answered within 2 h", &|d| {
        percent(d.kpis.first_response.within_2h_share)
    })?;
    row(f, "2-hour breaches", &|d| n(u64::from(d.kpis.sla_breaches)))?;
    row(f, "overdue follow-ups at the end", &|d| {
        n(u64::from(d.kpis.overdue_follow_ups))
    })?;
    row(f, "test drives booked", &|d| {
        n(u64::from(d.kpis.test_drives.booked))
    })?;
    row(f, "  completed", &|d| {
        n(u64::from(d.kpis.test_drives.completed))
    })?;
    row(f, "  no-show", &|d| {
        n(u64::from(d.kpis.test_drives.no_show))
    })?;
    row(f, "  cancelled", &|d| {
        n(u64::from(d.kpis.test_drives.cancelled))
    })?;
    writeln!(f, "  sold/closed by source")?;
    let sources = dealers
        .first()
        .map(|d| d.kpis.conversion_by_source.len())
        .unwrap_or(0);
    for i in 0..sources {
        let label = dealers
            .first()
            .and_then(|d| d.kpis.conversion_by_source.get(i))
            .map_or(String::new(), |c| format!("  {}", c.source.as_str()));
        row(f, &label, &|d| {
            d.kpis
                .conversion_by_source
                .get(i)
                .map_or("-".to_owned(), |c| sold_of(c.sold, c.closed))
        })?;
    }
    writeln!(f, "  sold/closed by grade at closing")?;
    let grades = dealers
        .first()
        .map(|d| d.kpis.conversion_by_grade.len())
        .unwrap_or(0);
    for i in 0..grades {
        let label = dealers
            .first()
            .and_then(|d| d.kpis.conversion_by_grade.get(i))
            .map_or(String::new(), |c| format!("  {}", c.grade.as_str()));
        row(f, &label, &|d| {
            d.kpis
                .conversion_by_grade
                .get(i)
                .map_or("-".to_owned(), |c| sold_of(c.sold, c.closed))
        })?;
    }
    Ok(())
}

/// What the dealers' staff did, for the activity section.
pub(super) fn activity(
    f: &mut fmt::Formatter<'_>,
    c: &CrmTally,
    line: &dyn Fn(&mut fmt::Formatter<'_>, &str, u64, String) -> fmt::Result,
) -> fmt::Result {
    line(
        f,
        "leads opened",
        c.leads_opened,
        format!("{} of people already known", c.known_people),
    )?;
    line(
        f,
        "leads assigned by a manager",
        c.assignments,
        String::new(),
    )?;
    line(f, "first answers", c.first_answers, String::new())?;
    line(f, "follow-ups", c.follow_ups, String::new())?;
    line(f, "regradings", c.regradings, String::new())?;
    line(
        f,
        "asked to close as lost",
        c.lost_requested,
        format!("approved {}, refused {}", c.lost_approved, c.lost_refused),
    )?;
    line(
        f,
        "test drives booked",
        c.drives_online + c.drives_showroom,
        format!(
            "{} online, {} in showrooms",
            c.drives_online, c.drives_showroom
        ),
    )?;
    line(
        f,
        "test drives driven",
        c.drives_completed,
        format!(
            "no-show {}, cancelled {}",
            c.drives_no_show, c.drives_cancelled
        ),
    )?;
    line(
        f,
        "orders naming their lead",
        c.orders_naming_lead,
        String::new(),
    )
}
