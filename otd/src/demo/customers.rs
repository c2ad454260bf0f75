//! Customers, online and in showrooms: they order (now and then a
//! configuration the rules refuse, mostly fixed and sent again), amend
//! before the freeze (some try after it), and a few cancel.
//!
//! An online order is placed by the customer; a showroom order by the
//! dealer for the customer. Whoever placed it acts for it later.

use chrono::Weekday;
use domain::lead::Grade;
use domain::order::{Channel, OrderStatus};
use domain::values::{CustomerId, DealerId, LeadId, MarketCode, ModelCode, OrderId};
use projections::models::leads::LeadDoc;
use projections::views::{LeadFilter, OrderFilter, OrderView};
use rand::Rng;

use super::configs;
use super::world::World;
use super::DemoError;
use api::auth::Role;
use app::services::{PlaceOrder, Scope};

/// Customers who order online (the rest order in a showroom).
const ONLINE: f64 = 0.55;
/// Orders with a configuration the rules refuse.
const BROKEN: f64 = 0.05;
/// Orders of a popular configuration (the ones stock is built in).
const POPULAR: f64 = 0.45;
/// Customers who fix a refused configuration and order again.
const FIX_AND_RETRY: f64 = 0.6;
/// Orders from a customer a dealer has a warm lead for (the order names the lead).
const FROM_LEAD: f64 = 0.4;
/// Orders from a customer who ordered before.
const RETURNING: f64 = 0.08;
/// Amendments and cancellations per order placed on an average day.
const AMENDMENTS: f64 = 0.1;
/// Amendments tried on an order that can no longer change.
const TOO_LATE: f64 = 0.15;
const CANCELLATIONS: f64 = 0.06;
const CANCEL_REASONS: &[&str] = &[
    "changed my mind",
    "financing declined",
    "bought another car",
    "moving abroad",
    "delivery takes too long",
];

/// Today's orders: on average `orders_per_day` on weekdays, fewer at the
/// weekend.
pub(super) async fn place_orders(world: &mut World<'_>, weekday: Weekday) -> Result<(), DemoError> {
    let factor = match weekday {
        Weekday::Sat => 0.8,
        Weekday::Sun => 0.4,
        _ => 1.0,
    };
    let most = (2.0 * f64::from(world.orders_per_day) * factor).round() as u32;
    for _ in 0..world.between(0, most) {
        place_one(world).await?;
    }
    Ok(())
}

/// What one customer wants.
struct Wish {
    customer: CustomerId,
    dealer: DealerId,
    market: MarketCode,
    model: ModelCode,
    channel: Channel,
    /// The lead the order comes from.
    lead: Option<LeadId>,
}

async fn place_one(world: &mut World<'_>) -> Result<(), DemoError> {
    let dealers: Vec<_> = world.catalog.dealers().cloned().collect();
    let Some(dealer) = world.pick(&dealers).cloned() else {
        return Ok(());
    };
    let models: Vec<ModelCode> = configs::offers(&world.catalog)
        .into_iter()
        .filter(|(m, _)| m == &dealer.market)
        .map(|(_, model)| model)
        .collect();
    let Some(model) = world.pick(&models).cloned() else {
        return Ok(());
    };
    let channel = if world.chance(ONLINE) {
        Channel::Online
    } else {
        Channel::Showroom
    };
    let showroom = (channel == Channel::Showroom).then_some(&dealer.id);
    let warm = if world.chance(FROM_LEAD) {
        warm_lead(world, &dealer.id)
            .await?
            .filter(|l| models.contains(&l.model))
    } else {
        None
    };
    let wish = match warm {
        Some(lead) => Wish {
            customer: lead.customer_id,
            dealer: dealer.id.clone(),
            market: dealer.market.clone(),
            model: lead.model,
            channel,
            lead: Some(lead.lead_id),
        },
        None => Wish {
            customer: customer(world, &dealer.market, showroom).await?,
            dealer: dealer.id.clone(),
            market: dealer.market.clone(),
            model,
            channel,
            lead: None,
        },
    };
    let draw: f64 = world.rng.random();
    let (catalog, rng) = (&world.catalog, &mut world.rng);
    let options = if draw < BROKEN {
        configs::broken(catalog, rng, &wish.market, &wish.model)
    } else if draw < BROKEN + POPULAR {
        world
            .configs
            .popular(catalog, rng, &wish.market, &wish.model)
    } else {
        configs::valid(catalog, rng, &wish.market, &wish.model)
    };
    if !order(world, &wish, options).await? && world.chance(FIX_AND_RETRY) {
        let options = configs::valid(&world.catalog, &mut world.rng, &wish.market, &wish.model);
        order(world, &wish, options).await?;
    }
    Ok(())
}

