Feature: Working logged in to a catalog
  With a catalog login, QuiltOps knows the catalog, its registry and the user, and can talk
  GraphQL to it. Multiuser deployments get the user's identity as a JWT instead of a login;
  the catalog decides what that token is worth.

  Scenarios tagged @use.with_stack=embedded (or shared, docker) need the catalog to do something on purpose (mint an expired token, stop
  accepting a login): only the embedded stack's stand-in can, so they are skipped against a real
  catalog (-D catalog_url). A forged token (a genuine one re-signed with another key) needs no help.

  @local @multiuser @severity.critical
  Scenario: The status of a logged-in session names the catalog and its registry
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as authenticated against the catalog

  @local @multiuser
  Scenario: Logged in to a catalog whose configuration does not name its region, the status still names the catalog
    Given I am logged in to a catalog whose configuration does not name its region
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as authenticated against that catalog without its registry, region or tabulator catalog

  @local @multiuser
  Scenario: Searching the registry finds the baseline packages
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I search the registry for "simple"
    Then the results include the baseline package simple-csv
    And every result names its registry, bucket and a 64-character top hash
    And searching is measured against the spec's limit of 5 seconds

  @local @multiuser
  Scenario: A search without hits returns an empty list
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I search the registry for "no-package-is-called-like-this"
    Then the search finds nothing

  # (A configuration without registryUrl is not in the table: quilt3 cannot log in to such a catalog at all.)
  @local
  Scenario Outline: Without the <key> of the catalog configuration the GraphQL endpoint cannot be determined
    Given I am logged in to a catalog whose configuration lacks its "<key>"
    When I open a QuiltOps session
    And I try to get the GraphQL endpoint
    Then the call is refused with a backend error
    And the error message says "Missing required field '<key>'"

    Examples:
      | key                |
      | region             |
      | apiGatewayEndpoint |
      | analyticsBucket    |

  @local
  Scenario: A damaged catalog login is reported as not logged in
    Given I am logged in to the catalog as a data scientist
    And my saved catalog login has been damaged
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as not authenticated
    And the status names no catalog and no registry

  @local @defect.QMCP-081
  Scenario: GraphQL credentials of a damaged catalog login are refused as unauthenticated
    Given I am logged in to the catalog as a data scientist
    And my saved catalog login has been damaged
    When I open a QuiltOps session
    And I try to get the GraphQL authentication headers
    Then the call is refused with an authentication error

  @multiuser @severity.critical
  Scenario: Multiuser mode with a valid token builds the Platform backend
    Given I present a valid catalog token for a data scientist
    When I open a QuiltOps session
    Then the session is served by the Platform backend
    And a tool can declare the QuiltOps session as a parameter
    When I ask for the authentication status
    Then I am reported as authenticated against the catalog

  @multiuser
  Scenario: Multiuser mode without any token refuses to start
    Given no catalog login exists
    When I try to open a QuiltOps session
    Then the call is refused with an authentication error
    And the error tells me to run "quilt3 login"

  @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-077
  Scenario: A login the catalog no longer accepts is reported as not authenticated
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as not authenticated

  @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-019
  Scenario: An expired token is refused on the first operation
    Given I present an expired catalog token for a data scientist
    When I open a QuiltOps session
    And I try to search the registry for "simple"
    Then the call is refused with an authentication error

  @multiuser @defect.QMCP-019
  Scenario: A token signed with the wrong key is refused on the first operation
    Given I present a catalog token for a data scientist signed with the wrong key
    When I open a QuiltOps session
    And I try to search the registry for "simple"
    Then the call is refused with an authentication error
