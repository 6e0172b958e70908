//! The mood summary: what a mood chart needs, per day or week in the user's time zone.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The longest range a summary covers, so its cost stays bounded.
pub const MAX_RANGE: SignedDuration = SignedDuration::from_hours(24 * 366);

/// How entries are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// One bucket per calendar day.
    Day,
    /// One bucket per ISO week, starting on Monday.
    Week,
}

/// One entry as the summary sees it.
#[derive(Debug, Clone)]
pub struct MoodPoint {
    /// The score, 1 to 10.
    pub score: u8,
    /// The entry's tags.
    pub tags: Vec<String>,
    /// When the mood was felt.
    pub recorded_at: Timestamp,
}

/// Count, mean, min and max of a set of scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// How many entries.
    pub count: u32,
    /// The mean score, rounded to two decimals; `None` when there are no entries.
    pub mean: Option<f64>,
    /// The lowest score.
    pub min: Option<u8>,
    /// The highest score.
    pub max: Option<u8>,
}

/// One bucket of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketStats {
    /// The first local date of the bucket (the Monday for weeks).
    pub start: Date,
    /// The scores recorded in it.
    pub stats: Stats,
}

/// One tag's scores over the whole range.
#[derive(Debug, Clone, PartialEq)]
pub struct TagStats {
    /// The tag.
    pub tag: String,
    /// The entries carrying it.
    pub count: u32,
    /// Their mean score, rounded to two decimals.
    pub mean: f64,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodSummary {
    /// Every bucket from the one holding `from` to the one holding `to`, empty ones included,
    /// so a chart can show gaps.
    pub buckets: Vec<BucketStats>,
    /// Per tag, most used first (ties by name).
    pub tags: Vec<TagStats>,
    /// All entries of the range together.
    pub overall: Stats,
}

#[derive(Default)]
struct Acc {
    count: u32,
    sum: u64,
    min: Option<u8>,
    max: Option<u8>,
}

impl Acc {
    fn add(&mut self, score: u8) {
        self.count += 1;
        self.sum += u64::from(score);
        self.min = Some(self.min.map_or(score, |m| m.min(score)));
        self.max = Some(self.max.map_or(score, |m| m.max(score)));
    }

    fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| round2(self.sum as f64 / f64::from(self.count)))
    }

    fn stats(&self) -> Stats {
        Stats {
            count: self.count,
            mean: self.mean(),
            min: self.min,
            max: self.max,
        }
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn bucket_start(date: Date, bucket: Bucket) -> Date {
    match bucket {
        Bucket::Day => date,
        Bucket::Week => {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            date.checked_sub(back.days()).unwrap_or(date)
        }
    }
}

/// Summarises `points` recorded between `from` and `to` (inclusive), bucketed in `tz`.
/// Points outside the range are ignored.
pub fn summarize(
    points: &[MoodPoint],
    from: Timestamp,
    to: Timestamp,
    bucket: Bucket,
    tz: &TimeZone,
) -> MoodSummary {
    let first = bucket_start(from.to_zoned(tz.clone()).date(), bucket);
    let last = bucket_start(to.to_zoned(tz.clone()).date(), bucket);
    let step = match bucket {
        Bucket::Day => 1.day(),
        Bucket::Week => 1.week(),
    };
    let mut buckets: BTreeMap<Date, Acc> = first
        .series(step)
        .take_while(|d| *d <= last)
        .map(|d| (d, Acc::default()))
        .collect();
    let mut tags: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut overall = Acc::default();
    for point in points
        .iter()
        .filter(|p| from <= p.recorded_at && p.recorded_at <= to)
    {
        let start = bucket_start(point.recorded_at.to_zoned(tz.clone()).date(), bucket);
        buckets.entry(start).or_default().add(point.score);
        overall.add(point.score);
        for tag in &point.tags {
            tags.entry(tag).or_default().add(point.score);
        }
    }
    let mut tags: Vec<TagStats> = tags
        .into_iter()
        .map(|(tag, acc)| TagStats {
            tag: tag.to_owned(),
            count: acc.count,
            mean: acc.mean().unwrap_or_default(),
        })
        .collect();
    tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    MoodSummary {
        buckets: buckets
            .into_iter()
            .map(|(start, acc)| BucketStats {
                start,
                stats: acc.stats(),
            })
            .collect(),
        tags,
        overall: overall.stats(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(score: u8, tags: &[&str], at: &str) -> MoodPoint {
        MoodPoint {
            score,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            recorded_at: at.parse().unwrap(),
        }
    }

    #[test]
    fn days_are_cut_in_the_users_time_zone_and_empty_days_are_kept() {
        let tz = TimeZone::get("America/New_York").unwrap();
        // 03:00 UTC on the 2nd is still the 1st in New York.
        let points = [
            point(4, &["work"], "2026-03-02T03:00:00Z"),
            point(8, &["work", "sleep"], "2026-03-01T15:00:00Z"),
            point(6, &[], "2026-03-03T15:00:00Z"),
        ];
        let from = "2026-03-01T05:00:00Z".parse().unwrap();
        let to = "2026-03-04T04:59:59Z".parse().unwrap();
        let summary = summarize(&points, from, to, Bucket::Day, &tz);
        let days: Vec<_> = summary
            .buckets
            .iter()
            .map(|b| (b.start.to_string(), b.stats.count, b.stats.mean))
            .collect();
        assert_eq!(
            days,
            vec![
                ("2026-03-01".into(), 2, Some(6.0)),
                ("2026-03-02".into(), 0, None),
                ("2026-03-03".into(), 1, Some(6.0)),
            ]
        );
        assert_eq!(summary.tags[0].tag, "work");
        assert_eq!(summary.tags[0].mean, 6.0);
        assert_eq!(summary.overall.min, Some(4));
        assert_eq!(summary.overall.max, Some(8));
    }

    #[test]
    fn weeks_start_on_monday_and_means_round_to_two_decimals() {
        let points = [
            point(1, &[], "2026-11-23T10:00:00Z"), // Monday
            point(2, &[], "2026-11-29T10:00:00Z"), // Sunday, same week
            point(2, &[], "2026-11-25T10:00:00Z"),
        ];
        let from = "2026-11-20T00:00:00Z".parse().unwrap();
        let to = "2026-11-30T00:00:00Z".parse().unwrap();
        let summary = summarize(&points, from, to, Bucket::Week, &TimeZone::UTC);
        let starts: Vec<_> = summary
            .buckets
            .iter()
            .map(|b| b.start.to_string())
            .collect();
        assert_eq!(starts, vec!["2026-11-16", "2026-11-23", "2026-11-30"]);
        assert_eq!(summary.buckets[1].stats.count, 3);
        assert_eq!(summary.buckets[1].stats.mean, Some(1.67));
    }
}
