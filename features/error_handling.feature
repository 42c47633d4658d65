Feature: Errors say what went wrong
  Every QuiltOps error is one of five types: authentication, failure of the backend, invalid
  input, not found, and permission. Each carries a message a person can read and act on, and its
  details as a dictionary for tools.

  The upstream spec (15.1 to 15.5) expects particular detail keys as well: auth_method and
  remediation, backend_type, operation and original_exception, field_name, field_value and
  validation_rule, resource_type, identifier and search_location, required_permissions, user_role
  and access_level. QuiltOps' own contract (its docstrings and exceptions.py) makes the details
  optional and promises none of those keys, so they are not asserted here; the keys QuiltOps does
  give (field and value, catalog_url, operation) are.

  @multiuser @severity.critical
  Scenario: An authentication error says how to log in
    Given no catalog login exists
    When I try to open a QuiltOps session
    Then the call is refused with an authentication error
    And the error tells me to run "quilt3 login"
    And the error explains itself in a readable message

  @local @multiuser
  Scenario: A failure of the backend names what failed
    Given I am logged in to the catalog as a data scientist
    And an address nobody answers at
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a backend error
    And the error message names the catalog configuration
    And the error explains itself in a readable message

  @local @multiuser
  Scenario: A validation error names the input that was wrong
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to create a package named "invalid-format" from the single-file dataset
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the error details give value as "invalid-format"
    And the error message says "user/package"
    And the error explains itself in a readable message
    And the registry holds no new package

  @local @multiuser @defect.QMCP-071
  Scenario: A not-found error names what could not be found
    Given I am logged in to the catalog as a data scientist
    And a web site that is not a Quilt catalog
    When I open a QuiltOps session
    And I try to read the configuration of that catalog
    Then the call is refused with a not found error
    And the error message names the address I asked for
    And the error explains itself in a readable message

  @multiuser
  Scenario: A permission error names the operation that was refused
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to list the catalog users
    Then the call is refused with a permission error
    And the error details give operation as "list users"
    And the error message says "Permission denied"
    And the error explains itself in a readable message
