"""load_settings: defaults, environment variables, behave userdata, and the errors for bad input."""

from __future__ import annotations

import dataclasses
import re

import pytest

from quilt_e2e import config
from quilt_e2e.config import BACKENDS, DATA_PROFILES, STACKS, ConfigError, Settings, load_settings

# The names of the infrastructure spec.
SPEC_NAMES = {
    "data_bucket": "quilt-mcp-test-data",
    "scratch_bucket": "quilt-mcp-test-scratch",
    "packages_bucket": "quilt-mcp-test-packages",
    "glue_database": "quilt_mcp_test_db",
    "glue_table": "test_table_1",
    "athena_workgroup": "quilt-mcp-test-workgroup",
    "iam_role": "quilt-mcp-test-role",
}
VALID_KEYS = sorted(config._ENV_NAMES)


def settings(userdata=None, **env) -> Settings:
    """load_settings with an explicit environment, so the developer's shell never leaks in."""
    return load_settings(userdata or {}, env=env)


def assert_one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message, f"ConfigError must be one line: {message!r}"
    return message


# ---- defaults --------------------------------------------------------------------------------


def test_defaults_are_the_spec_names():
    s = settings()

    assert {key: getattr(s, key) for key in SPEC_NAMES} == SPEC_NAMES
    assert (s.stack, s.backend, s.region, s.data_profile) == ("embedded", "local", "us-east-1", "small")
    assert s.registry == "s3://quilt-mcp-test-packages"
    assert s.is_embedded


def test_default_run_id_is_a_valid_unique_namespace():
    first, second = settings().run_id, settings().run_id

    assert first != second
    for run_id in (first, second):
        assert config._RUN_ID_RE.match(run_id), run_id
        # and it is accepted back when passed explicitly (e.g. to re-run cleanup for that run)
        assert settings({"run_id": run_id}).run_id == run_id


def test_empty_environment_matches_os_environ_free_defaults(monkeypatch):
    for names in config._ENV_NAMES.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)

    from_os = load_settings({})  # env=None reads os.environ
    explicit = settings()

    assert dataclasses.replace(from_os, run_id="x-1") == dataclasses.replace(explicit, run_id="x-1")


# ---- precedence --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, env_name, env_value, userdata_value",
    [
        ("data_bucket", "QUILT_E2E_DATA_BUCKET", "env-data-bucket", "ud-data-bucket"),
        ("data_bucket", "QUILT_TEST_BUCKET_DATA", "env-data-bucket", "ud-data-bucket"),
        ("scratch_bucket", "QUILT_TEST_BUCKET_SCRATCH", "env-scratch", "ud-scratch"),
        ("packages_bucket", "QUILT_E2E_PACKAGES_BUCKET", "env-packages", "ud-packages"),
        ("region", "AWS_REGION", "eu-west-1", "eu-central-1"),
        ("athena_workgroup", "ATHENA_WORKGROUP", "env-wg", "ud-wg"),
        ("glue_database", "QUILT_E2E_GLUE_DATABASE", "env_db", "ud_db"),
        ("data_profile", "QUILT_E2E_DATA_PROFILE", "full", "small"),
        ("backend", "QUILT_E2E_BACKEND", "multiuser", "local"),
        ("run_id", "QUILT_E2E_RUN_ID", "env-run-1", "ud-run-1"),
    ],
)
def test_env_sets_a_value_and_userdata_wins(key, env_name, env_value, userdata_value):
    default = getattr(Settings(), key)
    assert env_value != default  # otherwise the test could not tell env from default

    assert getattr(settings(**{env_name: env_value}), key) == env_value
    assert getattr(settings({key: userdata_value}, **{env_name: env_value}), key) == userdata_value


def test_first_listed_environment_variable_wins():
    s = settings(QUILT_E2E_DATA_BUCKET="primary-name", QUILT_TEST_BUCKET_DATA="fallback-name")
    assert s.data_bucket == "primary-name"
    # an empty variable counts as unset
    s = settings(QUILT_E2E_DATA_BUCKET="", QUILT_TEST_BUCKET_DATA="fallback-name")
    assert s.data_bucket == "fallback-name"


def test_userdata_values_are_stripped_and_stringified():
    s = settings({"scratch_bucket": "  spaced-scratch  ", "provision": True, "stack": "aws"})
    assert s.scratch_bucket == "spaced-scratch"
    assert s.provision is True


@pytest.mark.parametrize(
    "word, expected",
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("off", False),
    ],
)
def test_provision_booleans_on_aws(word, expected):
    assert settings({"stack": "aws", "provision": word}).provision is expected
    assert settings(QUILT_E2E_STACK="aws", QUILT_E2E_PROVISION=word).provision is expected


def test_provision_rejects_non_boolean():
    with pytest.raises(ConfigError) as exc:
        settings({"stack": "aws", "provision": "maybe"})
    message = assert_one_line(exc)
    assert "provision" in message and "'maybe'" in message


