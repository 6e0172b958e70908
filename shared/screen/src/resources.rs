//! Crisis resources per country, from the reviewed data file `resources.json` (sources and
//! review date inside it), compiled into the binary so they are there even when nothing else is.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One service a person can reach now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The service's name.
    pub name: String,
    /// A number to call, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A number to text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// A web page or chat, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it is available, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
}

/// The resources of one country (or the international default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryResources {
    /// ISO 3166-1 alpha-2 codes this entry serves, or `["*"]` for the default.
    pub countries: Vec<String>,
    /// The emergency number.
    pub emergency: String,
    /// Crisis lines.
    pub resources: Vec<Resource>,
    /// Where each fact was checked.
    pub sources: Vec<String>,
}

/// The data file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFile {
    /// When a person last checked every entry against its sources.
    pub reviewed: String,
    /// Who reviewed it.
    pub reviewed_by: String,
    /// Entries; the one with `countries: ["*"]` is the default.
    pub entries: Vec<CountryResources>,
}

const DATA: &str = include_str!("resources.json");

/// The parsed data file. It is checked by a unit test, so a malformed file cannot ship.
pub fn file() -> &'static ResourceFile {
    static FILE: OnceLock<ResourceFile> = OnceLock::new();
    FILE.get_or_init(|| {
        serde_json::from_str(DATA).unwrap_or(ResourceFile {
            reviewed: String::new(),
            reviewed_by: String::new(),
            entries: Vec::new(),
        })
    })
}

/// The resources for `country` (ISO alpha-2, any case), or the international default.
pub fn for_country(country: Option<&str>) -> (&'static CountryResources, bool) {
    let entries = &file().entries;
    let wanted = country.map(str::to_ascii_uppercase);
    if let Some(code) = &wanted
        && let Some(entry) = entries
            .iter()
            .find(|e| e.countries.iter().any(|c| c == code))
    {
        return (entry, true);
    }
    static EMPTY: OnceLock<CountryResources> = OnceLock::new();
    let fallback = entries
        .iter()
        .find(|e| e.countries.iter().any(|c| c == "*"))
        .unwrap_or_else(|| {
            EMPTY.get_or_init(|| CountryResources {
                countries: vec!["*".into()],
                emergency: "112".into(),
                resources: Vec::new(),
                sources: Vec::new(),
            })
        });
    (fallback, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_is_complete_and_sourced() {
        let file: ResourceFile = serde_json::from_str(DATA).expect("resources.json parses");
        assert!(!file.reviewed.is_empty());
        assert!(file.entries.iter().any(|e| e.countries == ["*"]));
        for entry in &file.entries {
            assert!(
                !entry.sources.is_empty(),
                "{:?} has no sources",
                entry.countries
            );
            assert!(!entry.emergency.is_empty());
            assert!(!entry.resources.is_empty());
            for r in &entry.resources {
                assert!(
                    r.phone.is_some() || r.sms.is_some() || r.url.is_some(),
                    "{}",
                    r.name
                );
            }
        }
        for code in ["US", "CA", "GB", "IE", "AU", "DE", "FR", "ES", "MX", "IN"] {
            let (entry, exact) = for_country(Some(code));
            assert!(exact, "{code} missing");
            assert!(!entry.resources.is_empty());
        }
    }

    #[test]
    fn unknown_or_absent_countries_get_the_international_default() {
        assert_eq!(for_country(Some("zz")).0.countries, ["*"]);
        assert!(!for_country(None).1);
        assert!(for_country(Some("es")).1);
    }
}
