//! Paging through a `Query`, exactly `limit` matching items per page.
//!
//! DynamoDB's `Limit` counts items *read*, before any filter, and hands back a last key even
//! when nothing follows. We ask for one item more than the page needs, so a `next_token`
//! appears only when another item really exists, and with a filter we keep reading (a few
//! round trips at most) until the page is full.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{PK, SK};
use super::{Item, Store, StoreError, s};

/// Where the next page starts: the sort key of the last item returned. The partition key is
/// never part of it; it always comes from the caller's identity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor(pub BTreeMap<String, String>);

impl Cursor {
    fn from_item(item: &Item, key_attrs: &[&str]) -> Option<Self> {
        let mut map = BTreeMap::new();
        for attr in key_attrs.iter().filter(|a| **a != PK) {
            match item.get(*attr) {
                Some(AttributeValue::S(v)) => map.insert((*attr).to_owned(), v.clone()),
                _ => return None,
            };
        }
        Some(Self(map))
    }

    fn into_start_key(self, pk: &str, index: Option<IndexKeys>) -> HashMap<String, AttributeValue> {
        let mut key: HashMap<String, AttributeValue> =
            self.0.into_iter().map(|(k, v)| (k, s(v))).collect();
        key.insert(PK.to_owned(), s(pk));
        if let Some(index) = index {
            // Our indexes partition by the same user key, so it is never in a cursor either.
            key.insert(index.pk.to_owned(), s(pk));
        }
        key
    }
}

/// One page of items and, when more follow, where to continue.
#[derive(Debug)]
pub struct Page<T> {
    /// The items, in query order.
    pub items: Vec<T>,
    /// Where the next page starts.
    pub next: Option<Cursor>,
}

/// A global secondary index whose partition key holds the same user key as `PK`.
#[derive(Debug, Clone, Copy)]
pub struct IndexKeys {
    /// The index name.
    pub name: &'static str,
    /// Its partition key attribute.
    pub pk: &'static str,
    /// Its sort key attribute.
    pub sk: &'static str,
}

/// A `Query` over one user's partition.
#[derive(Debug, Clone)]
pub struct PartitionQuery {
    /// The partition key value.
    pub pk: String,
    /// Query this index instead of the table; `sk_between` then bounds the index sort key.
    pub index: Option<IndexKeys>,
    /// Inclusive sort-key bounds.
    pub sk_between: (String, String),
    /// Newest (highest sort key) first when false.
    pub ascending: bool,
    /// An optional filter expression over non-key attributes.
    pub filter: Option<String>,
    /// Values used by the filter (names start with `:f`).
    pub filter_values: HashMap<String, AttributeValue>,
    /// Attribute names used by the filter or projection (names start with `#`).
    pub names: HashMap<String, String>,
    /// Attributes to read, if not all.
    pub projection: Option<String>,
}

/// Items per page of a whole-partition read (an export, an erasure): about 300 KB of typical
/// items, so each round trip stays well inside the SDK's three-second attempt timeout.
pub const RAW_PAGE_ITEMS: usize = 1000;

/// Query round trips spent filling one filtered page before handing back a cursor.
const MAX_ROUND_TRIPS: usize = 4;

impl PartitionQuery {
    /// A query for every item of `pk` whose sort key lies in `sk_between`.
    pub fn new(pk: String, sk_between: (String, String)) -> Self {
        Self {
            pk,
            index: None,
            sk_between,
            ascending: true,
            filter: None,
            filter_values: HashMap::new(),
            names: HashMap::new(),
            projection: None,
        }
    }
}

impl Store {
    /// Reads one page of at most `limit` items of `query`, starting after `start`.
    pub async fn query_page(
        &self,
        query: &PartitionQuery,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<Page<Item>, StoreError> {
        let mut items: Vec<Item> = Vec::with_capacity(limit + 1);
        let mut start_key = start.map(|c| c.into_start_key(&query.pk, query.index));
        let key_attrs: Vec<&str> = match query.index {
            Some(index) => vec![PK, SK, index.pk, index.sk],
            None => vec![PK, SK],
        };
        for _ in 0..MAX_ROUND_TRIPS {
            let want = limit + 1 - items.len();
            let out = self.query_once(query, want, start_key.take()).await?;
            items.extend(out.items.unwrap_or_default());
            start_key = out.last_evaluated_key;
            if items.len() > limit || start_key.is_none() {
                break;
            }
        }
        if items.len() > limit {
            items.truncate(limit);
            let next = items.last().and_then(|i| Cursor::from_item(i, &key_attrs));
            return Ok(Page { items, next });
        }
        // Out of round trips with the page not full: continue from where reading stopped.
        let next = start_key.and_then(|k| Cursor::from_item(&k, &key_attrs));
        Ok(Page { items, next })
    }

    /// Reads every item of `query`, following DynamoDB's pages, up to `max_items`.
    pub async fn query_all(
        &self,
        query: &PartitionQuery,
        max_items: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start_key = None;
        loop {
            let out = self
                .query_once(query, max_items - items.len(), start_key.take())
                .await?;
            items.extend(out.items.unwrap_or_default());
            start_key = out.last_evaluated_key;
            if start_key.is_none() || items.len() >= max_items {
                return Ok(items);
            }
        }
    }

    /// One page of `query` (at most [`RAW_PAGE_ITEMS`] items, or DynamoDB's 1 MB), from
    /// `start`, with the key to continue from when there is more.
    pub async fn raw_page(
        &self,
        query: &PartitionQuery,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let out = self.query_once(query, RAW_PAGE_ITEMS, start).await?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    async fn query_once(
        &self,
        query: &PartitionQuery,
        limit: usize,
        start_key: Option<HashMap<String, AttributeValue>>,
    ) -> Result<aws_sdk_dynamodb::operation::query::QueryOutput, StoreError> {
        let mut values = query.filter_values.clone();
        values.insert(":pk".to_owned(), s(&query.pk));
        values.insert(":lo".to_owned(), s(&query.sk_between.0));
        values.insert(":hi".to_owned(), s(&query.sk_between.1));
        let condition = match query.index {
            Some(index) => format!("{} = :pk AND {} BETWEEN :lo AND :hi", index.pk, index.sk),
            None => "PK = :pk AND SK BETWEEN :lo AND :hi".to_owned(),
        };
        let mut request = self
            .client()
            .query()
            .table_name(self.table())
            .set_index_name(query.index.map(|i| i.name.to_owned()))
            // Reads of the table see every acknowledged write; indexes cannot offer that.
            .consistent_read(query.index.is_none())
            .key_condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .set_filter_expression(query.filter.clone())
            .set_projection_expression(query.projection.clone())
            .set_exclusive_start_key(start_key)
            .scan_index_forward(query.ascending)
            .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX));
        if !query.names.is_empty() {
            request = request.set_expression_attribute_names(Some(query.names.clone()));
        }
        request.send().await.map_err(StoreError::from_sdk)
    }
}