/// One of `dealer`'s open leads closest to buying (H, A or B; else C), if any.
async fn warm_lead(world: &mut World<'_>, dealer: &DealerId) -> Result<Option<LeadDoc>, DemoError> {
    let filter = LeadFilter {
        open_only: true,
        ..LeadFilter::default()
    };
    let open = world.views.leads_of_dealer(dealer, &filter).await?;
    let warmest = |grades: &[Grade]| -> Vec<LeadDoc> {
        open.iter()
            .filter(|l| grades.contains(&l.grade))
            .cloned()
            .collect()
    };
    let mut warm = warmest(&[Grade::H, Grade::A, Grade::B]);
    if warm.is_empty() {
        warm = warmest(&[Grade::C]);
    }
    Ok(world.pick(&warm).cloned())
}

/// A returning customer of `market` now and then, else a new one (registered online, or
/// by the dealer in `showroom`).
async fn customer(
    world: &mut World<'_>,
    market: &MarketCode,
    showroom: Option<&DealerId>,
) -> Result<CustomerId, DemoError> {
    let known: Vec<CustomerId> = world
        .customers
        .iter()
        .filter(|(_, m)| *m == market)
        .map(|(c, _)| c.clone())
        .collect();
    if !known.is_empty() && world.chance(RETURNING) {
        if let Some(c) = world.pick(&known) {
            return Ok(c.clone());
        }
    }
    let id = super::people::new_customer(world, market, showroom).await?;
    world.customers.insert(id.clone(), market.clone());
    Ok(id)
}

/// Places the order; whether it was accepted.
async fn order(
    world: &mut World<'_>,
    wish: &Wish,
    options: Vec<domain::values::OptionCode>,
) -> Result<bool, DemoError> {
    world.tally.order_attempts += 1;
    let attempt = world.tally.order_attempts;
    let id = OrderId::derived(&format!("demo:{}:order:{attempt}", world.seed));
    let metadata = match wish.channel {
        Channel::Online => world.by(Role::Customer, wish.customer.as_str()),
        Channel::Showroom => world.by(Role::Dealer, wish.dealer.as_str()),
    };
    let input = PlaceOrder {
        lead: wish.lead,
        order: id,
        customer: wish.customer.clone(),
        dealer: wish.dealer.clone(),
        // A showroom sale is made by the delivering outlet itself.
        selling_dealer: (wish.channel == Channel::Showroom).then(|| wish.dealer.clone()),
        market: wish.market.clone(),
        model: wish.model.clone(),
        options,
        channel: wish.channel,
    };
    let result = world.services.place_order(input, &metadata).await;
    let placed = world.judge("placing an order", result)?.is_some();
    if placed {
        if wish.lead.is_some() {
            world.tally.crm.orders_naming_lead += 1;
        }
        world.channels.insert(id, wish.channel);
        match wish.channel {
            Channel::Online => world.tally.online += 1,
            Channel::Showroom => world.tally.showroom += 1,
        }
    }
    world.settle().await?;
    Ok(placed)
}

