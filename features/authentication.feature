Feature: Authentication and session status
  Whoever uses QuiltOps first needs to know which backend serves them, whether they are
  logged in to a catalog, and what they can do without a login.

  Background:
    Given no catalog login exists

  @local @severity.critical
  Scenario: Local mode builds the Quilt3 backend
    When I open a QuiltOps session
    Then the session is served by the Quilt3 backend
    And a tool can declare the QuiltOps session as a parameter

  @local
  Scenario: Authentication status without a catalog login
    When I open a QuiltOps session
    And I ask for the authentication status
    Then I am reported as not authenticated
    And the status names no catalog and no registry

  @local @defect.QMCP-009
  Scenario: GraphQL queries without a catalog login are refused as unauthenticated
    When I open a QuiltOps session
    And I try to run a GraphQL query for my user name
    Then the call is refused with an authentication error

  @local @defect.QMCP-010
  Scenario: GraphQL credentials without a catalog login are refused as unauthenticated
    When I open a QuiltOps session
    And I try to get the GraphQL authentication headers
    Then the call is refused with an authentication error

  @local @defect.QMCP-082
  Scenario: Asking for the GraphQL endpoint without a catalog login is refused as unauthenticated
    When I open a QuiltOps session
    And I try to get the GraphQL endpoint
    Then the call is refused with an authentication error

  @local @defect.QMCP-012
  Scenario: Catalog administration without a catalog login is refused as unauthenticated
    When I open a QuiltOps session
    And I try to list the catalog users
    Then the call is refused with an authentication error
