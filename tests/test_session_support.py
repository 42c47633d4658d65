"""Support code of the session / catalog-configuration scenarios: the local web sites that are not (quite) a
catalog, what the stand-in and a remote catalog tell the expectations, catalog facts."""

from __future__ import annotations

import json

import pytest
import requests

from quilt_e2e.catalog import CatalogStandIn
from quilt_e2e.catalog.remote import RemoteCatalog
from quilt_e2e.catalog.web_sites import WebSites
from quilt_e2e.domain.catalog_facts import CatalogFacts, authenticated_status, degraded_status
from quilt_e2e.stack.env_vars import changed_env


@pytest.fixture(scope="module")
def sites():
    web = WebSites().start()
    try:
        yield web
    finally:
        web.stop()


def test_a_plain_web_site_has_a_home_page_and_no_config(sites):
    url = sites.plain_web_site()
    assert requests.get(url, timeout=10).status_code == 200
    missing = requests.get(f"{url}/config.json", timeout=10)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]


def test_a_single_page_app_answers_config_json_with_html(sites):
    answer = requests.get(f"{sites.single_page_app()}/config.json", timeout=10)
    assert answer.status_code == 200 and answer.text.startswith("<!doctype html>")


def test_access_denied_and_served_configs(sites):
    assert requests.get(f"{sites.access_denied()}/config.json", timeout=10).status_code == 403
    config = {"region": "eu-west-1", "registryUrl": "https://registry.example"}
    url = sites.catalog_config(config)
    assert requests.get(f"{url}/config.json", timeout=10).json() == config
    assert requests.post(f"{url}/config.json", timeout=10).status_code == 404


def test_sites_are_separate_and_can_be_withdrawn(sites):
    first, second = sites.catalog_config({"a": 1}), sites.catalog_config({"b": 2})
    assert first != second
    sites.withdraw(first)
    assert requests.get(f"{first}/config.json", timeout=10).status_code == 404
    assert requests.get(f"{second}/config.json", timeout=10).json() == {"b": 2}


def test_the_shared_instance_is_started_once():
    assert WebSites.shared() is WebSites.shared()
    assert WebSites.shared().url.startswith("http://127.0.0.1:")


def test_stand_in_answers_what_the_expectations_ask(server):
    import boto3

    s3 = boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1")
    for bucket in ("session-support-registry", "session-support-data"):
        s3.create_bucket(Bucket=bucket)
    with CatalogStandIn(server.endpoint_url, "session-support-registry", ["session-support-data"]) as stand_in:
        assert stand_in.visible_buckets("test-user") == ["session-support-registry", "session-support-data"]
        assert stand_in.visible_buckets("nobody") == []
        assert stand_in.aws_role_arn("test-readonly") == "arn:aws:iam::123456789012:role/quilt-standin-viewer"
        assert stand_in.aws_role_arn("test-service") == "arn:aws:iam::123456789012:role/service"
        assert stand_in.aws_role_arn("nobody") is None
        assert stand_in.config_json()["analyticsBucket"].startswith(f"{stand_in.stack_name}-analyticsbucket-")
        # a RemoteCatalog asks the same questions over HTTP; the stand-in can play the real catalog here
        with changed_env({"QUILT_E2E_REFRESH_TOKEN_TEST_USER": stand_in.issue_refresh_token("test-user")}):
            remote = RemoteCatalog(stand_in.url)
            assert remote.stack_name == stand_in.stack_name
            assert remote.visible_buckets("test-user") == stand_in.visible_buckets("test-user")
            assert stand_in.tokens.decode(remote.issue_token("test-user"))["name"] == "test-user"
            with pytest.raises(AssertionError, match=r"@use\.with_stack=embedded"):
                remote.issue_token("test-user", expires_in=-60)


def test_remote_catalog_reads_its_config_and_stack_name(sites, monkeypatch):
    url = sites.catalog_config({"registryUrl": "http://127.0.0.1:9", "region": "us-east-2",
                                "analyticsBucket": "quilt-prod-eu-analyticsbucket-1a2b3c4d5e6f"})
    remote = RemoteCatalog(url + "/")
    assert remote.url == url
    assert remote.config_json()["region"] == "us-east-2"
    assert remote.stack_name == "quilt-prod-eu"
    assert remote.aws_role_arn("test-user") is None
    odd = RemoteCatalog(sites.catalog_config({"analyticsBucket": "analytics"}))
    with pytest.raises(AssertionError, match="cannot tell the stack name"):
        _ = odd.stack_name
    monkeypatch.delenv("QUILT_E2E_REFRESH_TOKEN_TEST_USER", raising=False)
    with pytest.raises(AssertionError, match="QUILT_E2E_REFRESH_TOKEN_TEST_USER"):
        remote.issue_refresh_token("test-user")


def test_catalog_facts_expectations():
    facts = CatalogFacts("https://www.example.quilt", {"registryUrl": "https://registry.example.quilt",
                                                      "region": "eu-west-1", "apiGatewayEndpoint": "https://api.x",
                                                      "analyticsBucket": "quilt-x-analyticsbucket-1"}, "quilt-x")
    assert facts.catalog_name == "example.quilt"
    assert facts.graphql_endpoint == "https://registry.example.quilt/graphql"
    assert facts.catalog_config() == {
        "region": "eu-west-1", "api_gateway_endpoint": "https://api.x", "registry_url": "https://registry.example.quilt",
        "analytics_bucket": "quilt-x-analyticsbucket-1", "stack_prefix": "quilt-x",
        "tabulator_data_catalog": "quilt-quilt-x-tabulator"}
    assert authenticated_status(facts)["catalog_name"] == "example.quilt"
    assert degraded_status("http://127.0.0.1:1234/site")["catalog_name"] == "127.0.0.1"
    assert degraded_status("http://127.0.0.1:1234/site")["registry_url"] is None


def test_readability_rules():
    from quilt_mcp.ops.exceptions import BackendError

    from quilt_e2e.domain.errors import next_step_problems, readability_problems

    assert readability_problems(BackendError("Get catalog config failed: no route to host")) == []
    assert readability_problems(BackendError("oops"))
    assert readability_problems(BackendError(json.dumps({"errors": [{"message": "x y z"}]})))
    assert next_step_problems(BackendError("Run 'quilt3 login' first"), "quilt3 login") == []
    assert next_step_problems(BackendError("failed"), "quilt3 login")
