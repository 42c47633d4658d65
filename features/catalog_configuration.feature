Feature: Catalog configuration
  A catalog describes itself in its configuration: the AWS region, the API gateway, the registry
  QuiltOps talks GraphQL to, and the analytics bucket of the stack it was deployed as, from which
  the stack's name and its tabulator data catalog follow. QuiltOps reads that configuration for
  any catalog address, and in local mode can make a catalog the default one; a multiuser
  deployment's catalog is fixed by the deployment (QUILT_CATALOG_URL).

  Addresses that are not a working catalog are small local web sites the suite serves itself, so
  these scenarios run against a real catalog too.

  @local @multiuser @severity.critical
  Scenario: Reading the catalog's configuration
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I read the configuration of the catalog
    Then I receive the catalog's configuration

  @local
  Scenario: Reading a catalog's configuration needs no catalog login
    Given no catalog login exists
    When I open a QuiltOps session
    And I read the configuration of the catalog
    Then I receive the catalog's configuration

  @local @multiuser
  Scenario: A catalog address ending in a slash reads the same configuration
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I read the configuration of the catalog, its address ending in a slash
    Then I receive the catalog's configuration

  @local @multiuser
  Scenario Outline: Reading a catalog configuration from <address> is rejected as invalid input
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to read a catalog configuration from <address>
    Then the call is refused with a validation error
    And the error message says "catalog URL"

    Examples:
      | address            |
      | an empty address   |
      | no address at all  |

  @local @multiuser @defect.QMCP-071
  Scenario: A web site that is not a Quilt catalog has no catalog configuration
    Given I am logged in to the catalog as a data scientist
    And a web site that is not a Quilt catalog
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a not found error
    And the error message says "not found"

  @local @multiuser @defect.QMCP-072
  Scenario: A catalog that refuses access to its configuration is reported as an authentication problem
    Given I am logged in to the catalog as a data scientist
    And a catalog that refuses access to its configuration
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with an authentication error

  @local @multiuser
  Scenario Outline: Reading the configuration at <site> is reported as a failure of the backend
    Given I am logged in to the catalog as a data scientist
    And <site>
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a backend error
    And the error message names the catalog configuration
    And the error message says "<reason>"

    Examples:
      | site                                             | reason                |
      | an address nobody answers at                     | config.json           |
      | a host name that does not exist                  | config.json           |
      | a web site that answers every address with its home page | Expecting value |
      | a catalog whose configuration is not a JSON object | transformation failed |

  @local @multiuser
  Scenario Outline: A catalog configuration without its <key> is reported as a failure of the backend
    Given I am logged in to the catalog as a data scientist
    And a catalog whose configuration lacks its "<key>"
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a backend error
    And the error message says "Missing required field '<key>'"

    Examples:
      | key                |
      | region             |
      | apiGatewayEndpoint |
      | registryUrl        |
      | analyticsBucket    |

  @multiuser
  Scenario: A failure to read a catalog's configuration names the catalog in its details
    Given an address nobody answers at
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a backend error
    And the error's details name the address I asked for

  @local
  Scenario: Without a chosen catalog there is no default registry
    Given no catalog login exists
    When I open a QuiltOps session
    And I ask for the registry URL
    Then there is no registry URL

  @local @multiuser
  Scenario: A logged-in session's registry is its catalog's registry
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask for the registry URL
    Then the registry URL is the catalog's registry

  @local @severity.critical
  Scenario: Choosing the default catalog
    Given no catalog login exists
    When I open a QuiltOps session
    And I choose the catalog as my default catalog
    Then the choice is accepted
    And my local Quilt configuration points at the catalog and its registry
    When I ask for the registry URL
    Then the registry URL is the catalog's registry
    When I ask for the authentication status
    Then I am reported as not authenticated
    And the status names no catalog and no registry

  @local
  Scenario: Choosing an unreachable catalog as default fails and changes nothing
    Given no catalog login exists
    When I open a QuiltOps session
    And I try to choose an address nobody answers at as my default catalog
    Then the call is refused with a backend error
    And the error explains itself in a readable message
    And my local Quilt configuration still names no catalog
    When I ask for the registry URL
    Then there is no registry URL

  @local @multiuser
  Scenario Outline: Choosing <address> as default catalog is rejected as invalid input
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to choose <address> as my default catalog
    Then the call is refused with a validation error
    And the error message says "catalog"

    Examples:
      | address           |
      | an empty address  |
      | no address at all |

  @multiuser
  Scenario: A multiuser deployment's catalog cannot be changed
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to choose the catalog as my default catalog
    Then the call is refused with a validation error
    And the error message says "QUILT_CATALOG_URL"
    When I ask for the registry URL
    Then the registry URL is the catalog's registry

  @multiuser
  Scenario Outline: A multiuser deployment naming <description> refuses to start
    Given the deployment names <description> and no registry
    When I try to open a QuiltOps session
    Then the call is refused with an authentication error
    And the error message says "<reason>"
    And the error explains itself in a readable message

    Examples:
      | description                                      | reason            |
      | no catalog address                               | QUILT_CATALOG_URL |
      | a catalog address nobody answers at              | registry URL      |
      | a catalog whose configuration names no registry  | registry URL      |

  @multiuser
  Scenario: A deployment whose GraphQL endpoint does not answer reports failures of the backend
    Given the deployment names a GraphQL endpoint nobody answers at
    When I open a QuiltOps session
    And I ask for the GraphQL endpoint
    Then the endpoint is the one the deployment names
    When I try to ask for the authentication status
    Then the call is refused with a backend error
    And the error message says "authentication status"
    When I try to run a GraphQL query for my user name
    Then the call is refused with a backend error
    And the error message says "GraphQL query failed"
    When I try to list the buckets
    Then the call is refused with a backend error
    And the error message says "List buckets failed"
