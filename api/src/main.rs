//! `otd`: the order-to-delivery engine's binary.

fn main() {
    let catalog = domain::catalog::Catalog::demo();
    println!(
        "otd {}: catalog {} with {} markets and {} models",
        env!("CARGO_PKG_VERSION"),
        catalog.price_list(),
        catalog.markets().count(),
        catalog.models().count()
    );
}
