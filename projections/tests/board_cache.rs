//! The dealer board is kept warm between requests (`views/board.rs`): after every change it
//! must equal a board computed from scratch, on every backend.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use projections::ReadModelStore;
use store::EventStore;
use support::world::{dealer, World};

async fn warm_board_equals_a_fresh_one(
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
) {
    let runner = support::runner(&events, &read_models, 7).await;
    let warm = support::views(&runner, &events, &read_models);
    let berlin = dealer("D-BER-01");
    let mut w = World::new(Arc::clone(&events));
    let mut orders = Vec::new();
    w.open_capacity("P-LEIPZIG", "2027-W02", 2).await.unwrap();
    for round in 0..4 {
        for n in 0..3 {
            let customer = format!("C-{}", 100 + round * 3 + n);
            let order = w
                .place(&customer, "D-BER-01", "DE", "AURA", &["PNT-RED"])
                .await
                .unwrap();
            orders.push(order);
        }
        // Changes to orders already on the board: one booked, one cancelled, one amended.
        match round {
            1 => w.schedule(orders[0], "2027-W02").await.unwrap(),
            2 => w.cancel(orders[1], "changed my mind").await.unwrap(),
            3 => w.amend(orders[2], &["PNT-BLK"]).await.unwrap(),
            _ => {}
        }
        let head = w.head().await;
        runner
            .wait_for(head, Duration::from_secs(10))
            .await
            .unwrap();
        let served = warm.dealer_board(&berlin).await.unwrap();
        let served_json = warm.dealer_board_json(&berlin).await.unwrap();
        let fresh = support::views(&runner, &events, &read_models)
            .dealer_board(&berlin)
            .await
            .unwrap();
        assert_eq!(served, fresh, "round {round}");
        assert_eq!(served.orders.len(), orders.len());
        assert_eq!(
            String::from_utf8(served_json.to_vec()).unwrap(),
            serde_json::to_string(&*fresh).unwrap(),
            "the kept rows' JSON is serde's, byte for byte"
        );
        let cancelled = domain::order::OrderStatus::Cancelled;
        let without = warm
            .dealer_board_json_except(&berlin, Some(cancelled))
            .await
            .unwrap();
        let mut expected = (*fresh).clone();
        expected.orders.retain(|r| r.status != cancelled);
        assert_eq!(
            String::from_utf8(without.to_vec()).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }
    let board = warm.dealer_board(&berlin).await.unwrap();
    assert_eq!(board.counts["cancelled"], 1);
    assert_eq!(board.counts["scheduled"], 1);
    runner.stop().await;
}

#[tokio::test]
async fn a_warm_board_equals_a_fresh_one_in_memory() {
    let (events, read_models) = support::memory();
    warm_board_equals_a_fresh_one(events, read_models).await;
}

#[tokio::test]
async fn a_warm_board_equals_a_fresh_one_on_sqlite() {
    let (events, read_models, _dir) = support::sqlite().await;
    warm_board_equals_a_fresh_one(events, read_models).await;
}

#[tokio::test]
async fn a_warm_board_equals_a_fresh_one_on_postgres() {
    let Some((events, read_models, _schema)) = support::pg::fresh().await else {
        return;
    };
    warm_board_equals_a_fresh_one(events, read_models).await;
}
