"""A local stand-in for the Quilt catalog and registry (config.json, login, credentials, GraphQL,
browsing sessions, search), backed by the embedded stack's S3. See server.CatalogStandIn."""

from quilt_e2e.catalog.server import CatalogStandIn

__all__ = ["CatalogStandIn"]
