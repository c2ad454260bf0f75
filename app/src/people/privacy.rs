//! Merging duplicates and erasing a person.

use domain::claim::ClaimOwner;
use domain::customer::{Customer, CustomerCommand, CustomerError, CustomerEvent};
use domain::values::CustomerId;
use store::Metadata;

use super::profile::vault_failed;
use super::People;
use crate::rejection::{Rejection, ServiceError};
use crate::services::Done;
use crate::steps::{load, run, Reached};
use crate::CommandError;
use crate::Executor;

/// How many merges a chain of merged ids may have (a merged customer's
/// survivor merged again, …): far more than any real history.
const MAX_MERGE_CHAIN: usize = 16;

impl People {
    /// The customer that answers for `customer`: itself, or the survivor it
    /// was merged into (following a chain of merges).
    pub async fn resolve(&self, customer: &CustomerId) -> Result<CustomerId, ServiceError> {
        Ok(resolve(&self.exec, customer).await?.0)
    }

    /// Every id the person `customer` answers for: the survivor of its
    /// merges first, then each duplicate merged into it, however many merges
    /// deep. A customer's own orders, invoices and the rest are those of all
    /// these ids.
    pub async fn identities(&self, customer: &CustomerId) -> Result<Vec<CustomerId>, ServiceError> {
        let (person, _) = resolve(&self.exec, customer).await?;
        self.with_absorbed(person).await
    }

    /// `root` and every duplicate merged into it, however many merges deep
    /// (`root` itself is not resolved: a duplicate names its own line).
    async fn with_absorbed(&self, root: CustomerId) -> Result<Vec<CustomerId>, ServiceError> {
        let mut everyone = vec![root];
        let mut next = 0;
        while next < everyone.len() {
            if everyone.len() > MAX_MERGE_CHAIN * MAX_MERGE_CHAIN {
                return Err(CommandError::Corrupt {
                    stream: format!("customer-{}", everyone[0]),
                    reason: "absorbed more duplicates than any real history has".into(),
                });
            }
            let state = self.customer(&everyone[next]).await?;
            for absorbed in state.absorbed() {
                if !everyone.contains(absorbed) {
                    everyone.push(absorbed.clone());
                }
            }
            next += 1;
        }
        Ok(everyone)
    }

