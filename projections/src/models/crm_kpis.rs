//! A dealer's CRM KPIs over a period, computed from its lead and test-drive documents (no
//! collection of their own: they are a read of those, at the `now` the caller passes).
//!
//! What is counted where the spec is silent:
//! - **The period** is `from..=to`, dates in the dealer's time zone. A lead belongs to it by
//!   the local date it was created on, a test drive by its local date (the date its id names).
//! - **First response** is measured over the period's answered leads: the median and the 90th
//!   percentile of the minutes from creation to the first contact, by *nearest rank* (the
//!   value at rank ⌈q·n⌉ of the n times sorted ascending, so always an observed time: of 10,
//!   30, 50, 150 and 200 minutes the median is the 3rd, 50, and p90 the 5th, 200). The share
//!   within 2 hours is the leads answered in time over the leads whose 2 hours are decided:
//!   answered, or missed (breach recorded, or still open and unanswered past `respond_by`).
//!   A lead still inside its 2 hours, or closed before anyone answered it (not a breach),
//!   counts in neither.
//! - **SLA breaches**: the period's leads with a recorded breach.
//! - **Overdue follow-ups** is a figure of `now`, not of the period: every open lead of the
//!   dealer whose follow-up is due at `now`, whenever it was created.
//! - **Conversion** (S / all closed) of the period's leads as they stand now, by source and
//!   by the grade a lead was in when it first closed (a lost lead sold later counts as sold,
//!   in the grade it was lost from). Every source and every open grade is listed, in the
//!   domain's order; `rate` is `null` when none closed.
//! - **Test drives**: `booked` counts every drive booked for a day of the period, whatever
//!   became of it; `completed`, `no_show` and `cancelled` are those that ended so.

use chrono::{DateTime, NaiveDate, Utc};
use domain::lead::{Grade, LeadSource};
use domain::test_drive::TestDriveStatus;
use domain::values::DealerId;
use serde::Serialize;

use crate::models::leads::LeadDoc;
use crate::models::test_drives::TestDriveDoc;

/// The CRM KPIs of one dealer over `from..=to` (its local dates).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CrmKpis {
    pub dealer_id: DealerId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Leads created in the period.
    pub leads: u32,
    /// Of those, answered (a first contact recorded).
    pub answered: u32,
    pub first_response: FirstResponseKpis,
    /// Of the period's leads, those with a recorded breach of the 2-hour answer.
    pub sla_breaches: u32,
    /// Open leads of the dealer (created at any time) overdue at `now`.
    pub overdue_follow_ups: u32,
    pub conversion_by_source: Vec<SourceConversion>,
    pub conversion_by_grade: Vec<GradeConversion>,
    pub test_drives: TestDriveCounts,
}

/// How fast the period's leads were first answered.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FirstResponseKpis {
    /// Median minutes from creation to first contact (nearest rank); null before any answer.
    pub median_minutes: Option<f64>,
    /// 90th percentile of the same (nearest rank).
    pub p90_minutes: Option<f64>,
    /// Answered within 2 hours over the leads whose 2 hours are decided (0 to 1).
    pub within_2h_share: Option<f64>,
}

/// Closed leads of one source.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SourceConversion {
    pub source: LeadSource,
    pub sold: u32,
    pub lost: u32,
    pub closed: u32,
    /// `sold / closed`; null when none closed.
    pub rate: Option<f64>,
}

/// Closed leads by the grade they were in when they closed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GradeConversion {
    pub grade: Grade,
    pub sold: u32,
    pub lost: u32,
    pub closed: u32,
    /// `sold / closed`; null when none closed.
    pub rate: Option<f64>,
}

/// The period's test drives by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TestDriveCounts {
    /// Every drive booked for a day of the period.
    pub booked: u32,
    pub completed: u32,
    pub no_show: u32,
    pub cancelled: u32,
}

