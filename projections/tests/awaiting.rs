//! Which orders await supply as of a position (the fulfilment manager's retry when supply
//! appears).

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use app::SupplyView;
use domain::values::OrderId;
use projections::Supply;
use support::world::World;

/// Supply appearing at a position retries the orders that wait as of it: those found waiting
/// for capacity, and those whose own event came before it yet hold nothing. An order placed
/// later is its own event's work, further on in the log (at a launch the view holds thousands
/// of them, and fulfilling them one by one from a supply event held everything else up).
#[tokio::test]
async fn orders_placed_after_a_position_do_not_await_supply_as_of_it() {
    let (events, read_models, _dir) = support::sqlite().await;
    let runner = support::runner(&events, &read_models, 7).await;
    let views = support::views(&runner, &events, &read_models);
    let supply = Supply::new(views.clone()).with_wait(Duration::from_secs(10));
    let mut w = World::new(Arc::clone(&events));

    let waiting = w
        .place("C-1001", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.await_capacity(waiting).await.unwrap();
    let unhandled = w
        .place("C-1002", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    let supply_at = w.head().await;
    let later = w
        .place("C-1003", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    let later_waiting = w
        .place("C-1004", "D-BER-01", "DE", "AURA", &[])
        .await
        .unwrap();
    w.await_capacity(later_waiting).await.unwrap();
    let head = w.head().await;

    // Read with the view at the head: `later` is in it, as `placed`, yet not awaiting as of
    // `supply_at`; `later_waiting` was found waiting, so it is.
    runner
        .wait_for(head, Duration::from_secs(10))
        .await
        .unwrap();
    // (All placed at the same instant of the simulated clock: oldest first is by id then.)
    let sorted = |mut ids: Vec<OrderId>| {
        ids.sort();
        ids
    };
    assert_eq!(
        supply.awaiting(supply_at).await.unwrap(),
        sorted(vec![waiting, unhandled, later_waiting])
    );
    assert_eq!(
        supply.awaiting(head).await.unwrap(),
        sorted(vec![waiting, unhandled, later, later_waiting])
    );
    runner.stop().await;
}
