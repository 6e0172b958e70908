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

fn resources(template: &Value) -> &serde_yaml::Mapping {
    template["Resources"].as_mapping().unwrap()
}

/// The name a `!Ref` holds, if `value` is one.
fn ref_name(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(t) if t.tag == "!Ref" => t.value.as_str(),
        _ => None,
    }
}

#[test]
fn every_function_deploys_gradually_and_rolls_back_on_its_own_alarms() {
    let template = template();
    assert_eq!(template["Globals"]["Function"]["AutoPublishAlias"], "live");
    let resources = resources(&template);
    for (name, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = name.as_str().unwrap();
        let preference = &resource["Properties"]["DeploymentPreference"];
        assert_eq!(
            ref_name(&preference["Type"]),
            Some("DeploymentType"),
            "{name}"
        );
        let alarms: Vec<&str> = preference["Alarms"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} has no rollback alarms"))
            .iter()
            .map(|a| ref_name(a).unwrap())
            .collect();
        let prefix = name.trim_end_matches("Function");
        for own in ["ErrorsAlarm", "ServerErrorsAlarm"] {
            assert!(
                alarms.contains(&format!("{prefix}{own}").as_str()),
                "{name}: {own}"
            );
        }
        for alarm in alarms {
            assert_eq!(
                resources[alarm]["Type"], "AWS::CloudWatch::Alarm",
                "{name} rolls back on {alarm}"
            );
        }
    }
}

/// GitHub's anchor of a Markdown heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn every_alarm_notifies_and_names_a_runbook_that_exists() {
    let template = template();
    let operations = std::fs::read_to_string(repository_root().join("docs/operations.md")).unwrap();
    let anchors: BTreeSet<String> = operations
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect();
    let mut alarms = 0;
    for (name, resource) in resources(&template) {
        if resource["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        alarms += 1;
        let properties = &resource["Properties"];
        for actions in ["AlarmActions", "OKActions"] {
            let targets = properties[actions].as_sequence().unwrap();
            assert_eq!(
                ref_name(&targets[0]),
                Some("AlarmTopic"),
                "{name:?} {actions}"
            );
        }
        let description = properties["AlarmDescription"].as_str().unwrap();
        let runbook = description
            .split("Runbook: docs/operations.md#")
            .nth(1)
            .unwrap_or_else(|| panic!("{name:?} names no runbook"))
            .trim_end_matches('.');
        assert!(anchors.contains(runbook), "{name:?}: no heading #{runbook}");
    }
    assert!(alarms >= 20, "{alarms} alarms");
}

#[test]
fn the_alarms_and_the_dashboard_read_only_metrics_the_functions_write() {
    let template = template();
    let written: BTreeSet<&str> = therabot_shared::metrics::name::ALL.into_iter().collect();
    let ours = |namespace: &Value| match namespace {
        Value::Tagged(t) => t.value.as_str() == Some("Therabot/${Stage}"),
        _ => false,
    };
    let mut read = Vec::new();
    for (_, resource) in resources(&template) {
        let properties = &resource["Properties"];
        if resource["Type"] == "AWS::CloudWatch::Alarm" {
            if ours(&properties["Namespace"]) {
                read.push(properties["MetricName"].as_str().unwrap().to_owned());
            }
            for metric in properties["Metrics"].as_sequence().into_iter().flatten() {
                let stat = &metric["MetricStat"]["Metric"];
                if ours(&stat["Namespace"]) {
                    read.push(stat["MetricName"].as_str().unwrap().to_owned());
                }
            }
        }
        if resource["Type"] == "AWS::CloudWatch::Dashboard" {
            let Value::Tagged(body) = &properties["DashboardBody"] else {
                panic!("the dashboard body is a !Sub");
            };
            let body = body.value.as_str().unwrap();
            for part in body.split("{Therabot/${Stage},").skip(1) {
                let name = part.split("MetricName=\\\"").nth(1).unwrap();
                read.push(name.split('\\').next().unwrap().to_owned());
            }
        }
    }
    assert!(read.len() >= 20, "{read:?}");
    for name in &read {
        assert!(
            written.contains(name.as_str()),
            "{name} is read but never written"
        );
    }
}
