"""Deploying infra/cloudformation/quilt-mcp-e2e.yaml into moto for tests/test_cloudformation_template.py.

moto's CloudFormation creates only some of the template's resources and properties (5.x: AWS::S3::Bucket with
BucketEncryption and Tags, AWS::IAM::Role with its inline Policies, AWS::SNS::Topic). What it skips is
applied here from the same template, with CloudFormation's documented property → API mapping, so every
resource can then be read back through the AWS APIs. Any type or property the mapping does not know fails
the deployment: nothing in the template goes unchecked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "cloudformation" / "quilt-mcp-e2e.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account
PARTITION = "aws"

# What moto's CloudFormation really creates; the rest of each resource is applied by apply_gaps().
MOTO_CREATES = {
    "AWS::S3::Bucket": {"BucketName", "BucketEncryption", "Tags"},
    "AWS::IAM::Role": {"RoleName", "Description", "AssumeRolePolicyDocument", "Policies", "Tags"},
    "AWS::SNS::Topic": {"TopicName", "Tags"},
}


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt ...) as their long form."""


def _short_form(loader: CfnLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _short_form)


def load_template(path: Path = TEMPLATE) -> dict:
    return yaml.load(path.read_text(), Loader=CfnLoader)


class Resolver:
    """Ref / Fn::Sub / Fn::GetAtt with the stack's parameters and physical ids (all the template uses)."""

    def __init__(self, parameters: dict[str, str], physical: dict[str, str], attributes: dict[tuple[str, str], str],
                 region: str):
        self.values = {**parameters, **physical, "AWS::AccountId": ACCOUNT_ID, "AWS::Region": region,
                       "AWS::Partition": PARTITION}
        self.attributes = attributes

    def __call__(self, node):
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            return self.values[node["Ref"]]
        if set(node) == {"Fn::GetAtt"}:
            return self.attributes[tuple(node["Fn::GetAtt"])]
        if set(node) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self.values[m.group(1)]), node["Fn::Sub"])
        unknown = [key for key in node if key.startswith("Fn::")]
        assert not unknown, f"the test's resolver does not know {unknown}: extend tests/cfn_support.py"
        return {key: self(value) for key, value in node.items()}


def _lifecycle_rule(rule: dict) -> dict:
    """AWS::S3::Bucket Rule → the S3 API's LifecycleRule."""
    known = {"Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration",
             "AbortIncompleteMultipartUpload"}
    assert set(rule) <= known, f"lifecycle rule properties {set(rule) - known} not mapped"
    api = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        days = int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return api


def _bucket(clients, props: dict) -> None:
    s3, name = clients("s3"), props["BucketName"]
    rest = {k: v for k, v in props.items() if k not in MOTO_CREATES["AWS::S3::Bucket"]}
    if "VersioningConfiguration" in rest:
        status = rest.pop("VersioningConfiguration")["Status"]
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    if "LifecycleConfiguration" in rest:
        rules = [_lifecycle_rule(rule) for rule in rest.pop("LifecycleConfiguration")["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in rest:
        block = rest.pop("PublicAccessBlockConfiguration")
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    assert not rest, f"AWS::S3::Bucket properties {sorted(rest)} not mapped"


def _bucket_policy(clients, props: dict) -> None:
    assert set(props) == {"Bucket", "PolicyDocument"}, props.keys()
    clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))


def _glue_database(clients, props: dict) -> None:
    assert set(props) == {"CatalogId", "DatabaseInput"}, props.keys()
    clients("glue").create_database(CatalogId=props["CatalogId"], DatabaseInput=props["DatabaseInput"])


def _glue_table(clients, props: dict) -> None:
    assert set(props) == {"CatalogId", "DatabaseName", "TableInput"}, props.keys()
    clients("glue").create_table(CatalogId=props["CatalogId"], DatabaseName=props["DatabaseName"],
                                 TableInput=props["TableInput"])


def _workgroup(clients, props: dict) -> None:
    known = {"Name", "Description", "State", "RecursiveDeleteOption", "WorkGroupConfiguration", "Tags"}
    assert set(props) <= known, set(props) - known
    athena = clients("athena")
    athena.create_work_group(Name=props["Name"], Description=props["Description"],
                             Configuration=props["WorkGroupConfiguration"], Tags=props.get("Tags", []))
    if props.get("State", "ENABLED") != "ENABLED":
        athena.update_work_group(WorkGroup=props["Name"], State=props["State"])


def _alarm(clients, props: dict) -> None:
    known = {"AlarmName", "AlarmDescription", "Namespace", "MetricName", "Dimensions", "Statistic", "Period",
             "EvaluationPeriods", "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions"}
    assert set(props) <= known, set(props) - known
    numbers = {"Period": int, "EvaluationPeriods": int, "Threshold": float}
    clients("cloudwatch").put_metric_alarm(**{k: numbers[k](v) if k in numbers else v for k, v in props.items()})


GAP_APPLIERS = {
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::Glue::Database": _glue_database,
    "AWS::Glue::Table": _glue_table,
    "AWS::Athena::WorkGroup": _workgroup,
    "AWS::CloudWatch::Alarm": _alarm,
}
# the physical id CloudFormation gives these types (what Ref returns)
PHYSICAL_ID = {
    "AWS::Glue::Database": lambda props, resolve: resolve(props["DatabaseInput"]["Name"]),
    "AWS::Glue::Table": lambda props, resolve: resolve(props["TableInput"]["Name"]),
    "AWS::Athena::WorkGroup": lambda props, resolve: resolve(props["Name"]),
    "AWS::CloudWatch::Alarm": lambda props, resolve: resolve(props["AlarmName"]),
    "AWS::S3::BucketPolicy": lambda props, resolve: resolve(props["Bucket"]),
}
ORDER = ["AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::Glue::Database", "AWS::Glue::Table",
         "AWS::Athena::WorkGroup", "AWS::CloudWatch::Alarm"]


def apply_gaps(template: dict, parameters: dict[str, str], created: dict[str, str], clients, region: str) -> list[str]:
    """Apply what moto's CloudFormation skipped; `created` is logical id → physical id of what it made.
    Returns the logical ids of the resources this created."""
    resources = template["Resources"]
    iam = clients("iam")
    attributes = {}
    for logical, spec in resources.items():
        if spec["Type"] == "AWS::IAM::Role" and logical in created:
            attributes[(logical, "Arn")] = iam.get_role(RoleName=created[logical])["Role"]["Arn"]
    physical = dict(created)
    names = Resolver(parameters, created, attributes, region)
    for logical, spec in resources.items():
        if logical not in physical and spec["Type"] in PHYSICAL_ID:
            physical[logical] = PHYSICAL_ID[spec["Type"]](spec["Properties"], names)
    resolve = Resolver(parameters, physical, attributes, region)
    made = []
    for kind in ORDER:
        for logical, spec in resources.items():
            if spec["Type"] != kind:
                continue
            if logical in created and kind not in MOTO_CREATES:
                continue
            GAP_APPLIERS[kind](clients, resolve(spec["Properties"]))
            if logical not in created:
                made.append(logical)
    unhandled = {spec["Type"] for logical, spec in resources.items()
                 if spec["Type"] not in MOTO_CREATES and spec["Type"] not in GAP_APPLIERS}
    assert not unhandled, f"resource types neither moto nor tests/cfn_support.py create: {unhandled}"
    return made