/// The period a KPI read covers.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// The KPIs of `dealer` from its `leads` and `drives` (every one of the dealer's; the period
/// is applied here), with `local_date` turning an instant into the dealer's date.
pub fn crm_kpis(
    dealer: &DealerId,
    period: Period,
    now: DateTime<Utc>,
    leads: &[LeadDoc],
    drives: &[TestDriveDoc],
    local_date: impl Fn(DateTime<Utc>) -> NaiveDate,
) -> CrmKpis {
    let in_period: Vec<&LeadDoc> = leads
        .iter()
        .filter(|l| period.contains(local_date(l.created_at)))
        .collect();
    let mut minutes: Vec<f64> = in_period
        .iter()
        .filter_map(|l| l.first_response_seconds)
        .map(|seconds| seconds as f64 / 60.0)
        .collect();
    minutes.sort_by(f64::total_cmp);
    let in_time = in_period
        .iter()
        .filter(|l| l.answered_in_time == Some(true))
        .count();
    let decided = in_period.iter().filter(|l| decided(l, now)).count();
    let conversion_by_source = LeadSource::ALL
        .into_iter()
        .map(|source| {
            let (sold, lost) = outcomes(&in_period, |l| l.source == source);
            SourceConversion {
                source,
                sold,
                lost,
                closed: sold + lost,
                rate: rate(sold, sold + lost),
            }
        })
        .collect();
    let conversion_by_grade = Grade::OPEN
        .into_iter()
        .map(|grade| {
            let (sold, lost) = outcomes(&in_period, |l| l.closed_from == Some(grade));
            GradeConversion {
                grade,
                sold,
                lost,
                closed: sold + lost,
                rate: rate(sold, sold + lost),
            }
        })
        .collect();
    let mut test_drives = TestDriveCounts::default();
    for drive in drives.iter().filter(|d| period.contains(d.date())) {
        test_drives.booked += 1;
        match drive.status {
            TestDriveStatus::Booked => {}
            TestDriveStatus::Completed => test_drives.completed += 1,
            TestDriveStatus::NoShow => test_drives.no_show += 1,
            TestDriveStatus::Cancelled => test_drives.cancelled += 1,
        }
    }
    CrmKpis {
        dealer_id: dealer.clone(),
        from: period.from,
        to: period.to,
        leads: count(in_period.len()),
        answered: count(minutes.len()),
        first_response: FirstResponseKpis {
            median_minutes: nearest_rank(&minutes, 0.5),
            p90_minutes: nearest_rank(&minutes, 0.9),
            within_2h_share: rate(count(in_time), count(decided)),
        },
        sla_breaches: count(in_period.iter().filter(|l| l.sla_breached).count()),
        overdue_follow_ups: count(leads.iter().filter(|l| l.open && l.overdue(now)).count()),
        conversion_by_source,
        conversion_by_grade,
        test_drives,
    }
}

/// Whether a lead's 2 hours are decided at `now`: it was answered, its breach was recorded,
/// or it is open, unanswered and past `respond_by`.
fn decided(lead: &LeadDoc, now: DateTime<Utc>) -> bool {
    lead.first_contact_at.is_some()
        || lead.sla_breached
        || (lead.unanswered() && now >= lead.respond_by)
}

/// (sold, lost) among the `leads` that `belong`.
fn outcomes(leads: &[&LeadDoc], belong: impl Fn(&LeadDoc) -> bool) -> (u32, u32) {
    leads
        .iter()
        .filter(|l| belong(l))
        .fold((0, 0), |(sold, lost), l| match l.grade {
            Grade::S => (sold + 1, lost),
            Grade::F => (sold, lost + 1),
            _ => (sold, lost),
        })
}

/// The value at `quantile` (0 to 1) of `sorted` (ascending) by nearest rank: the
/// ⌈quantile·n⌉-th value (at least the first); `None` when empty.
pub fn nearest_rank(sorted: &[f64], quantile: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = ((quantile * n as f64).ceil() as usize).clamp(1, n);
    sorted.get(rank - 1).copied()
}

