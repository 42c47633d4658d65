"""The catalog stand-in over a plain moto server: HTTP endpoints, JWTs, roles, GraphQL documents,
packages shared with quilt3, browsing sessions, tabulator, users/roles/SSO, and a SUT smoke test."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import boto3
import jwt
import pytest
import requests
from conftest import s3_with
from graphql import build_schema, parse, validate

from quilt_e2e.catalog import CatalogStandIn
from quilt_e2e.catalog.contract_documents import DOCUMENTS
from quilt_e2e.catalog.directory import User
from quilt_e2e.catalog.graphql_api import SCHEMA_PATH

REGISTRY = "catalog-standin-registry"
DATA = "catalog-standin-data"
FILES = {"data/table.csv": b"id,value\n1,alpha\n2,beta\n", "README.md": b"# stand-in\n", "data/raw/x.bin": b"\x00\x01"}
TABLE_CONFIG = """\
schema:
  - name: id
    type: INT
source:
  type: quilt-packages
  package_name: ^ns/(?<pkg>.*)$
  logical_key: data/.*\\.csv$
"""


@pytest.fixture(scope="module")
def stand_in(server):
    s3_with(server, (REGISTRY, DATA), FILES, DATA)
    catalog = CatalogStandIn(server.endpoint_url, REGISTRY, [DATA]).start()
    try:
        yield catalog
    finally:
        catalog.stop()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post_graphql(
    catalog: CatalogStandIn, document: str, variables: dict | None = None, user: str | None = "test-admin"
):
    headers = bearer(catalog.issue_token(user)) if user else {}
    payload = {"query": document, **({"variables": variables} if variables else {})}
    return requests.post(f"{catalog.url}/graphql", json=payload, headers=headers, timeout=30)


def gql(catalog, name: str, variables: dict | None = None, user: str | None = "test-admin") -> dict:
    """`data` of a contract document; any `errors` fails the test."""
    response = post_graphql(catalog, DOCUMENTS[name], variables, user)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def construct(catalog, name: str, files=("data/table.csv", "README.md"), meta=None, user="test-admin") -> dict:
    variables = {
        "params": {
            "bucket": REGISTRY,
            "name": name,
            "message": f"push {name}",
            "userMeta": meta or {},
            "workflow": None,
        },
        "src": {"entries": [{"logicalKey": key, "physicalKey": f"s3://{DATA}/{key}"} for key in files]},
    }
    return gql(catalog, "PackageConstruct", variables, user)["packageConstruct"]


# ---- schema ---------------------------------------------------------------------------------------


def test_every_contract_document_validates_against_the_schema():
    schema = build_schema(SCHEMA_PATH.read_text())
    assert len(DOCUMENTS) == 33
    problems = {name: [str(e) for e in validate(schema, parse(doc))] for name, doc in DOCUMENTS.items()}
    assert {name: errors for name, errors in problems.items() if errors} == {}


def test_a_body_that_is_not_json_gets_400(stand_in):
    headers = {**bearer(stand_in.issue_token("test-user")), "Content-Type": "text/plain"}
    response = requests.post(
        f"{stand_in.url}/graphql", data='{"query": "{ me { name } }"}', headers=headers, timeout=10
    )
    assert response.status_code == 400
    assert "application/json" in response.json()["errors"][0]["message"]


def test_invalid_document_gets_400_with_errors(stand_in):
    response = post_graphql(stand_in, "query { nope }")
    assert response.status_code == 400
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


# ---- HTTP endpoints and JWTs ----------------------------------------------------------------------


def test_config_json_points_at_itself_with_enrichment_keys(stand_in):
    config = requests.get(f"{stand_in.url}/config.json", timeout=10).json()
    assert config["registryUrl"] == stand_in.url
    assert config["region"] == "us-east-1"
    assert config["apiGatewayEndpoint"] and config["analyticsBucket"].startswith("quilt-standin-analyticsbucket-")


def test_valid_token_gets_credentials_of_the_users_role_with_timezone_expiry(stand_in, server):
    response = requests.get(f"{stand_in.url}/api/auth/get_credentials",
                            headers=bearer(stand_in.issue_token("test-user")), timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["Expiration"].endswith("Z")
    sts = boto3.client("sts", endpoint_url=server.endpoint_url, region_name="us-east-1",
                       aws_access_key_id=body["AccessKeyId"], aws_secret_access_key=body["SecretAccessKey"],
                       aws_session_token=body["SessionToken"])
    # the role of the user's catalog role, assumed for the user, as the real registry does
    assert stand_in.aws_role_arn("test-user") == "arn:aws:iam::123456789012:role/quilt-standin-user"
    assert sts.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/quilt-standin-user/test-user"


@pytest.mark.parametrize("kind", ["expired", "wrong signature", "malformed", "missing"])
def test_bad_tokens_get_401_with_message(stand_in, kind):
    claims = jwt.decode(stand_in.issue_token("test-user"), options={"verify_signature": False})
    token = {
        "expired": stand_in.issue_token("test-user", expires_in=-10),
        "wrong signature": jwt.encode(claims, "not-the-stand-in-secret-but-32-bytes-long", algorithm="HS256"),
        "malformed": "not.a-jwt",
        "missing": None,
    }[kind]
    headers = bearer(token) if token else {}
    for method, path in (("GET", "/api/auth/get_credentials"), ("POST", "/graphql")):
        if kind == "missing" and path == "/graphql":
            continue  # anonymous GraphQL is allowed: `me` is null
        response = requests.request(method, stand_in.url + path, headers=headers, json={"query": "{ me { name } }"},
                                    timeout=10)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["message"]


def test_anonymous_graphql_sees_no_user_and_no_buckets(stand_in):
    assert gql(stand_in, "AuthStatus", user=None) == {"me": None}
    assert gql(stand_in, "ListBuckets", user=None) == {"bucketConfigs": []}


def test_refresh_token_gives_access_token_with_numeric_expiry(stand_in):
    refresh = stand_in.issue_refresh_token("test-user")
    body = requests.post(f"{stand_in.url}/api/token", data={"refresh_token": refresh}, timeout=10).json()
    assert isinstance(body["expires_at"], int) and body["expires_at"] > time.time()
    me = requests.post(f"{stand_in.url}/graphql", json={"query": DOCUMENTS["AuthStatus"]},
                       headers=bearer(body["access_token"]), timeout=10).json()
    assert me["data"]["me"] == {"name": "test-user", "email": "user@test.com", "isAdmin": False}
    bad = requests.post(f"{stand_in.url}/api/token", data={"refresh_token": "nope"}, timeout=10)
    assert bad.status_code == 401 and bad.json()["message"]


# ---- roles --------------------------------------------------------------------------------------


def test_readonly_user_cannot_push_or_delete(stand_in, s3):
    before = s3.list_objects_v2(Bucket=REGISTRY, Prefix=".quilt/").get("KeyCount", 0)
    result = construct(stand_in, "ro/attempt", user="test-readonly")
    assert result == {"__typename": "OperationError"}  # the document selects no fields of the error
    assert s3.list_objects_v2(Bucket=REGISTRY, Prefix=".quilt/").get("KeyCount", 0) == before

    top_hash = construct(stand_in, "ro/target")["revision"]["hash"]
    deleted = gql(stand_in, "DeleteRevision", {"bucket": REGISTRY, "name": "ro/target", "hash": top_hash},
                  user="test-readonly")["packageRevisionDelete"]
    assert deleted == {"__typename": "OperationError", "message": "Forbidden"}
    assert gql(stand_in, "GetRevisionHash", {"bucket": REGISTRY, "name": "ro/target"}, user="test-readonly")


@pytest.mark.parametrize("document,variables", [
    ("ListUsers", None),
    ("CreateUser", {"input": {"name": "sneaky", "email": "s@x.com", "role": "admin", "extraRoles": []}}),
    ("ListRoles", None),
    ("SetOpenQuery", {"enabled": True}),
])
def test_non_admin_gets_forbidden_graphql_error(stand_in, document, variables):
    body = post_graphql(stand_in, DOCUMENTS[document], variables, user="test-user").json()
    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == ["Forbidden"]


# ---- packages -----------------------------------------------------------------------------------


def test_constructed_package_browses_and_searches(stand_in):
    pushed = construct(stand_in, "ns/browse-me", files=tuple(FILES), meta={"description": "d", "tags": ["x"]})
    top_hash = pushed["revision"]["hash"]
    assert pushed["package"] == {"name": "ns/browse-me"} and len(top_hash) == 64

    variables = {"bucket": REGISTRY, "name": "ns/browse-me", "path": ""}
    root = gql(stand_in, "BrowseContent", variables)["package"]["revision"]
    assert [(c["__typename"], c["path"]) for c in root["dir"]["children"]] == [
        ("PackageDir", "data/"), ("PackageFile", "README.md")]
    data_dir = gql(stand_in, "BrowseContent", {**variables, "path": "data"})["package"]["revision"]["dir"]
    assert [c["path"] for c in data_dir["children"]] == ["data/raw/", "data/table.csv"]
    single = gql(stand_in, "BrowseContent", {**variables, "path": "README.md"})["package"]["revision"]
    assert single["dir"] is None and single["file"]["size"] == len(FILES["README.md"])

    flat = gql(stand_in, "GetPackage", {"bucket": REGISTRY, "name": "ns/browse-me", "hash": top_hash})
    contents = flat["package"]["revision"]["contentsFlatMap"]
    assert contents["data/table.csv"]["physicalKey"] == f"s3://{DATA}/data/table.csv"
    assert contents["data/table.csv"]["size"] == len(FILES["data/table.csv"])

    hits = gql(stand_in, "SearchPackages", {"buckets": [REGISTRY], "searchString": "browse-me"},
               user="test-readonly")["searchPackages"]
    assert hits["__typename"] == "PackagesSearchResultSet"
    (hit,) = hits["firstPage"]["hits"]
    assert (hit["name"], hit["hash"], json.loads(hit["meta"])["tags"]) == ("ns/browse-me", top_hash, ["x"])


def test_unknown_objects_are_null_and_unknown_buckets_search_empty(stand_in):
    assert gql(stand_in, "PackageInfo", {"bucket": REGISTRY, "name": "ns/absent"}) == {"package": None}
    assert gql(stand_in, "PackageInfo", {"bucket": "no-such-bucket", "name": "ns/x"}) == {"package": None}
    result = gql(stand_in, "SearchPackages", {"buckets": ["no-such-bucket"], "searchString": "x"})
    assert result["searchPackages"]["__typename"] == "EmptySearchResultSet"
    assert gql(stand_in, "ListTabulatorTables", {"name": "no-such-bucket"}) == {"bucketConfig": None}


def test_construct_rejects_bad_input_with_invalid_input(stand_in):
    query = """mutation($params: PackagePushParams!, $src: PackageConstructSource!) {
      packageConstruct(params: $params, src: $src) {
        __typename ... on InvalidInput { errors { path name } } } }"""
    params = {"bucket": REGISTRY, "name": "bad name", "message": "m", "userMeta": {}, "workflow": None}
    entries = [{"logicalKey": "a", "physicalKey": f"s3://{DATA}/missing.csv"}]
    bad_name = post_graphql(stand_in, query, {"params": params, "src": {"entries": entries}}).json()
    assert bad_name["data"]["packageConstruct"]["errors"][0]["path"] == "params.name"
    missing = post_graphql(stand_in, query, {"params": {**params, "name": "ns/ok"}, "src": {"entries": entries}}).json()
    assert missing["data"]["packageConstruct"]["errors"][0]["path"] == "src.entries[0].physicalKey"


def test_revision_delete_moves_latest_then_removes_package(stand_in):
    first = construct(stand_in, "ns/deletable", files=("README.md",))["revision"]["hash"]
    time.sleep(1.05)  # pointers are named by epoch second, as quilt3 names them
    second = construct(stand_in, "ns/deletable")["revision"]["hash"]
    revisions = {"bucket": REGISTRY, "name": "ns/deletable", "page": 1, "perPage": 100}
    listed = gql(stand_in, "PackageRevisionsForDelete", revisions)["package"]["revisions"]
    assert listed["total"] == 2 and [r["hash"] for r in listed["page"]] == [second, first]

    def delete(top_hash):
        return gql(stand_in, "DeleteRevision", {"bucket": REGISTRY, "name": "ns/deletable", "hash": top_hash})

    assert delete(second)["packageRevisionDelete"]["__typename"] == "PackageRevisionDeleteSuccess"
    latest = gql(stand_in, "GetRevisionHash", {"bucket": REGISTRY, "name": "ns/deletable"})
    assert latest["package"]["revision"]["hash"] == first
    assert delete(second)["packageRevisionDelete"]["__typename"] == "OperationError"
    delete(first)
    assert gql(stand_in, "PackageInfo", {"bucket": REGISTRY, "name": "ns/deletable"}) == {"package": None}


def test_promote_copies_objects_into_the_registry(stand_in, s3):
    top_hash = construct(stand_in, "ns/promoted")["revision"]["hash"]
    params = {"bucket": REGISTRY, "name": "ns/promoted", "message": "copy", "userMeta": {}, "workflow": None}
    src = {"bucket": REGISTRY, "name": "ns/promoted", "hash": top_hash}
    result = gql(stand_in, "PackagePromote", {"params": params, "src": src})["packagePromote"]
    assert result["__typename"] == "PackagePushSuccess"
    body = s3.get_object(Bucket=REGISTRY, Key="ns/promoted/data/table.csv")["Body"].read()
    assert body == FILES["data/table.csv"]


def test_browsing_session_redirect_downloads_the_bytes(stand_in):
    top_hash = construct(stand_in, "ns/session")["revision"]["hash"]
    scope = f"s3://{REGISTRY}#package=ns/session&hash={top_hash}"
    session = gql(stand_in, "BrowsingSessionCreate", {"scope": scope, "ttl": 180})["browsingSessionCreate"]
    assert session["__typename"] == "BrowsingSession" and session["expires"]
    token = bearer(stand_in.issue_token("test-user"))
    redirect = requests.get(f"{stand_in.url}/browse/{session['id']}/data/table.csv", headers=token,
                            allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    assert requests.get(redirect.headers["Location"], timeout=10).content == FILES["data/table.csv"]
    missing = requests.get(f"{stand_in.url}/browse/{session['id']}/nope.txt", headers=token, timeout=10)
    assert missing.status_code == 404 and missing.json()["message"]
    unknown = requests.get(f"{stand_in.url}/browse/not-a-session/x", headers=token, timeout=10)
    assert unknown.status_code == 404
    invalid = gql(stand_in, "BrowsingSessionCreate", {"scope": "s3://nope", "ttl": 180})["browsingSessionCreate"]
    assert invalid["__typename"] == "InvalidInput" and invalid["errors"][0]["path"] == "scope"


def test_rest_search_returns_es_shaped_hits(stand_in):
    construct(stand_in, "ns/searchable")
    params = {"index": f"{REGISTRY}_packages,{DATA}", "action": "search", "query": "table.csv", "size": 100}
    response = requests.get(f"{stand_in.url}/api/search", params=params,
                            headers=bearer(stand_in.issue_token("test-user")), timeout=10)
    sources = [hit["_source"] for hit in response.json()["hits"]["hits"]]
    assert {"key": "data/table.csv"}.items() <= next(s for s in sources if "key" in s).items()
    assert any(s.get("entry_lk") == "data/table.csv" and s["entry_pk"].startswith("ns/searchable@") for s in sources)


# ---- tabulator ----------------------------------------------------------------------------------


def test_tabulator_table_lifecycle_and_open_query(stand_in):
    def set_table(name, config):
        return gql(stand_in, "SetTabulatorTable", {"bucketName": DATA, "tableName": name, "config": config})[
            "bucketSetTabulatorTable"]

    def rename(old, new):
        return gql(stand_in, "RenameTabulatorTable", {"bucketName": DATA, "tableName": old, "newTableName": new})[
            "bucketRenameTabulatorTable"]

    def names():
        return [
            t["name"] for t in gql(stand_in, "ListTabulatorTables", {"name": DATA})["bucketConfig"]["tabulatorTables"]
        ]

    assert set_table("table-a", TABLE_CONFIG)["__typename"] == "BucketConfig"
    assert set_table("table-b", TABLE_CONFIG)["tabulatorTables"][1] == {"name": "table-b", "config": TABLE_CONFIG}
    assert set_table("bad", "invalid: yaml: syntax:")["__typename"] == "InvalidInput"
    assert set_table("bad", "schema: []\n")["errors"][0]["path"] == "config"
    assert rename("table-a", "table-b")["__typename"] == "InvalidInput"
    assert rename("nonexistent", "other")["__typename"] == "InvalidInput"
    assert rename("table-a", "table-c")["__typename"] == "BucketConfig"
    assert names() == ["table-b", "table-c"]
    assert set_table("table-b", None)["__typename"] == "BucketConfig"
    assert set_table("nonexistent", None)["__typename"] == "BucketConfig"  # removing an absent table: no-op
    assert names() == ["table-c"]

    for enabled in (True, True, False):
        echoed = gql(stand_in, "SetOpenQuery", {"enabled": enabled})["admin"]["setTabulatorOpenQuery"]
        assert echoed == {"tabulatorOpenQuery": enabled}
        assert gql(stand_in, "GetOpenQueryStatus")["admin"]["tabulatorOpenQuery"] is enabled


def test_tabulator_tables_are_changed_by_admins_and_writers_only(stand_in):
    """The registry's rule: an administrator or a user whose role writes to the bucket; a reader gets the
    mutation's OperationError; a request without a login gets the GraphQL error."""
    def set_table(user, name, config=TABLE_CONFIG):
        return gql(stand_in, "SetTabulatorTable", {"bucketName": DATA, "tableName": name, "config": config},
                   user=user)["bucketSetTabulatorTable"]

    assert set_table("test-user", "by-writer")["__typename"] == "BucketConfig"
    refused = {"__typename": "OperationError", "message": "Forbidden"}
    assert set_table("test-readonly", "by-reader") == refused
    assert set_table("test-readonly", "by-writer", None) == refused
    renamed = gql(stand_in, "RenameTabulatorTable", {"bucketName": DATA, "tableName": "by-writer",
                                                     "newTableName": "renamed"}, user="test-readonly")
    assert renamed["bucketRenameTabulatorTable"] == refused
    anonymous = post_graphql(stand_in, DOCUMENTS["SetTabulatorTable"],
                             {"bucketName": DATA, "tableName": "anon", "config": TABLE_CONFIG}, user=None).json()
    assert [error["message"] for error in anonymous["errors"]] == ["Forbidden"]
    listed = gql(stand_in, "ListTabulatorTables", {"name": DATA}, user="test-readonly")["bucketConfig"]
    assert "by-writer" in [t["name"] for t in listed["tabulatorTables"]]
    assert set_table("test-user", "by-writer", None)["__typename"] == "BucketConfig"


