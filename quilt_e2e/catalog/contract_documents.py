"""The 33 GraphQL documents of catalog-contract.md section 2, as quilt-mcp 0.22.0 sends them.

Data for the schema test (every document must parse and validate against schema.graphql) and for
anyone who wants to replay one. The text follows the SUT source; the user/role selections that the
admin module builds by concatenation are written out in full.
"""

from __future__ import annotations

_ROLE = """
  __typename
  ... on ManagedRole { id name arn }
  ... on UnmanagedRole { id name arn }
"""

_USER = f"""
  name email isActive isAdmin isSsoOnly isService dateJoined lastLogin
  role {{ {_ROLE} }}
  extraRoles {{ {_ROLE} }}
"""

_ERRORS = """
  ... on InvalidInput { errors { path message name context } }
  ... on OperationError { message name context }
"""

_USER_RESULT = f"""
  __typename
  ... on User {{ {_USER} }}
  {_ERRORS}
"""

_TABULATOR_RESULT = """
  __typename
  ... on BucketConfig { name tabulatorTables { name config } }
  ... on InvalidInput { errors { path message name context } }
  ... on OperationError { message }
"""


def _user_mutation(name: str, variables: str, field: str) -> str:
    return f"""
mutation {name}({variables}) {{
  admin {{ user {{ mutate(name: $name) {{ {field} {{ {_USER_RESULT} }} }} }} }}
}}
"""


