Feature: Talking GraphQL to the catalog
  QuiltOps gives tools the catalog's GraphQL endpoint, the credentials to call it, and a way to run
  a query as the session's user, with variables and for a chosen registry. Queries the catalog
  rejects, and logins it no longer accepts, come back as the QuiltOps errors its contract names:
  invalid input for a query that cannot run, a failure of the backend for one the catalog refuses,
  an authentication error for a login it does not accept.

  The upstream spec expects an invalid query to come back as an answer carrying "errors"; QuiltOps'
  own contract (execute_graphql_query) says ValidationError, and that is what is asserted.

  @local @multiuser
  Scenario: The GraphQL endpoint is the registry's
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask for the GraphQL endpoint
    Then the endpoint is the GraphQL address of the catalog's registry

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
  Scenario: A GraphQL query with variables
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I run a GraphQL query for the data bucket's configuration, passing its name as a variable
    Then the catalog answers with the data bucket's configuration

  @local @multiuser
  Scenario: A GraphQL query addressed to the session's own registry
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I run a GraphQL query for my user name, addressed to the catalog's registry
    Then the catalog answers with the user name of a data scientist

  @local @multiuser @defect.QMCP-075
  Scenario: A GraphQL query addressed to another registry goes to that registry
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to run a GraphQL query for my user name, addressed to a registry nobody answers at
    Then the call is refused with a backend error

  @local @multiuser @defect.QMCP-074 @defect.QMCP-083
  Scenario Outline: A GraphQL query with <problem> is rejected as invalid input
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to run a GraphQL query with <problem>
    Then the call is refused with a validation error
    And the error message says "<reason>"

    Examples:
      | problem                           | reason             |
      | a field the catalog does not have | Cannot query field |
      | a syntax error                    | Syntax Error       |
      | a variable of the wrong type      | $name              |
      | a required variable missing       | $name              |

  @local @multiuser
  Scenario: A GraphQL query the catalog refuses is reported as a failure of the backend
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to run a GraphQL query for the catalog's users
    Then the call is refused with a backend error
    And the error message says "Forbidden"
    And the error explains itself in a readable message

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-076
  Scenario: A GraphQL query with a login the catalog no longer accepts is refused as unauthenticated
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I open a QuiltOps session
    And I try to run a GraphQL query for my user name
    Then the call is refused with an authentication error