# ---- users, roles, SSO ---------------------------------------------------------------------------


def user_mutation(stand_in, document, **variables):
    data = gql(stand_in, document, variables)["admin"]["user"]
    return data["create"] if "create" in data else data["mutate"]


def test_user_admin_round_trip(stand_in):
    create = {"input": {"name": "new-user", "email": "new@test.com", "role": "user", "extraRoles": []}}
    created = gql(stand_in, "CreateUser", create)["admin"]["user"]["create"]
    assert (created["__typename"], created["role"]["name"], created["isActive"]) == ("User", "user", True)
    duplicate = gql(stand_in, "CreateUser", create)["admin"]["user"]["create"]
    assert duplicate["__typename"] == "InvalidInput"

    mutate = lambda document, **v: user_mutation(stand_in, document, name="new-user", **v)  # noqa: E731
    assert mutate("SetUserEmail", email="renamed@test.com")["setEmail"]["email"] == "renamed@test.com"
    assert (
        mutate("SetUserRole", role="power-user", extraRoles=None, append=False)["setRole"]["role"]["name"]
        == "power-user"
    )
    added = mutate("AddUserRoles", roles=["analyst", "viewer"])["addRoles"]
    assert [r["name"] for r in added["extraRoles"]] == ["analyst", "viewer"]
    assert [r["name"] for r in mutate("RemoveUserRoles", roles=["analyst"])["removeRoles"]["extraRoles"]] == ["viewer"]
    fallback = mutate("RemoveUserRoles", roles=["power-user"], fallback="viewer")["removeRoles"]
    assert fallback["role"]["name"] == "viewer"
    appended = mutate("SetUserRole", role="analyst", extraRoles=["editor"], append=True)["setRole"]
    assert appended["role"]["name"] == "analyst" and [r["name"] for r in appended["extraRoles"]] == ["viewer", "editor"]
    assert (
        mutate("SetUserRole", role="no-such-role", extraRoles=None, append=False)["setRole"]["__typename"]
        == "InvalidInput"
    )
    assert mutate("SetUserAdmin", admin=True)["setAdmin"]["isAdmin"] is True
    assert mutate("ResetUserPassword")["resetPassword"] == {"__typename": "Ok"}

    token = stand_in.issue_token("new-user")
    assert mutate("SetUserActive", active=False)["setActive"]["isActive"] is False
    inactive = requests.post(f"{stand_in.url}/graphql", json={"query": DOCUMENTS["AuthStatus"]},
                             headers=bearer(token), timeout=10)
    assert inactive.status_code == 401 and inactive.json()["message"] == "User is inactive"

    assert mutate("DeleteUser")["delete"] == {"__typename": "Ok"}
    assert gql(stand_in, "GetUser", {"name": "new-user"})["admin"]["user"]["get"] is None
    assert user_mutation(stand_in, "DeleteUser", name="new-user") is None  # unknown user: mutate is null


