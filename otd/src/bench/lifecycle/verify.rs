//! After the clock stops: the bench checks its own work in the log and in the read models.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use domain::order::{Order, OrderStatus};
use domain::streams::Aggregate;
use domain::values::OrderId;
use projections::views::OrderFilter;
use projections::ReadModels;
use store::{EventStore, Position};

use super::{order_id, Plan, COMMANDS, PAGE};

/// Reads the whole log: exactly seven events in each of the N order streams, the last one
/// the handover (the customers registered before the run are not counted). Returns the
/// number of order events.
pub(super) async fn verify_log(events: &Arc<dyn EventStore>, orders: u64) -> Result<u64, String> {
    let mut streams: HashMap<String, (u64, String)> = HashMap::new();
    let mut after = Position::START;
    let mut total = 0u64;
    loop {
        let page = events
            .read_all(after, PAGE)
            .await
            .map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = last.position;
        let order_stream = format!("{}-", Order::CATEGORY);
        for event in page
            .into_iter()
            .filter(|e| e.stream_id.as_str().starts_with(&order_stream))
        {
            total += 1;
            let entry = streams
                .entry(event.stream_id.as_str().to_owned())
                .or_default();
            entry.0 += 1;
            entry.1 = event.event_type;
        }
    }
    if total != orders * COMMANDS {
        return Err(format!(
            "{total} events in the log, expected {}",
            orders * COMMANDS
        ));
    }
    if streams.len() as u64 != orders {
        return Err(format!("{} streams, expected {orders}", streams.len()));
    }
    let unfinished = streams
        .iter()
        .filter(|(stream, (count, last))| {
            !stream.starts_with(&format!("{}-", Order::CATEGORY))
                || *count != COMMANDS
                || last != "OrderDelivered"
        })
        .count();
    if unfinished > 0 {
        return Err(format!(
            "{unfinished} streams are not a delivered order's seven events"
        ));
    }
    Ok(total)
}

/// Every order is delivered in the tracker, and the dealer boards count N deliveries.
pub(super) async fn verify_views(
    views: &ReadModels,
    plan: &Plan,
    orders: u64,
) -> Result<(), String> {
    let filter = OrderFilter {
        status: Some(OrderStatus::Delivered),
        ..OrderFilter::default()
    };
    let listed: HashSet<OrderId> = views
        .orders(&filter)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|view| view.order_id)
        .collect();
    let missing = (0..orders)
        .filter(|n| !listed.contains(&order_id(*n)))
        .count();
    let mut on_boards = 0u64;
    for dealer in &plan.dealers {
        let board = views
            .dealer_board(dealer)
            .await
            .map_err(|e| e.to_string())?;
        on_boards += u64::from(board.counts.get("delivered").copied().unwrap_or(0));
    }
    if missing > 0 || listed.len() as u64 != orders || on_boards != orders {
        return Err(format!(
            "{} delivered in the tracker ({missing} of the orders missing), {on_boards} on the \
             boards, expected {orders}",
            listed.len()
        ));
    }
    Ok(())
}
