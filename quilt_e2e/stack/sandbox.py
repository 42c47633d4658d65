"""A throw-away HOME for one run, so the SUT never reads or writes a developer's real Quilt files.

quilt3 resolves its config/data/cache directories when it is first imported, so the sandbox must be
entered before anything imports quilt3 or quilt_mcp.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from quilt_e2e.stack.env_vars import EnvChanges

# An address nothing listens on: any HTTP(S) call that tries to leave loopback fails at once
# instead of waiting on a closed network (quilt3 telemetry, the public catalog's config.yml, ...).
_DEAD_PROXY = "http://127.0.0.1:9"
_LOOPBACK = "127.0.0.1,localhost,::1"

# quilt3's config keys (its CONFIG_TEMPLATE), written up front so quilt3 never autoconfigures from
# the public catalog; telemetry is off.
_QUILT3_CONFIG = """\
navigator_url:
default_local_registry: "{local_registry}"
default_remote_registry:
default_install_location:
registryUrl:
telemetry_disabled: true
s3Proxy:
apiGatewayEndpoint:
binaryApiGatewayEndpoint:
default_registry_version: 1
region:
"""


class SandboxError(RuntimeError):
    pass


class Sandbox:
    """Owns a temp directory used as HOME and XDG base; restores the environment on exit."""

    def __init__(self, parent: str | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="quilt-e2e-home-", dir=parent))
        self._env = EnvChanges()

    @property
    def quilt_data_dir(self) -> Path:
        return self.root / "xdg-data" / "Quilt"

    def enter(self, extra_env: Mapping[str, str] | None = None, block_network: bool = True) -> Sandbox:
        """Point HOME/XDG at the sandbox; with block_network, HTTP(S) beyond loopback fails fast."""
        if "quilt3" in sys.modules:
            import quilt3.util

            if not str(quilt3.util.BASE_PATH).startswith(str(self.root)):
                raise SandboxError(
                    "quilt3 was imported before the sandbox was entered; import quilt_mcp/quilt3 lazily"
                )
        env = {
            "HOME": str(self.root),
            "XDG_CONFIG_HOME": str(self.root / "xdg-config"),
            "XDG_DATA_HOME": str(self.root / "xdg-data"),
            "XDG_CACHE_HOME": str(self.root / "xdg-cache"),
            "QUILT_DISABLE_USAGE_METRICS": "true",
            "QUILT_MINIMIZE_STDOUT": "true",
            "MCP_TELEMETRY_ENABLED": "false",
            "MCP_TELEMETRY_LOCAL_ONLY": "true",
            # a developer's AWS config must not leak in either (the aws stack passes its own)
            "AWS_CONFIG_FILE": str(self.root / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.root / ".aws" / "credentials"),
        }
        if block_network:
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
                env[name] = _DEAD_PROXY
            env["NO_PROXY"] = env["no_proxy"] = _LOOPBACK
        env.update(extra_env or {})
        self.set_env(env)
        self.reset_quilt_session()
        return self

    def reset_quilt_session(self) -> None:
        """Back to a quilt3 that is configured for no catalog and logged in nowhere."""
        self.quilt_data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("auth.json", "credentials.json"):
            (self.quilt_data_dir / name).unlink(missing_ok=True)
        local_registry = (self.quilt_data_dir / "packages").as_uri()
        (self.quilt_data_dir / "config.yml").write_text(_QUILT3_CONFIG.format(local_registry=local_registry))
        if "quilt3" in sys.modules:  # drop the in-memory session too
            import quilt3.session

            quilt3.session.clear_session()
            quilt3.session.clear_api_key()

    def set_env(self, env: Mapping[str, str | None]) -> None:
        """Set (or with None, unset) variables, remembering the first original value of each."""
        self._env.set(env)

    def exit(self) -> None:
        self._env.restore()
        shutil.rmtree(self.root, ignore_errors=True)