def test_roles_and_seed_users(stand_in):
    roles = {r["name"]: r["__typename"] for r in gql(stand_in, "ListRoles")["roles"]}
    assert {"admin", "user", "viewer", "service", "power-user", "analyst", "editor"} <= set(roles)
    assert roles["service"] == "UnmanagedRole" and roles["admin"] == "ManagedRole"
    users = {u["name"]: u for u in gql(stand_in, "ListUsers")["admin"]["user"]["list"]}
    assert users["test-readonly"]["role"]["name"] == "viewer" and users["test-admin"]["isAdmin"] is True


def test_sso_config_set_get_remove(stand_in):
    def set_config(text):
        return gql(stand_in, "SetSSOConfig", {"config": text})["admin"]["setSsoConfig"]

    assert gql(stand_in, "GetSSOConfig")["admin"]["ssoConfig"] is None
    text = json.dumps({"version": "1.0", "mappings": [], "default_role": "viewer"})
    saved = set_config(text)
    assert saved["__typename"] == "SsoConfig" and saved["uploader"]["name"] == "test-admin"
    assert set_config("invalid: yaml: syntax:")["__typename"] == "InvalidInput"
    assert gql(stand_in, "GetSSOConfig")["admin"]["ssoConfig"]["text"] == text
    assert set_config(None) is None
    assert gql(stand_in, "GetSSOConfig")["admin"]["ssoConfig"] is None


