//! The committed OpenAPI document is the one the code generates, and it describes exactly
//! the routes the template deploys.

use std::collections::BTreeSet;

use therabot_local::{docs, repository_root};

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = repository_root().join("docs/openapi.json");
    let generated = docs::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `make openapi` and commit the result"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn every_documented_route_is_deployed_and_every_deployed_route_documented() {
    let doc: serde_json::Value = serde_json::from_str(&docs::openapi_json()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let template: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(repository_root().join("template.yaml")).unwrap(),
    )
    .unwrap();
    let mut deployed = BTreeSet::new();
    for resource in template["Resources"].as_mapping().unwrap().values() {
        if resource["Type"] == "AWS::Serverless::Function" {
            for event in resource["Properties"]["Events"]
                .as_mapping()
                .unwrap()
                .values()
            {
                let props = &event["Properties"];
                deployed.insert(format!(
                    "{} {}",
                    props["Method"].as_str().unwrap(),
                    props["Path"].as_str().unwrap()
                ));
            }
        }
    }
    assert_eq!(documented, deployed);
}
