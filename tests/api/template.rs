//! Checks cfn-lint cannot make: every `!Ref`, `!GetAtt` and `${...}` in `template.yaml`
//! (Globals included) names something that exists, and the table is what the code expects.

use std::collections::BTreeSet;

use serde_yaml::Value;
use therabot_local::{repository_root, table};

const PSEUDO: &[&str] = &[
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

fn template() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repository_root().join("template.yaml")).unwrap())
        .unwrap()
}

fn collect(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            match (tag.as_str(), &tagged.value) {
                ("!Ref", Value::String(name)) => {
                    refs.insert(name.clone());
                }
                ("!GetAtt", Value::String(path)) => {
                    refs.insert(path.split('.').next().unwrap().to_owned());
                }
                ("!Sub", Value::String(text)) => {
                    for part in text.split("${").skip(1) {
                        let name = part.split('}').next().unwrap();
                        refs.insert(name.split('.').next().unwrap().to_owned());
                    }
                }
                _ => {}
            }
            collect(&tagged.value, refs);
        }
        Value::Mapping(map) => map.values().for_each(|v| collect(v, refs)),
        Value::Sequence(seq) => seq.iter().for_each(|v| collect(v, refs)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_template_names_a_resource_parameter_or_pseudo_parameter() {
    let template = template();
    let mut defined: BTreeSet<String> = PSEUDO.iter().map(|s| (*s).to_owned()).collect();
    for section in ["Resources", "Parameters"] {
        for key in template[section].as_mapping().unwrap().keys() {
            defined.insert(key.as_str().unwrap().to_owned());
        }
    }
    let mut refs = BTreeSet::new();
    collect(&template, &mut refs);
    let undefined: Vec<_> = refs.difference(&defined).collect();
    assert!(undefined.is_empty(), "undefined references: {undefined:?}");
    assert!(refs.contains("Table") && refs.contains("Secret") && refs.contains("UserPoolClient"));
}

#[test]
fn the_table_has_the_keys_and_ttl_the_store_uses() {
    let spec = table::table_spec(&repository_root().join("template.yaml")).unwrap();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(spec.keys, vec![pair("PK", "HASH"), pair("SK", "RANGE")]);
    assert_eq!(
        spec.ttl_attribute.as_deref(),
        Some(therabot_shared::store::keys::EXPIRES_AT)
    );
}

#[test]
fn functions_may_not_scan_and_reach_only_their_own_resources() {
    let template = template();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let text = serde_yaml::to_string(&resource["Properties"]["Policies"]).unwrap();
        assert!(!text.contains("dynamodb:Scan"), "{name:?} may scan");
        // The one wildcard allowed: objects under the export bucket's `exports/` prefix.
        let text = text
            .replace("${ExportBucket.Arn}/exports/*", "")
            .replace("exports/*", "");
        assert!(!text.contains('*'), "{name:?} has a wildcard permission");
        if text.contains("cognito-idp:") {
            assert!(
                text.contains("UserPool.Arn") || text.contains("- UserPool\n"),
                "{name:?} may touch another user pool"
            );
        }
        assert!(
            !text.contains("FullAccess"),
            "{name:?} uses a broad managed policy"
        );
    }
}

#[test]
fn every_function_can_reserve_concurrency_and_the_crisis_lines_have_their_own_throttle() {
    let template = template();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] == "AWS::Serverless::Function" {
            assert!(
                !resource["Properties"]["ReservedConcurrentExecutions"].is_null(),
                "{name:?} has no ReservedConcurrentExecutions"
            );
        }
    }
    let api = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "AWS::Serverless::HttpApi")
        .unwrap();
    let lines = &api["Properties"]["RouteSettings"]["GET /v1/safety/resources"];
    let default = &api["Properties"]["DefaultRouteSettings"];
    assert!(
        lines["ThrottlingRateLimit"].as_u64().unwrap()
            > default["ThrottlingRateLimit"].as_u64().unwrap()
    );
}