    /// Merges `duplicate` into `survivor`: the duplicate's orders, invoices
    /// and everything else answer as the survivor's from now on, and the
    /// duplicate's id keeps answering, pointing at the survivor. The
    /// duplicate decides first (it refuses a merge into itself, a second
    /// merge, or when erased); the survivor is checked before that and
    /// records the absorption after.
    pub async fn merge(
        &self,
        survivor: &CustomerId,
        duplicate: &CustomerId,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        if survivor == duplicate {
            return Err(rejected(CustomerError::MergeWithItself {
                customer: survivor.clone(),
            }));
        }
        let kept = self.customer(survivor).await?;
        if !kept.registered() {
            return Err(CommandError::NotFound(format!("customer {survivor}")));
        }
        if kept.erased() {
            return Err(rejected(CustomerError::Erased));
        }
        if let Some(into) = kept.merged_into() {
            return Err(rejected(CustomerError::MergedInto(into.clone())));
        }
        if !self.customer(duplicate).await?.registered() {
            return Err(CommandError::NotFound(format!("customer {duplicate}")));
        }
        let at = self.exec.clock().now();
        let merged = run::<Customer>(&self.exec, duplicate, metadata, |_| {
            CustomerCommand::MergeInto {
                survivor: survivor.clone(),
                at,
            }
        })
        .await?;
        // The survivor absorbs the duplicate and whatever the duplicate had
        // absorbed itself, so its list of merged ids stays whole.
        let mut reached = Reached::of(&merged);
        for absorbed in self.with_absorbed(duplicate.clone()).await? {
            let done = run::<Customer>(&self.exec, survivor, metadata, |_| {
                CustomerCommand::Absorb {
                    duplicate: absorbed.clone(),
                    at,
                }
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }
        Ok(Done {
            position: reached.position(&self.exec).await?,
        })
    }

    /// Erases the person `customer` is (and every duplicate merged into
    /// it): records the erasure, gives the contacts back so they can sign up
    /// again, and destroys the profile keys. The billing keys of issued
    /// invoices stay until their retention ends. Safe to repeat: a repeated
    /// erasure finds it recorded and shreds again.
    pub async fn erase(
        &self,
        customer: &CustomerId,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let person = self.resolve(customer).await?;
        let state = self.customer(&person).await?;
        if !state.registered() {
            return Err(CommandError::NotFound(format!("customer {customer}")));
        }
        let everyone = self.identities(&person).await?;
        let mut reached = Reached::Nothing;
        for id in &everyone {
            reached = reached.max(self.erase_one(id, metadata).await?);
        }
        Ok(Done {
            position: reached.position(&self.exec).await?,
        })
    }

    async fn erase_one(
        &self,
        customer: &CustomerId,
        metadata: &Metadata,
    ) -> Result<Reached, ServiceError> {
        let before = self.customer(customer).await?;
        let at = self.exec.clock().now();
        let done = run::<Customer>(&self.exec, customer, metadata, |_| CustomerCommand::Erase {
            at,
        })
        .await?;
        let mut reached = Reached::of(&done);
        let mut claims = before.claims();
        for event in &done.events {
            if let CustomerEvent::Erased { claims: listed, .. } = event {
                claims.extend(listed.iter().cloned());
            }
        }
        claims.sort();
        claims.dedup();
        let owner = ClaimOwner::Customer(customer.clone());
        for claim in &claims {
            reached = reached.max(self.release(claim, &owner, metadata).await?);
        }
        self.vault
            .shred(customer.as_str(), true)
            .await
            .map_err(vault_failed)?;
        Ok(reached)
    }

    /// Destroys the profile keys of customers the log says are erased (a key
    /// table restored from a backup older than an erasure is shredded again)
    /// and the billing keys whose retention has ended. Run at start-up.
    pub async fn reshred(&self, erased: &[CustomerId]) -> Result<usize, ServiceError> {
        let mut destroyed = 0;
        for customer in erased {
            destroyed += self
                .vault
                .shred(customer.as_str(), true)
                .await
                .map_err(vault_failed)?
                .len();
        }
        let now = self.exec.clock().now();
        destroyed += self
            .vault
            .shred_expired(now)
            .await
            .map_err(vault_failed)?
            .len();
        Ok(destroyed)
    }
}

/// The customer that answers for `customer` (itself, or the survivor of its
/// merges) and its state.
pub(crate) async fn resolve(
    exec: &Executor,
    customer: &CustomerId,
) -> Result<(CustomerId, Customer), ServiceError> {
    let mut current = customer.clone();
    for _ in 0..MAX_MERGE_CHAIN {
        let state = load::<Customer>(exec, &current).await?;
        match state.merged_into() {
            Some(survivor) => current = survivor.clone(),
            None => return Ok((current, state)),
        }
    }
    Err(CommandError::Corrupt {
        stream: format!("customer-{customer}"),
        reason: format!("merged more than {MAX_MERGE_CHAIN} times over"),
    })
}

/// Who an order is placed for: the customer (the survivor of a merge) and
/// its sealed profile as the order's billing identity. Refused when the
/// customer does not exist or was erased, and online when its account's
/// e-mail is not verified yet.
pub(crate) async fn buyer(
    exec: &Executor,
    customer: &CustomerId,
    channel: domain::order::Channel,
) -> Result<(CustomerId, Option<domain::values::Sealed>), ServiceError> {
    let (id, state) = resolve(exec, customer).await?;
    if !state.registered() {
        return Err(CommandError::NotFound(format!("customer {customer}")));
    }
    if state.erased() {
        return Err(rejected(CustomerError::Erased));
    }
    if channel == domain::order::Channel::Online && state.has_account() && !state.verified() {
        return Err(CommandError::Rejected(Rejection::EmailUnverified));
    }
    Ok((id, state.profile().cloned()))
}

/// The customer a lead or a test drive is for: registered (`NotFound` otherwise), not
/// erased, answering as the survivor of its merges.
pub(crate) async fn known_person(
    exec: &Executor,
    customer: &CustomerId,
) -> Result<CustomerId, ServiceError> {
    let (id, state) = resolve(exec, customer).await?;
    if !state.registered() {
        return Err(CommandError::NotFound(format!("customer {customer}")));
    }
    if state.erased() {
        return Err(rejected(CustomerError::Erased));
    }
    Ok(id)
}

fn rejected(error: CustomerError) -> ServiceError {
    CommandError::Rejected(Rejection::Customer(error))
}

/// One fact of a person's own record, as an export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    pub position: store::Position,
    pub event_type: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl People {
    /// The facts of `customer`'s own stream, oldest first (what happened to the record:
    /// registration, profile and consent changes, account, merges).
    pub async fn record(&self, customer: &CustomerId) -> Result<Vec<RecordEntry>, ServiceError> {
        let stream = store::StreamId::parse(domain::streams::stream_name::<Customer>(customer))?;
        let mut entries = Vec::new();
        let mut from = 0;
        loop {
            let batch = self.exec.store().read_stream(&stream, from, 500).await?;
            let Some(last) = batch.last() else { break };
            from = last.stream_version + 1;
            let full = batch.len() == 500;
            entries.extend(batch.into_iter().map(|e| RecordEntry {
                position: e.position,
                at: e.occurred_at(),
                event_type: e.event_type,
            }));
            if !full {
                break;
            }
        }
        Ok(entries)
    }
}
