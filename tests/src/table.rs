//! Creates the local table exactly as `template.yaml` declares it (key schema, attribute
//! definitions, indexes, TTL), and the local secret. Reading the template, rather than
//! repeating it, is what keeps local runs and AWS from drifting apart.

use std::path::Path;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde_yaml::Value;

/// Something about the template or the local services is not as expected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(String);

fn err(what: impl std::fmt::Display) -> SetupError {
    SetupError(what.to_string())
}

/// The table as the template declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// Attribute definitions: name and type (`S`, `N`, `B`).
    pub attributes: Vec<(String, String)>,
    /// Key schema: name and role (`HASH`, `RANGE`).
    pub keys: Vec<(String, String)>,
    /// Global secondary indexes.
    pub indexes: Vec<IndexSpec>,
    /// The TTL attribute, if TTL is enabled.
    pub ttl_attribute: Option<String>,
}

/// A global secondary index as the template declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    /// The index name.
    pub name: String,
    /// Key schema: name and role.
    pub keys: Vec<(String, String)>,
    /// Projection type (`ALL`, `KEYS_ONLY`, `INCLUDE`).
    pub projection: String,
}

/// Reads the one `AWS::DynamoDB::Table` of `template.yaml`.
pub fn table_spec(template: &Path) -> Result<TableSpec, SetupError> {
    let text = std::fs::read_to_string(template)
        .map_err(|e| err(format!("cannot read {}: {e}", template.display())))?;
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| err(format!("template.yaml: {e}")))?;
    let table = doc["Resources"]
        .as_mapping()
        .into_iter()
        .flat_map(|m| m.values())
        .find(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .ok_or_else(|| err("template.yaml declares no AWS::DynamoDB::Table"))?;
    let props = &table["Properties"];
    let pairs = |list: &Value, a: &str, b: &str| -> Vec<(String, String)> {
        list.as_sequence()
            .into_iter()
            .flatten()
            .filter_map(|v| Some((v[a].as_str()?.to_owned(), v[b].as_str()?.to_owned())))
            .collect()
    };
    let indexes = props["GlobalSecondaryIndexes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some(IndexSpec {
                name: i["IndexName"].as_str()?.to_owned(),
                keys: pairs(&i["KeySchema"], "AttributeName", "KeyType"),
                projection: i["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap_or("ALL")
                    .to_owned(),
            })
        })
        .collect();
    let ttl = &props["TimeToLiveSpecification"];
    Ok(TableSpec {
        attributes: pairs(
            &props["AttributeDefinitions"],
            "AttributeName",
            "AttributeType",
        ),
        keys: pairs(&props["KeySchema"], "AttributeName", "KeyType"),
        indexes,
        ttl_attribute: (ttl["Enabled"].as_bool() == Some(true))
            .then(|| ttl["AttributeName"].as_str().map(str::to_owned))
            .flatten(),
    })
}

fn key_schema(keys: &[(String, String)]) -> Result<Vec<KeySchemaElement>, SetupError> {
    keys.iter()
        .map(|(name, role)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::from(role.as_str()))
                .build()
                .map_err(err)
        })
        .collect()
}

/// Creates `name` from `spec` unless it exists; an existing table must have the same keys.
pub async fn ensure_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    spec: &TableSpec,
) -> Result<(), SetupError> {
    if let Ok(existing) = client.describe_table().table_name(name).send().await {
        let found: Vec<(String, String)> = existing
            .table()
            .map(|t| t.key_schema())
            .unwrap_or_default()
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect();
        if found != spec.keys {
            return Err(err(format!(
                "local table {name} has keys {found:?} but template.yaml says {:?}; delete .local/ and restart",
                spec.keys
            )));
        }
        return Ok(());
    }
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&spec.keys)?));
    for (attr, kind) in &spec.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()
                .map_err(err)?,
        );
    }
    for index in &spec.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(key_schema(&index.keys)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .build(),
                )
                .build()
                .map_err(err)?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        // Another test process created it a moment ago.
        Err(e) if format!("{e:?}").contains("ResourceInUseException") => return Ok(()),
        Err(e) => {
            return Err(err(format!(
                "cannot create table {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&e)
            )));
        }
    }
    if let Some(attribute) = &spec.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()
                    .map_err(err)?,
            )
            .send()
            .await
            .map_err(|e| err(aws_sdk_dynamodb::error::DisplayErrorContext(&e)))?;
    }
    Ok(())
}

/// Creates the secret `name` with a random `pagination_key` unless it exists; each API key of
/// `api_keys` (`llm_api_key`, `exercise_api_key`) that is given is written into it either way.
pub async fn ensure_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &str,
    api_keys: &[(&str, Option<&str>)],
) -> Result<(), SetupError> {
    let existing = client.get_secret_value().secret_id(name).send().await.ok();
    let mut value: serde_json::Value = existing
        .as_ref()
        .and_then(|s| s.secret_string())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if value
        .get("pagination_key")
        .and_then(|k| k.as_str())
        .is_none()
    {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| err("no randomness"))?;
        value["pagination_key"] =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes).into();
    }
    for (field, key) in api_keys {
        if let Some(key) = key {
            value[*field] = (*key).into();
        }
    }
    let text = value.to_string();
    let result = if existing.is_some() {
        client
            .put_secret_value()
            .secret_id(name)
            .secret_string(text)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string())
    } else {
        client
            .create_secret()
            .name(name)
            .secret_string(text)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string())
    };
    match result {
        Ok(()) => Ok(()),
        // Created concurrently by another process: theirs is as good as ours.
        Err(e) if e.contains("ResourceExists") => Ok(()),
        Err(e) => Err(err(format!("cannot write secret {name}: {e}"))),
    }
}
