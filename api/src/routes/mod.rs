//! The HTTP routes, one module per resource. Handlers are thin: extract,
//! build the command or query, call one service, map the view.

pub mod board_stream;
pub mod catalog;
pub mod clock;
pub mod crm_kpis;
pub mod customer_reads;
pub mod customers;
pub mod estimate;
pub mod health;
pub mod lead_views;
pub mod leads;
pub mod lists;
pub mod locate;
pub mod messages;
pub mod money;
pub mod order_commands;
pub mod password_resets;
pub mod people_input;
pub mod promises;
pub mod reads;
pub mod staff;
pub mod supply_commands;
pub mod supply_reads;
pub mod test_drives;