fn rate(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use domain::catalog::Catalog;
    use domain::test_drive::BookingChannel;
    use domain::values::{CarDayKey, CarId, LeadId, ModelCode, TestDriveId};

    use super::*;
    use crate::models::leads::sample_lead;

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    /// A lead of D-BER-01 created at `created_at`, from `source`, in `grade`.
    fn lead(n: u32, created_at: DateTime<Utc>, source: LeadSource, grade: Grade) -> LeadDoc {
        let mut lead = sample_lead();
        lead.lead_id = LeadId::derived(&format!("kpi-{n}"));
        lead.created_at = created_at;
        lead.respond_by = created_at + Duration::hours(2);
        lead.source = source;
        lead.grade = grade;
        lead.refresh();
        lead
    }

    /// First answered `minutes` after creation (in time when under 2 hours).
    fn answered(mut lead: LeadDoc, minutes: i64) -> LeadDoc {
        let at = lead.created_at + Duration::minutes(minutes);
        lead.first_contact_at = Some(at);
        lead.last_contact_at = Some(at);
        lead.first_response_seconds = Some(minutes * 60);
        lead.answered_in_time = Some(at < lead.respond_by);
        lead.refresh();
        lead
    }

    /// Closed as `to` (S or F) from the grade it is in.
    fn closed(mut lead: LeadDoc, to: Grade) -> LeadDoc {
        lead.closed_from.get_or_insert(lead.grade);
        lead.grade = to;
        lead.refresh();
        lead
    }

    fn breached(mut lead: LeadDoc) -> LeadDoc {
        lead.sla_breached = true;
        lead.breached_at = Some(lead.respond_by);
        lead
    }

    fn drive(date: u32, n: u32, status: TestDriveStatus) -> TestDriveDoc {
        let car = CarId::parse("DC-BER-01-1").unwrap();
        let id = TestDriveId::new(CarDayKey::new(car.clone(), day(date)), n).unwrap();
        let start = utc(date, 9, 0);
        TestDriveDoc {
            test_drive_id: id,
            car_id: car,
            dealer_id: DealerId::parse("D-BER-01").unwrap(),
            model: ModelCode::parse("AURA").unwrap(),
            customer_id: domain::values::CustomerId::parse("C-1001").unwrap(),
            lead_id: None,
            start,
            end: start + Duration::minutes(45),
            channel: BookingChannel::Online,
            status,
            booked_at: utc(20, 9, 0),
            updated_at: utc(20, 9, 0),
        }
    }

    #[test]
    fn the_kpis_of_a_week_match_the_hand_computed_figures() {
        use Grade::*;
        use LeadSource::*;
        let catalog = Catalog::demo();
        let berlin = catalog
            .dealer(&DealerId::parse("D-BER-01").unwrap())
            .unwrap();
        // The week of 23 to 29 November in Berlin (UTC+1), read at noon UTC on the 29th.
        let now = utc(29, 12, 0);
        let leads = vec![
            // Answered after 10, 30, 50, 150 and 200 minutes.
            answered(lead(1, utc(23, 8, 0), Web, B), 10),
            closed(answered(lead(2, utc(23, 9, 0), Web, A), 30), S),
            closed(answered(lead(3, utc(24, 9, 0), Showroom, B), 50), F),
            closed(
                breached(answered(lead(4, utc(24, 10, 0), Phone, H), 150)),
                S,
            ),
            answered(lead(5, utc(25, 9, 0), Phone, C), 200),
            // Never answered: the breach is recorded.
            breached(lead(6, utc(26, 9, 0), Event, D)),
            // Created half an hour ago: its 2 hours run until 13:30.
            lead(7, utc(29, 11, 30), LiveStream, B),
            // 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin: in the week. Lost before
            // anyone answered it (no breach: nothing left to answer).
            closed(lead(8, utc(22, 23, 30), Web, C), F),
            // 22:30 UTC on the 22nd is 23:30 on the 22nd in Berlin: before the week. Open,
            // never answered.
            lead(9, utc(22, 22, 30), Showroom, A),
            // Lost from B, then the customer came back and bought.
            closed(closed(lead(10, utc(27, 9, 0), Web, B), F), S),
        ];
        let drives = vec![
            drive(22, 1, TestDriveStatus::Completed),
            drive(23, 1, TestDriveStatus::Completed),
            drive(24, 1, TestDriveStatus::NoShow),
            drive(25, 1, TestDriveStatus::Cancelled),
            drive(27, 1, TestDriveStatus::Booked),
            drive(30, 1, TestDriveStatus::Booked),
        ];
        let kpis = crm_kpis(
            &berlin.id,
            Period {
                from: day(23),
                to: day(29),
            },
            now,
            &leads,
            &drives,
            |at| berlin.local_date(at),
        );

        // In the week: leads 1 to 8 and 10 (9 is the 22nd's) = 9; answered: 1 to 5 = 5.
        assert_eq!((kpis.leads, kpis.answered), (9, 5));
        // Minutes sorted: 10, 30, 50, 150, 200. Median: rank ⌈0.5·5⌉ = 3 → 50; p90: rank
        // ⌈0.9·5⌉ = 5 → 200. In time: 1, 2, 3 (under 120 minutes) = 3; decided: the 5
        // answered + 6 (breached) = 6 (7 is inside its 2 hours, 8 and 10 closed unanswered
        // without a breach) → 3 / 6 = 0.5.
        assert_eq!(kpis.first_response.median_minutes, Some(50.0));
        assert_eq!(kpis.first_response.p90_minutes, Some(200.0));
        assert_eq!(kpis.first_response.within_2h_share, Some(0.5));
        // Breaches recorded: 4 and 6.
        assert_eq!(kpis.sla_breaches, 2);
        // Overdue at noon on the 29th, whenever created: 1 (B, last contact 23rd 08:10 + 5
        // days = 28th 08:10), 6 (never answered: due at its respond_by, 26th 11:00), 9 (due
        // 23rd 00:30 UTC). Not 5 (C: 25th 12:20 + 15 days) nor 7 (due 13:30).
        assert_eq!(kpis.overdue_follow_ups, 3);

        let by_source: Vec<(LeadSource, u32, u32, u32, Option<f64>)> = kpis
            .conversion_by_source
            .iter()
            .map(|c| (c.source, c.sold, c.lost, c.closed, c.rate))
            .collect();
        assert_eq!(
            by_source,
            [
                // 2 and 10 sold, 8 lost: 2 / 3.
                (Web, 2, 1, 3, Some(2.0 / 3.0)),
                // 3 lost.
                (Showroom, 0, 1, 1, Some(0.0)),
                // 4 sold; 5 is open.
                (Phone, 1, 0, 1, Some(1.0)),
                (Event, 0, 0, 0, None),
                (LiveStream, 0, 0, 0, None),
            ]
        );
        let by_grade: Vec<(Grade, u32, u32, u32, Option<f64>)> = kpis
            .conversion_by_grade
            .iter()
            .map(|c| (c.grade, c.sold, c.lost, c.closed, c.rate))
            .collect();
        assert_eq!(
            by_grade,
            [
                // 4 sold from H; 2 sold from A.
                (H, 1, 0, 1, Some(1.0)),
                (A, 1, 0, 1, Some(1.0)),
                // 3 lost from B; 10 lost from B, then sold: counted sold, in B. 1 / 2.
                (B, 1, 1, 2, Some(0.5)),
                // 8 lost from C.
                (C, 0, 1, 1, Some(0.0)),
                (D, 0, 0, 0, None),
            ]
        );
        // Drives on the 23rd to the 29th: completed (23rd), no-show (24th), cancelled (25th),
        // booked (27th) = 4 booked; the 22nd's and the 30th's are outside.
        assert_eq!(
            kpis.test_drives,
            TestDriveCounts {
                booked: 4,
                completed: 1,
                no_show: 1,
                cancelled: 1,
            }
        );
    }

    #[test]
    fn a_period_without_leads_has_no_rates() {
        let dealer = DealerId::parse("D-BER-01").unwrap();
        let period = Period {
            from: day(1),
            to: day(2),
        };
        let kpis = crm_kpis(&dealer, period, utc(3, 0, 0), &[], &[], |at| {
            at.date_naive()
        });
        assert_eq!(
            (kpis.leads, kpis.answered, kpis.overdue_follow_ups),
            (0, 0, 0)
        );
        assert_eq!(kpis.first_response.median_minutes, None);
        assert_eq!(kpis.first_response.within_2h_share, None);
        assert!(kpis.conversion_by_source.iter().all(|c| c.rate.is_none()));
        assert_eq!(kpis.conversion_by_grade.len(), 5);
        assert_eq!(kpis.test_drives, TestDriveCounts::default());
    }

    #[test]
    fn nearest_rank_picks_an_observed_value() {
        let sorted = [10.0, 30.0, 50.0, 150.0, 200.0];
        assert_eq!(nearest_rank(&sorted, 0.5), Some(50.0));
        assert_eq!(nearest_rank(&sorted, 0.9), Some(200.0));
        assert_eq!(nearest_rank(&sorted, 0.0), Some(10.0));
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }
}
