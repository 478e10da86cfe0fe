//! Deliveries sent side by side without reordering what a receiver must
//! see in order.

use crate::store::Delivery;

/// Deliveries in flight at once, each lane in order.
const LANES: usize = 8;

/// The batch split into lanes sent side by side: one receiver's events of
/// one company stay in one lane, in the order they were queued.
pub(super) fn lanes(batch: Vec<Delivery>) -> Vec<Vec<Delivery>> {
    let mut lanes: Vec<Vec<Delivery>> = (0..LANES).map(|_| Vec::new()).collect();
    for d in batch {
        let key = d
            .webhook_id
            .wrapping_mul(31)
            .wrapping_add(d.company_id.unwrap_or(0));
        lanes[key.rem_euclid(LANES as i64) as usize].push(d);
    }
    lanes.retain(|l| !l.is_empty());
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Delivery;

    fn delivery(id: i64, webhook_id: i64, company_id: Option<i64>) -> Delivery {
        Delivery {
            id,
            webhook_id,
            url: String::new(),
            secret: String::new(),
            company_id,
            event: String::new(),
            body: String::new(),
            created_at: 0,
            attempts: 0,
        }
    }

    #[test]
    fn one_receivers_events_of_one_company_keep_their_order_in_one_lane() {
        let batch: Vec<Delivery> = (0..60)
            .map(|i| delivery(i, 1 + i % 2, Some(i % 10)))
            .collect();
        let lanes = lanes(batch);
        assert!(lanes.len() > 1, "sent side by side");
        let mut seen = std::collections::HashMap::new();
        for (n, lane) in lanes.iter().enumerate() {
            for d in lane {
                let key = (d.webhook_id, d.company_id);
                assert_eq!(*seen.entry(key).or_insert(n), n, "{key:?} in one lane");
            }
            let ids: Vec<i64> = lane.iter().map(|d| d.id).collect();
            assert!(ids.is_sorted(), "in the order queued: {ids:?}");
        }
        assert_eq!(lanes.iter().map(Vec::len).sum::<usize>(), 60);
    }
}
