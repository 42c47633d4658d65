Feature: Working logged in to a catalog
  With a catalog login, QuiltOps knows the catalog, its registry and the user, and can talk
  GraphQL to it. Multiuser deployments get the user's identity as a JWT instead of a login;
  the catalog decides what that token is worth.

  @local @multiuser @severity.critical
  Scenario: The status of a logged-in session names the catalog and its registry
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as authenticated against the catalog

  @local @multiuser
  Scenario: The session's GraphQL credentials are accepted by the catalog
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask for the GraphQL authentication headers
    Then the headers carry a bearer token the catalog accepts as a data scientist

  @local @multiuser
  Scenario: GraphQL queries run as the logged-in user
    Given I am logged in to the catalog as an administrator
    When I open a QuiltOps session
    And I run a GraphQL query for my user name
    Then the catalog answers with the user name of an administrator

  @local @multiuser
  Scenario: Searching the registry finds the baseline packages
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I search the registry for "simple"
    Then the results include the baseline package simple-csv
    And every result names its registry, bucket and a 64-character top hash
    And searching took at most 5 seconds, the spec's limit

  @local @multiuser
  Scenario: A search without hits returns an empty list
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I search the registry for "no-package-is-called-like-this"
    Then the search finds nothing

  @multiuser @severity.critical
  Scenario: Multiuser mode with a valid token builds the Platform backend
    Given I present a valid catalog token for a data scientist
    When I open a QuiltOps session
    Then the session is served by the Platform backend
    When I ask for the authentication status
    Then I am reported as authenticated against the catalog

  @multiuser
  Scenario: Multiuser mode without any token refuses to start
    Given no catalog login exists
    When I try to open a QuiltOps session
    Then the call is refused with an authentication error

  @multiuser @defect.QMCP-019
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