def test_request_log_names_operations_and_holds_no_tokens(stand_in):
    token = stand_in.issue_token("test-user")
    requests.post(f"{stand_in.url}/graphql", json={"query": DOCUMENTS["AuthStatus"]}, headers=bearer(token), timeout=10)
    entries = stand_in.recent_requests(500)
    assert entries[-1]["operation"] == "AuthStatus" and entries[-1]["status"] == 200
    assert token not in json.dumps(entries)
    assert all("/browse/" not in e["path"] or e["path"].startswith("/browse/<session>/") for e in entries)


# ---- quilt3 and the SUT, in a sandboxed subprocess (quilt3 reads its config dir at import) ---------

QUILT3_CHILD = textwrap.dedent(
    """
    import json, sys
    from quilt_e2e.stack.sandbox import Sandbox

    endpoint, registry, data, name, top_hash = sys.argv[1:6]
    sandbox = Sandbox().enter({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
    try:
        import quilt3
        read = quilt3.Package.browse(name, registry=f"s3://{registry}")
        written = quilt3.Package()
        written.set("notes/hello.txt", f"s3://{data}/README.md")
        written.set_meta({"description": "written by quilt3"})
        pushed = written.push("q3/written", registry=f"s3://{registry}", message="by quilt3", force=True)
        print(json.dumps({
            "top_hash": read.top_hash,
            "bytes": read["data/table.csv"].get_bytes().decode(),
            "meta": read.meta,
            "written": pushed.top_hash,
        }))
    finally:
        sandbox.exit()
    """
)