def test_allure_keys_are_accepted_and_ignored():
    s = settings({"AllureFormatter.issue_pattern": "https://x/{}", "AllureFormatter.link_pattern": "y"})
    assert s.data_bucket == SPEC_NAMES["data_bucket"]


# ---- errors ------------------------------------------------------------------------------------


def test_unknown_key_names_it_and_lists_valid_keys():
    with pytest.raises(ConfigError) as exc:
        settings({"data_bukket": "x", "stack": "embedded"})

    message = assert_one_line(exc)
    assert "data_bukket" in message
    listed = message.split("valid -D keys are", 1)[1]
    assert [k.strip() for k in listed.split(",")] == VALID_KEYS


def test_several_unknown_keys_are_all_named():
    with pytest.raises(ConfigError) as exc:
        settings({"zeta": "1", "alpha": "2"})
    message = assert_one_line(exc)
    assert "alpha" in message and "zeta" in message


@pytest.mark.parametrize(
    "key, choices",
    [("stack", STACKS), ("backend", BACKENDS), ("data_profile", DATA_PROFILES)],
)
@pytest.mark.parametrize("source", ["userdata", "env"])
def test_bad_choice_names_value_and_choices(key, choices, source):
    bad = "nonsense-value"
    env_name = config._ENV_NAMES[key][0]
    with pytest.raises(ConfigError) as exc:
        if source == "userdata":
            settings({key: bad})
        else:
            settings(**{env_name: bad})

    message = assert_one_line(exc)
    assert f"'{bad}'" in message
    assert key in message
    for choice in choices:
        assert choice in message


@pytest.mark.parametrize(
    "name",
    ["UPPER-case-bucket", "ab", "-leading-dash", "trailing-dash-", "has_underscore", "has space", "x" * 64, "s3://full-url"],
)
def test_invalid_bucket_name(name):
    with pytest.raises(ConfigError) as exc:
        settings({"scratch_bucket": name})
    message = assert_one_line(exc)
    assert "scratch_bucket" in message and f"'{name}'" in message


@pytest.mark.parametrize("name", ["abc", "a.b-c", "x" * 63, "quilt-mcp-test-other"])
def test_valid_bucket_names_are_accepted(name):
    assert settings({"scratch_bucket": name}).scratch_bucket == name


@pytest.mark.parametrize("run_id", ["AB-upper", "a", "has_underscore", "-dash", "r" * 64])
def test_invalid_run_id(run_id):
    with pytest.raises(ConfigError) as exc:
        settings({"run_id": run_id})
    message = assert_one_line(exc)
    assert f"'{run_id}'" in message


@pytest.mark.parametrize(
    "userdata",
    [
        {"scratch_bucket": SPEC_NAMES["data_bucket"]},
        {"packages_bucket": SPEC_NAMES["scratch_bucket"]},
        {"data_bucket": "one-bucket", "scratch_bucket": "one-bucket", "packages_bucket": "one-bucket"},
    ],
)
def test_the_three_buckets_must_differ(userdata):
    with pytest.raises(ConfigError) as exc:
        settings(userdata)
    message = assert_one_line(exc)
    for key in ("data_bucket", "scratch_bucket", "packages_bucket"):
        assert key in message


def test_buckets_that_differ_only_via_env_and_userdata_mix_are_checked_too():
    with pytest.raises(ConfigError):
        settings({"packages_bucket": "shared-name"}, QUILT_E2E_SCRATCH_BUCKET="shared-name")


# ---- stack-dependent rules -------------------------------------------------------------------


@pytest.mark.parametrize("provision", ["false", "true"])
def test_embedded_forces_provision_and_drops_aws_profile(provision):
    s = settings({"stack": "embedded", "provision": provision, "aws_profile": "dev"})
    assert s.provision is True
    assert s.aws_profile == ""


def test_aws_keeps_provision_off_by_default_and_keeps_profile():
    s = settings({"stack": "aws"}, AWS_PROFILE="dev-profile")
    assert s.provision is False
    assert s.aws_profile == "dev-profile"
    assert not s.is_embedded


@pytest.mark.parametrize(
    "userdata",
    [
        {},
        {"data_bucket": "my-data", "scratch_bucket": "my-scratch", "packages_bucket": "my-packages"},
        {"stack": "aws", "data_bucket": "other-data"},
    ],
)
def test_owned_buckets_never_contain_the_data_bucket(userdata):
    s = settings(userdata)
    assert s.data_bucket not in s.owned_buckets
    assert s.owned_buckets == {s.scratch_bucket, s.packages_bucket}


def test_error_messages_are_single_line_for_every_kind_of_error():
    bad_inputs = [
        {"nope": "1"},
        {"stack": "gcp"},
        {"backend": "remote"},
        {"data_profile": "huge"},
        {"data_bucket": "Bad_Name"},
        {"run_id": "X"},
        {"provision": "perhaps"},
        {"data_bucket": "same-b", "scratch_bucket": "same-b"},
    ]
    for userdata in bad_inputs:
        with pytest.raises(ConfigError) as exc:
            settings(userdata)
        assert re.fullmatch(r"[^\n]+", str(exc.value)), userdata