DOCUMENTS: dict[str, str] = {
    # 2.1 auth status
    "AuthStatus": "query AuthStatus { me { name email isAdmin } }",
    # 2.2 buckets
    "ListBuckets": "query ListBuckets { bucketConfigs { name } }",
    "ListBuckets (tools.buckets)": """
query ListBuckets {
  bucketConfigs { name title description iconUrl relevanceScore browsable tags }
}
""",
    "anonymous bucketConfigs": "{ bucketConfigs { name } }",
    # 2.3 packages: read, browse, revisions
    "PackageInfo": """
query PackageInfo($bucket: String!, $name: String!) {
  package(bucket: $bucket, name: $name) {
    bucket
    name
    modified
    revision(hashOrTag: "latest") { hash message userMeta }
  }
}
""",
    "BrowseContent": """
query BrowseContent($bucket: String!, $name: String!, $path: String!) {
  package(bucket: $bucket, name: $name) {
    revision(hashOrTag: "latest") {
      dir(path: $path) {
        path
        children {
          __typename
          ... on PackageFile { path size physicalKey }
          ... on PackageDir { path }
        }
      }
      file(path: $path) { path size physicalKey }
    }
  }
}
""",
    "GetPackage": """
query GetPackage($bucket: String!, $name: String!, $hash: String!) {
  package(bucket: $bucket, name: $name) {
    revision(hashOrTag: $hash) { hash userMeta contentsFlatMap(max: 10000) }
  }
}
""",
    "GetRevisionHash": """
query GetRevisionHash($bucket: String!, $name: String!) {
  package(bucket: $bucket, name: $name) { revision(hashOrTag: "latest") { hash } }
}
""",
    "PackageRevisionsForDelete": """
query PackageRevisionsForDelete($bucket: String!, $name: String!, $page: Int!, $perPage: Int!) {
  package(bucket: $bucket, name: $name) {
    revisions { total page(number: $page, perPage: $perPage) { hash } }
  }
}
""",
    # 2.4 search
    "SearchPackages": """
query SearchPackages($buckets: [String!], $searchString: String) {
  searchPackages(buckets: $buckets, searchString: $searchString) {
    __typename
    ... on PackagesSearchResultSet {
      firstPage(size: 1000, order: NEWEST) { hits { name bucket hash modified comment meta } }
    }
    ... on EmptySearchResultSet { _ }
    ... on InvalidInput { errors { path message name context } }
    ... on OperationError { message name context }
  }
}
""",
    # 2.5 construct, promote, delete
    "PackageConstruct": """
mutation PackageConstruct($params: PackagePushParams!, $src: PackageConstructSource!) {
  packageConstruct(params: $params, src: $src) {
    __typename
    ... on PackagePushSuccess { package { name } revision { hash } }
  }
}
""",
    "PackagePromote": """
mutation PackagePromote($params: PackagePushParams!, $src: PackagePromoteSource!) {
  packagePromote(params: $params, src: $src) {
    __typename
    ... on PackagePushSuccess { revision { hash } }
    ... on InvalidInput { errors { path message name } }
    ... on OperationError { message name }
  }
}
""",
    "DeleteRevision": """
mutation DeleteRevision($bucket: String!, $name: String!, $hash: String!) {
  packageRevisionDelete(bucket: $bucket, name: $name, hash: $hash) {
    __typename
    ... on PackageRevisionDeleteSuccess { _ }
    ... on OperationError { message }
  }
}
""",
    # 2.6 browsing sessions
    "BrowsingSessionCreate": f"""
mutation BrowsingSessionCreate($scope: String!, $ttl: Int!) {{
  browsingSessionCreate(scope: $scope, ttl: $ttl) {{
    __typename
    ... on BrowsingSession {{ id expires }}
    {_ERRORS}
  }}
}}
""",
    # 2.7 tabulator
    "ListTabulatorTables": """
query ListTabulatorTables($name: String!) {
  bucketConfig(name: $name) { tabulatorTables { name config } }
}
""",
    "SetTabulatorTable": f"""
mutation SetTabulatorTable($bucketName: String!, $tableName: String!, $config: String) {{
  bucketSetTabulatorTable(bucketName: $bucketName, tableName: $tableName, config: $config) {{
    {_TABULATOR_RESULT}
  }}
}}
""",
    "RenameTabulatorTable": f"""
mutation RenameTabulatorTable($bucketName: String!, $tableName: String!, $newTableName: String!) {{
  bucketRenameTabulatorTable(bucketName: $bucketName, tableName: $tableName, newTableName: $newTableName) {{
    {_TABULATOR_RESULT}
  }}
}}
""",
    "GetOpenQueryStatus": "query GetOpenQueryStatus { admin { tabulatorOpenQuery } }",
    "SetOpenQuery": """
mutation SetOpenQuery($enabled: Boolean!) {
  admin { setTabulatorOpenQuery(enabled: $enabled) { tabulatorOpenQuery } }
}
""",
    # 2.8 admin: users, roles, SSO
    "ListUsers": f"query ListUsers {{ admin {{ user {{ list {{ {_USER} }} }} }} }}",
    "GetUser": f"query GetUser($name: String!) {{ admin {{ user {{ get(name: $name) {{ {_USER} }} }} }} }}",
    "CreateUser": f"""
mutation CreateUser($input: UserInput!) {{
  admin {{ user {{ create(input: $input) {{ {_USER_RESULT} }} }} }}
}}
""",
    "DeleteUser": f"""
mutation DeleteUser($name: String!) {{
  admin {{ user {{ mutate(name: $name) {{ delete {{ __typename {_ERRORS} }} }} }} }}
}}
""",
    "SetUserEmail": _user_mutation("SetUserEmail", "$name: String!, $email: String!", "setEmail(email: $email)"),
    "SetUserAdmin": _user_mutation("SetUserAdmin", "$name: String!, $admin: Boolean!", "setAdmin(admin: $admin)"),
    "SetUserActive": _user_mutation(
        "SetUserActive", "$name: String!, $active: Boolean!", "setActive(active: $active)"
    ),
    "ResetUserPassword": f"""
mutation ResetUserPassword($name: String!) {{
  admin {{ user {{ mutate(name: $name) {{ resetPassword {{ __typename {_ERRORS} }} }} }} }}
}}
""",
    "SetUserRole": _user_mutation(
        "SetUserRole",
        "$name: String!, $role: String!, $extraRoles: [String!], $append: Boolean!",
        "setRole(role: $role, extraRoles: $extraRoles, append: $append)",
    ),
    "AddUserRoles": _user_mutation("AddUserRoles", "$name: String!, $roles: [String!]!", "addRoles(roles: $roles)"),
    "RemoveUserRoles": _user_mutation(
        "RemoveUserRoles",
        "$name: String!, $roles: [String!]!, $fallback: String",
        "removeRoles(roles: $roles, fallback: $fallback)",
    ),
    "ListRoles": f"query ListRoles {{ roles {{ {_ROLE} }} }}",
    "GetSSOConfig": "query GetSSOConfig { admin { ssoConfig { text timestamp uploader { name email } } } }",
    "SetSSOConfig": f"""
mutation SetSSOConfig($config: String) {{
  admin {{
    setSsoConfig(config: $config) {{
      __typename
      ... on SsoConfig {{ text timestamp uploader {{ name email }} }}
      {_ERRORS}
    }}
  }}
}}
""",
}
