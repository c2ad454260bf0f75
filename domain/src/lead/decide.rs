//! What each lead command does, rule by rule.

use chrono::{DateTime, Utc};

use super::state::Record;
use super::{response_window, FirstResponse, Grade, Lead, LeadCommand, LeadError, LeadEvent};
use crate::decider::Context;
use crate::rules::{checked_reason, ReasonProblem, MAX_REASON_CHARS};

/// Decides what a command does to a lead.
///
/// An uncreated lead only takes `Create`. The checks of each command run
/// in order: who may ask (managers), whether the lead is still open, then
/// the command's own values.
pub fn decide(
    state: &Lead,
    command: LeadCommand,
    ctx: &Context<'_>,
) -> Result<Vec<LeadEvent>, LeadError> {
    let Some(r) = &state.record else {
        return match command {
            LeadCommand::Create { .. } => create(command, ctx),
            _ => Err(LeadError::NotCreated),
        };
    };
    let now = ctx.now;
    match command {
        LeadCommand::Create { .. } => Err(LeadError::AlreadyCreated { lead: r.id }),
        LeadCommand::RecordContact {
            by,
            by_manager,
            channel,
            note,
            grade,
        } => {
            still_open(r)?;
            if let Some(grade) = grade {
                open_grade(grade)?;
            }
            if let Some(assignee) = &r.assigned_to {
                if by.as_ref() != Some(assignee) && !by_manager {
                    return Err(LeadError::AssignedToAnother {
                        assignee: assignee.clone(),
                    });
                }
            }
            let mut events = Vec::new();
            if let (None, Some(user), false) = (&r.assigned_to, &by, by_manager) {
                events.push(LeadEvent::Assigned {
                    user: user.clone(),
                    at: now,
                });
            }
            let first_response = r.first_contact_at.is_none().then(|| FirstResponse {
                after_seconds: (now - r.created_at).num_seconds(),
                in_time: now < r.respond_by,
            });
            events.push(LeadEvent::ContactRecorded {
                by: by.clone(),
                channel,
                note,
                first_response,
                at: now,
            });
            if let Some(to) = grade.filter(|to| *to != r.grade) {
                events.push(LeadEvent::Regraded {
                    from: r.grade,
                    to,
                    by,
                    at: now,
                });
            }
            Ok(events)
        }
        LeadCommand::Assign { user, by_manager } => {
            manager(by_manager)?;
            still_open(r)?;
            if r.assigned_to.as_ref() == Some(&user) {
                return Ok(vec![]);
            }
            Ok(vec![LeadEvent::Assigned { user, at: now }])
        }
        LeadCommand::RequestLost { by, reason } => {
            still_open(r)?;
            if let Some(pending) = &r.lost_request {
                return Err(LeadError::LostAlreadyRequested {
                    by: pending.by.clone(),
                });
            }
            let reason = checked_reason(&reason).map_err(|problem| match problem {
                ReasonProblem::Missing => LeadError::ReasonMissing,
                ReasonProblem::TooLong => LeadError::ReasonTooLong {
                    max: MAX_REASON_CHARS,
                },
            })?;
            Ok(vec![LeadEvent::LostRequested {
                by,
                reason,
                at: now,
            }])
        }
        LeadCommand::DecideLost {
            by,
            by_manager,
            approve,
        } => {
            manager(by_manager)?;
            still_open(r)?;
            let Some(request) = &r.lost_request else {
                return Err(LeadError::NoLostRequest);
            };
            let (requested_by, reason) = (request.by.clone(), request.reason.clone());
            Ok(vec![if approve {
                LeadEvent::Lost {
                    by,
                    requested_by,
                    reason,
                    from: r.grade,
                    at: now,
                }
            } else {
                LeadEvent::LostRefused {
                    by,
                    requested_by,
                    reason,
                    at: now,
                }
            }])
        }
        LeadCommand::MarkSold { order } => match r.sold_with {
            Some(sold) if sold == order => Ok(vec![]),
            Some(sold) => Err(LeadError::AlreadySold { order: sold }),
            None => Ok(vec![LeadEvent::Sold {
                order,
                from: r.grade,
                at: now,
            }]),
        },
        LeadCommand::EnsureAtLeast { grade } => {
            open_grade(grade)?;
            still_open(r)?;
            if r.grade.at_least(grade) {
                return Ok(vec![]);
            }
            Ok(vec![LeadEvent::Regraded {
                from: r.grade,
                to: grade,
                by: None,
                at: now,
            }])
        }
        LeadCommand::RecordBreach => {
            let missed = r.first_contact_at.is_none()
                && !r.sla_breached
                && r.grade.is_open()
                && now >= r.respond_by;
            Ok(if missed {
                vec![LeadEvent::SlaBreached {
                    respond_by: r.respond_by,
                    at: now,
                }]
            } else {
                vec![]
            })
        }
    }
}

/// A new lead: a dealer of the catalog, a model sold in its market, an open
/// grade; to be answered within the response window.
fn create(command: LeadCommand, ctx: &Context<'_>) -> Result<Vec<LeadEvent>, LeadError> {
    let LeadCommand::Create {
        lead,
        customer,
        dealer,
        model,
        source,
        grade,
        note,
        assigned_to,
    } = command
    else {
        return Err(LeadError::NotCreated);
    };
    let Some(at_dealer) = ctx.catalog.dealer(&dealer) else {
        return Err(LeadError::UnknownDealer { dealer });
    };
    let Some(offered) = ctx.catalog.model(&model) else {
        return Err(LeadError::UnknownModel { model });
    };
    if !offered.prices.contains_key(&at_dealer.market) {
        return Err(LeadError::ModelNotSoldInMarket {
            model,
            market: at_dealer.market.clone(),
        });
    }
    open_grade(grade)?;
    Ok(vec![LeadEvent::Created {
        lead,
        customer,
        dealer,
        model,
        source,
        grade,
        note,
        assigned_to,
        respond_by: ctx
            .now
            .checked_add_signed(response_window())
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        at: ctx.now,
    }])
}

/// Refuses a closed lead (F or S).
fn still_open(r: &Record) -> Result<(), LeadError> {
    if r.grade.is_open() {
        Ok(())
    } else {
        Err(LeadError::LeadClosed { grade: r.grade })
    }
}

/// Refuses F and S where a command sets a grade: F takes a manager's
/// approval, S an order.
fn open_grade(grade: Grade) -> Result<(), LeadError> {
    if grade.is_open() {
        Ok(())
    } else {
        Err(LeadError::GradeNotAllowed { grade })
    }
}

fn manager(by_manager: bool) -> Result<(), LeadError> {
    if by_manager {
        Ok(())
    } else {
        Err(LeadError::NotManager)
    }
}