/// Who acts for an order: its customer when ordered online, its dealer
/// when ordered in the showroom.
fn acting_for(world: &World<'_>, order: &OrderView) -> store::Metadata {
    match world.channels.get(&order.order_id) {
        Some(Channel::Online) => world.by(Role::Customer, order.customer_id.as_str()),
        _ => world.by(Role::Dealer, order.dealer_id.as_str()),
    }
}

/// How many of something happen today, at `rate` per order of an average
/// day.
fn today_count(world: &mut World<'_>, rate: f64) -> u32 {
    (0..world.orders_per_day)
        .filter(|_| world.chance(rate))
        .count() as u32
}

/// The orders in one of `statuses`, newest first.
async fn orders_in(
    world: &World<'_>,
    statuses: &[OrderStatus],
) -> Result<Vec<OrderView>, DemoError> {
    let all = world.views.orders(&OrderFilter::default()).await?;
    Ok(all
        .into_iter()
        .filter(|o| statuses.contains(&o.status))
        .collect())
}

/// A few customers change a choice, mostly while they still can; some try
/// after the freeze (or once their stock car has left) and are refused.
pub(super) async fn amend(world: &mut World<'_>) -> Result<(), DemoError> {
    let count = today_count(world, AMENDMENTS);
    if count == 0 {
        return Ok(());
    }
    let today = world.today();
    let open = [
        OrderStatus::Placed,
        OrderStatus::Allocated,
        OrderStatus::Scheduled,
        OrderStatus::InProduction,
        OrderStatus::InTransit,
    ];
    let (changeable, frozen): (Vec<OrderView>, Vec<OrderView>) =
        orders_in(world, &open).await?.into_iter().partition(|o| {
            let before_build = matches!(
                o.status,
                OrderStatus::Placed | OrderStatus::Allocated | OrderStatus::Scheduled
            );
            before_build && !matches!(o.changeable_until, Some(d) if d < today)
        });
    for _ in 0..count {
        let pool = if world.chance(TOO_LATE) {
            &frozen
        } else {
            &changeable
        };
        let Some(o) = world.pick(pool).cloned() else {
            continue;
        };
        let changed = configs::amended(
            &world.catalog,
            &mut world.rng,
            &o.market,
            &o.model,
            &o.options,
        );
        let Some(options) = changed else { continue };
        let metadata = acting_for(world, &o);
        let result = world
            .services
            .amend_order(o.order_id, options, &Scope::AnyOrder, &metadata)
            .await;
        if world.judge("amending an order", result)?.is_some() {
            world.tally.amendments += 1;
        }
        world.settle().await?;
    }
    Ok(())
}

/// A few customers cancel before delivery: the deposit is refunded before
/// the freeze (or the dispatch of a stock car), forfeited after.
pub(super) async fn cancel(world: &mut World<'_>) -> Result<(), DemoError> {
    let count = today_count(world, CANCELLATIONS);
    if count == 0 {
        return Ok(());
    }
    let open: Vec<OrderStatus> = OrderStatus::ALL
        .into_iter()
        .filter(|s| !matches!(s, OrderStatus::Delivered | OrderStatus::Cancelled))
        .collect();
    let mut candidates = orders_in(world, &open).await?;
    for _ in 0..count {
        if candidates.is_empty() {
            break;
        }
        let index = world.between(0, candidates.len() as u32 - 1) as usize;
        let o = candidates.remove(index);
        let reason = world
            .pick(CANCEL_REASONS)
            .copied()
            .unwrap_or("changed my mind");
        let metadata = acting_for(world, &o);
        let result = world
            .services
            .cancel_order(o.order_id, reason, &Scope::AnyOrder, &metadata)
            .await;
        if let Some(cancelled) = world.judge("cancelling an order", result)? {
            world.tally.cancellations += 1;
            if cancelled.deposit_forfeited.is_positive() {
                world.tally.forfeits += 1;
            } else {
                world.tally.refunds += 1;
            }
        }
        world.settle().await?;
    }
    Ok(())
}