def test_packages_are_shared_with_quilt3_both_ways(stand_in, server):
    top_hash = construct(stand_in, "ns/for-quilt3", meta={"k": "v"})["revision"]["hash"]
    proc = subprocess.run([sys.executable, "-c", QUILT3_CHILD, server.endpoint_url, REGISTRY, DATA, "ns/for-quilt3",
                           top_hash], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["top_hash"] == top_hash
    assert result["bytes"] == FILES["data/table.csv"].decode()
    assert result["meta"] == {"k": "v"}

    listed = gql(stand_in, "BrowseContent", {"bucket": REGISTRY, "name": "q3/written", "path": "notes"})
    assert [c["path"] for c in listed["package"]["revision"]["dir"]["children"]] == ["notes/hello.txt"]
    info = gql(stand_in, "PackageInfo", {"bucket": REGISTRY, "name": "q3/written"})["package"]
    assert info["revision"]["hash"] == result["written"] and info["revision"]["message"] == "by quilt3"
    hits = gql(stand_in, "SearchPackages", {"buckets": [REGISTRY], "searchString": "q3"})["searchPackages"]
    assert [h["name"] for h in hits["firstPage"]["hits"]] == ["q3/written"]


SUT_CHILD = textwrap.dedent(
    """
    import json, sys
    from quilt_e2e.stack.sandbox import Sandbox

    endpoint, catalog_url, refresh_token, registry, name = sys.argv[1:6]
    sandbox = Sandbox().enter({
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "QUILT_MULTIUSER_MODE": "true",
        "QUILT_CATALOG_URL": catalog_url, "QUILT_REGISTRY_URL": catalog_url,
    })
    try:
        import quilt3
        quilt3.config(catalog_url)
        quilt3.session.login_with_token(refresh_token)  # the JWT reaches Platform_Backend via quilt3's session

        from quilt_mcp.config import reset_mode_config
        from quilt_mcp.ops.factory import QuiltOpsFactory

        reset_mode_config()
        ops = QuiltOpsFactory.create()
        status = ops.get_auth_status()
        found = ops.search_packages("ns", f"s3://{registry}")
        listing = ops.browse_content(name, f"s3://{registry}", "")
        print(json.dumps({
            "backend": type(ops).__name__,
            "authenticated": status.is_authenticated,
            "catalog_name": status.catalog_name,
            "registry_url": status.registry_url,
            "found": sorted({p.name for p in found}),
            "listing": [(c.path, c.type) for c in listing],
        }))
    finally:
        sandbox.exit()
    """
)


def test_sut_platform_backend_works_against_the_stand_in(stand_in, server):
    construct(stand_in, "ns/sut-smoke")
    refresh = stand_in.issue_refresh_token("test-user")
    proc = subprocess.run([sys.executable, "-c", SUT_CHILD, server.endpoint_url, stand_in.url, refresh, REGISTRY,
                           "ns/sut-smoke"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == "Platform_Backend"
    assert result["authenticated"] is True
    assert result["catalog_name"] == "127.0.0.1" and result["registry_url"] == stand_in.url
    assert "ns/sut-smoke" in result["found"]
    assert result["listing"] == [["data/", "directory"], ["README.md", "file"]]


# ---- the admin API as quilt3.admin uses it (the Quilt3 backend's local-mode admin) --------------------

QUILT3_ADMIN_CALLS = {  # the generated-client methods behind the quilt3.admin functions the Quilt3 backend calls
    "users_list", "users_get", "users_create", "users_delete", "users_set_email", "users_set_admin",
    "users_set_active", "users_reset_password", "users_set_role", "users_add_roles", "users_remove_roles",
    "roles_list", "sso_config_get", "sso_config_set",
}


def quilt3_client_documents() -> dict[str, str]:
    """The GraphQL documents of quilt3's generated admin client, read from its source (quilt3 is not imported
    here: it reads its config directory at import)."""
    import ast
    import importlib.util
    from pathlib import Path

    package_dir = Path(importlib.util.find_spec("quilt3").submodule_search_locations[0])
    tree = ast.parse((package_dir / "_graphql_client" / "client.py").read_text())
    documents = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "gql":
                    documents[node.name] = call.args[0].value
    return documents


def test_every_quilt3_admin_document_of_the_quilt3_backend_validates():
    documents = quilt3_client_documents()
    assert set(documents) >= QUILT3_ADMIN_CALLS
    schema = build_schema(SCHEMA_PATH.read_text())
    problems = {name: [str(e) for e in validate(schema, parse(documents[name]))] for name in QUILT3_ADMIN_CALLS}
    assert {name: errors for name, errors in problems.items() if errors} == {}
    # they select a managed role's policies, which the quilt-mcp documents never do
    assert "policies {" in documents["users_get"] and "PolicySummarySelection on Policy" in documents["roles_list"]


def test_managed_roles_show_their_policies_and_unmanaged_roles_none(stand_in):
    query = """{ roles { __typename
        ... on UnmanagedRole { name arn }
        ... on ManagedRole { name arn
                             policies { id title arn managed permissions { bucket { name } level } roles { name } }
                             permissions { bucket { name } level } } } }"""
    response = post_graphql(stand_in, query)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    roles = {r["name"]: r for r in response.json()["data"]["roles"]}
    viewer, editor = roles["viewer"], roles["editor"]
    assert [p["title"] for p in viewer["policies"]] == ["Read all buckets"]
    assert [p["title"] for p in editor["policies"]] == ["Read and write all buckets"]
    read = viewer["policies"][0]
    assert read["managed"] is True and read["arn"] == "arn:aws:iam::123456789012:policy/quilt-standin-read-all-buckets"
    assert {p["bucket"]["name"] for p in read["permissions"]} == {REGISTRY, DATA}
    assert {p["level"] for p in read["permissions"]} == {"READ"}
    assert sorted(r["name"] for r in read["roles"]) == ["analyst", "viewer"]
    assert viewer["permissions"] == read["permissions"]
    assert roles["service"]["__typename"] == "UnmanagedRole" and "policies" not in roles["service"]


def test_sso_config_naming_a_role_that_does_not_exist_is_refused(stand_in):
    text = json.dumps({"version": "1.0", "default_role": "viewer",
                       "mappings": [{"expression": {}, "roles": ["analyst", "no-such-role"]}]})
    refused = gql(stand_in, "SetSSOConfig", {"config": text})["admin"]["setSsoConfig"]
    assert refused["__typename"] == "InvalidInput"
    assert refused["errors"][0]["message"] == "Role not found: no-such-role"


def test_a_sign_in_is_the_users_last_login(stand_in):
    user = stand_in.catalog.directory.get("test-readonly")
    before = user.last_login
    answer = requests.post(f"{stand_in.url}/api/token", data={"refresh_token": stand_in.issue_refresh_token(
        "test-readonly")}, timeout=10)
    assert answer.status_code == 200
    assert user.last_login > before
    listed = {u["name"]: u for u in gql(stand_in, "ListUsers")["admin"]["user"]["list"]}
    assert listed["test-readonly"]["lastLogin"] == user.last_login.isoformat()


@pytest.mark.parametrize("document,variables,message", [
    ("DeleteUser", {}, "You cannot delete your own account"),
    ("SetUserActive", {"active": False}, "You cannot deactivate your own account"),
    ("SetUserAdmin", {"admin": False}, "You cannot revoke the administrator rights of your own account"),
])
def test_an_administrator_cannot_lock_themselves_out(stand_in, document, variables, message):
    field = {"DeleteUser": "delete", "SetUserActive": "setActive", "SetUserAdmin": "setAdmin"}[document]
    answer = user_mutation(stand_in, document, name="test-admin", **variables)[field]
    assert (answer["__typename"], answer["message"], answer["name"]) == ("OperationError", message, "CannotModifySelf")
    admin = stand_in.catalog.directory.get("test-admin")
    assert (admin.is_active, admin.is_admin) == (True, True)
    # the same change to someone else goes through
    stand_in.catalog.directory.add(User("lock-out-other", "lock-out-other@test.com", "user", is_admin=True))
    other = user_mutation(stand_in, document, name="lock-out-other", **variables)[field]
    assert other["__typename"] in ("Ok", "User")


QUILT3_ADMIN_CHILD = textwrap.dedent(
    """
    import json, sys
    from quilt_e2e.stack.sandbox import Sandbox

    catalog_url, refresh_token = sys.argv[1:3]
    sandbox = Sandbox().enter({})
    try:
        import quilt3
        from quilt3.admin import exceptions, roles, sso_config, users

        quilt3.config(catalog_url)
        quilt3.session.login_with_token(refresh_token)
        out = {}
        created = users.create("q3-admin", "q3-admin@test.com", "user", ["analyst"])
        out["created"] = [created.name, created.role.name, [r.name for r in created.extra_roles],
                          created.role.typename__, [p.title for p in created.role.policies],
                          sorted(p.bucket for p in created.role.permissions)]
        out["email"] = users.set_email("q3-admin", "q3-admin.new@test.com").email
        out["admin"] = users.set_admin("q3-admin", True).is_admin
        out["active"] = users.set_active("q3-admin", False).is_active
        users.reset_password("q3-admin")
        role = users.set_role("q3-admin", "viewer", ["editor"], append=False)
        out["set_role"] = [role.role.name, [r.name for r in role.extra_roles]]
        out["add_roles"] = [r.name for r in users.add_roles("q3-admin", ["analyst"]).extra_roles]
        removed = users.remove_roles("q3-admin", ["viewer"], fallback="user")
        out["remove_roles"] = [removed.role.name, [r.name for r in removed.extra_roles]]
        got = users.get("q3-admin")
        out["got"] = [got.name, got.email, got.is_admin, got.is_active, got.date_joined.isoformat()]
        out["listed"] = sorted(u.name for u in users.list())
        out["unknown"] = users.get("q3-nobody") is None
        try:
            users.set_email("q3-nobody", "x@test.com")
        except exceptions.UserNotFoundError:
            out["mutate_unknown"] = "UserNotFoundError"
        try:
            users.create("q3-admin", "other@test.com", "user")
        except exceptions.Quilt3AdminError as exc:
            out["duplicate"] = exc.details.errors[0].name
        users.delete("q3-admin")
        out["deleted"] = users.get("q3-admin") is None
        listed_roles = roles.list()
        out["roles"] = sorted((r.name, r.typename__) for r in listed_roles)
        out["policies"] = sorted({p.title for r in listed_roles if r.typename__ == "ManagedRole" for p in r.policies})
        saved = sso_config.set(json.dumps({"version": "1.0", "default_role": "viewer"}))
        out["sso"] = [saved.uploader.name, sso_config.get().text == saved.text]
        out["sso_removed"] = [sso_config.set(None), sso_config.get()]
        print(json.dumps(out))
    finally:
        sandbox.exit()
    """
)


def test_quilt3_admin_works_against_the_stand_in(stand_in):
    proc = subprocess.run([sys.executable, "-c", QUILT3_ADMIN_CHILD, stand_in.url,
                           stand_in.issue_refresh_token("test-admin")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["created"] == ["q3-admin", "user", ["analyst"], "ManagedRole", ["Read and write all buckets"],
                              sorted([REGISTRY, DATA])]
    assert (out["email"], out["admin"], out["active"]) == ("q3-admin.new@test.com", True, False)
    assert out["set_role"] == ["viewer", ["editor"]]
    assert out["add_roles"] == ["editor", "analyst"]
    assert out["remove_roles"] == ["user", ["editor", "analyst"]]
    assert out["got"][:4] == ["q3-admin", "q3-admin.new@test.com", True, False]
    assert "q3-admin" in out["listed"] and "test-admin" in out["listed"]
    assert out["unknown"] is True and out["mutate_unknown"] == "UserNotFoundError"
    assert out["duplicate"] == "UsernameExists" and out["deleted"] is True
    assert ["service", "UnmanagedRole"] in out["roles"] and ["viewer", "ManagedRole"] in out["roles"]
    assert out["policies"] == ["Read all buckets", "Read and write all buckets"]
    assert out["sso"] == ["test-admin", True] and out["sso_removed"] == [None, None]
