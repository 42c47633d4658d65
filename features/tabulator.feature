Feature: Tabulator tables
  Administrators turn the files of packages into queryable tables: a table belongs to a bucket
  and has a configuration naming its columns and the package files it reads. Whether anyone may
  query the tables directly ("open query") is one catalog-wide switch. Every change is checked in
  the catalog itself; tables a scenario creates exist only for that scenario, and open query is put
  back as it was.

  Who may change a bucket's tables follows the catalog: an administrator, or a user whose role may write
  to the bucket. Scenarios tagged @use.with_stack=embedded (or shared, docker) need the catalog to stop accepting a login on purpose: only
  the embedded stack's stand-in does that.

  # -- reading tables ------------------------------------------------------------------------------
  @multiuser @local
  Scenario: The tables of a bucket are listed with their configurations
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "orders, customers, invoices"
    When I list the tabulator tables of the scratch bucket
    Then the listing shows the tables "orders, customers, invoices" with the configurations the catalog has for them
    And every listed table has just a name and a configuration

  @multiuser @local
  Scenario: A read-only user reads the tables of a bucket
    Given I am logged in to the catalog as a read-only user
    And the scratch bucket has the tabulator tables "orders, customers"
    When I list the tabulator tables of the scratch bucket
    Then the listing shows the tables "orders, customers" with the configurations the catalog has for them

  @multiuser @local
  Scenario: A bucket without tables lists none
    Given I am logged in to the catalog as an administrator
    When I list the tabulator tables of the data bucket
    Then the listing shows no tables

  @multiuser @local
  Scenario: Listing the tables of a bucket the catalog does not know is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to list the tabulator tables of the bucket "no-such-bucket-in-this-catalog"
    Then the call is refused with a validation error
    And the error message says "Bucket not found: no-such-bucket-in-this-catalog"

  @multiuser @local @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: A user whose login the catalog no longer accepts cannot list tables
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I try to list the tabulator tables of the scratch bucket
    Then the call is refused with a backend error
    And the error message says "Failed to list tabulator tables"
    And the error details name the scratch bucket

  @local @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-045
  Scenario: The catalog's reason for refusing a login reaches the user listing tables
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I try to list the tabulator tables of the scratch bucket
    Then the call is refused with a backend error
    And the error message says "User is inactive"

  @multiuser @local
  Scenario: One table is read with its configuration
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has a tabulator table "orders" with columns "id int, name string"
    When I get the tabulator table "orders" of the scratch bucket
    Then I receive the table "orders" with the configuration the catalog has for it in the scratch bucket

  @multiuser @local
  Scenario: Reading a table that does not exist is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to get the tabulator table "no-such-table" of the scratch bucket
    Then the call is refused with a validation error
    And the error message says "Table not found"

  # -- changing tables -----------------------------------------------------------------------------
  @multiuser @local @severity.critical
  Scenario: An administrator creates a table
    Given I am logged in to the catalog as an administrator
    When I create the tabulator table "new-table" in the scratch bucket with columns "id int, name string"
    Then the catalog has the tabulator table "new-table" in the scratch bucket with columns "id int, name string"
    And the answer is the scratch bucket with the tables the catalog has for it
    And getting the tabulator table "new-table" of the scratch bucket shows columns "id int, name string"
    And listing the tabulator tables of the scratch bucket shows "new-table" and nothing else of this run

  @multiuser @local
  Scenario Outline: A table whose configuration has <kind> is not created
    Given I am logged in to the catalog as an administrator
    When I try to create the tabulator table "bad-table" in the scratch bucket with a configuration of <kind>
    Then the call is refused with a validation error
    And the error message says "Invalid configuration: config:"
    And the catalog has no tabulator table "bad-table" in the scratch bucket

    Examples:
      | kind                        |
      | text that is not YAML       |
      | no columns                  |
      | no source                   |
      | a list instead of a mapping |
      | empty text                  |

  @multiuser @local
  Scenario Outline: A table named <description> is not created
    Given I am logged in to the catalog as an administrator
    When I try to create a tabulator table named "<name>" in the scratch bucket
    Then the call is refused with a validation error
    And the error message says "tableName"
    And the catalog has no tabulator table named "<name>" in the scratch bucket

    Examples:
      | description            | name         |
      | with capital letters   | Has-Capitals |
      | with a space           | has space    |
      | with nothing in it     |              |

  @multiuser @local
  Scenario: Creating a table in a bucket the catalog does not know is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to create the tabulator table "lost" in the bucket "no-such-bucket-in-this-catalog"
    Then the call is refused with a validation error
    And the error message says "bucketName"

  @multiuser @local
  Scenario: Creating a table that exists replaces its configuration
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has a tabulator table "orders" with columns "id int"
    When I create the tabulator table "orders" in the scratch bucket with columns "id int, total double"
    Then the catalog has the tabulator table "orders" in the scratch bucket with columns "id int, total double"
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local
  Scenario: Creating a table without a configuration removes it
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "doomed, keeper"
    When I create the tabulator table "doomed" in the scratch bucket without a configuration
    Then the catalog has no tabulator table "doomed" in the scratch bucket
    And the tables "keeper" of the scratch bucket keep their configurations
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: A user whose login the catalog no longer accepts cannot create a table
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I try to create the tabulator table "late" in the scratch bucket with columns "id int"
    Then the call is refused with a backend error
    And the error message says "Failed to create/update tabulator table"
    And the error details name the scratch bucket and the table "late"
    And the catalog has no tabulator table "late" in the scratch bucket

  @multiuser @local
  Scenario: A data scientist who may write to the bucket creates a table
    Given I am logged in to the catalog as a data scientist
    When I create the tabulator table "team-table" in the scratch bucket with columns "id int, name string"
    Then the catalog has the tabulator table "team-table" in the scratch bucket with columns "id int, name string"
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local
  Scenario: An administrator changes the columns of a table
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has a tabulator table "orders" with columns "id int, name string"
    When I change the columns of the tabulator table "orders" of the scratch bucket to "id int, name string, value double"
    Then the catalog has the tabulator table "orders" in the scratch bucket with columns "id int, name string, value double"
    And getting the tabulator table "orders" of the scratch bucket shows columns "id int, name string, value double"
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local
  Scenario: Changing a table that does not exist creates it, as creating does
    Given I am logged in to the catalog as an administrator
    When I change the columns of the tabulator table "fresh" of the scratch bucket to "id int"
    Then the catalog has the tabulator table "fresh" in the scratch bucket with columns "id int"
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local
  Scenario: A table's columns are not changed to a configuration that is not YAML
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has a tabulator table "orders" with columns "id int, name string"
    When I try to change the tabulator table "orders" of the scratch bucket to a configuration of text that is not YAML
    Then the call is refused with a validation error
    And the error message says "Invalid configuration: config:"
    And the tables "orders" of the scratch bucket keep their configurations

  @multiuser @local
  Scenario: An administrator renames a table
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has a tabulator table "old-name" with columns "id int, name string"
    When I rename the tabulator table "old-name" of the scratch bucket to "new-name"
    Then the catalog has the tabulator table "new-name" in the scratch bucket with columns "id int, name string"
    And the answer is the scratch bucket with the tables the catalog has for it
    And the catalog has no tabulator table "old-name" in the scratch bucket
    When I try to get the tabulator table "old-name" of the scratch bucket
    Then the call is refused with a validation error

  @multiuser @local
  Scenario: A table cannot be renamed to the name of another table
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "table-a, table-b"
    When I try to rename the tabulator table "table-a" of the scratch bucket to "table-b"
    Then the call is refused with a validation error
    And the error message says "Invalid rename: newTableName:"
    And the tables "table-a, table-b" of the scratch bucket keep their configurations

  @multiuser @local
  Scenario: Renaming a table that does not exist is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to rename the tabulator table "no-such-table" of the scratch bucket to "any-name"
    Then the call is refused with a validation error
    And the error message says "Invalid rename: tableName:"
    And the catalog has no tabulator table "any-name" in the scratch bucket

  @multiuser @local
  Scenario: A table is not renamed to a name the catalog does not allow
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "table-a"
    When I try to rename the tabulator table "table-a" of the scratch bucket to the name "Not Allowed"
    Then the call is refused with a validation error
    And the error message says "Invalid rename: newTableName:"
    And the tables "table-a" of the scratch bucket keep their configurations

  @multiuser @local
  Scenario: Renaming a table in a bucket the catalog does not know is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to rename the tabulator table "table-a" of the bucket "no-such-bucket-in-this-catalog" to "table-b"
    Then the call is refused with a validation error
    And the error message says "bucketName"

  @multiuser @local
  Scenario: A read-only user cannot rename a table
    Given I am logged in to the catalog as a read-only user
    And the scratch bucket has the tabulator tables "table-a"
    When I try to rename the tabulator table "table-a" of the scratch bucket to "table-b"
    Then the call is refused with a backend error
    And the error message says "Forbidden"
    And the tables "table-a" of the scratch bucket keep their configurations

  @multiuser @local @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: A user whose login the catalog no longer accepts cannot rename a table
    Given I am logged in to the catalog as a data scientist
    And the scratch bucket has the tabulator tables "table-a"
    And the catalog no longer accepts my login
    When I try to rename the tabulator table "table-a" of the scratch bucket to "table-b"
    Then the call is refused with a backend error
    And the error message says "Failed to rename tabulator table"
    And the error details name the scratch bucket and the tables "table-a" and "table-b"
    And the tables "table-a" of the scratch bucket keep their configurations

  @multiuser @local @severity.critical
  Scenario: An administrator deletes a table
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "doomed, keeper"
    When I delete the tabulator table "doomed" of the scratch bucket
    Then the catalog has no tabulator table "doomed" in the scratch bucket
    And the tables "keeper" of the scratch bucket keep their configurations
    And listing the tabulator tables of the scratch bucket shows "keeper" and nothing else of this run
    And the answer is the scratch bucket with the tables the catalog has for it

  @multiuser @local
  Scenario: Deleting a table that does not exist leaves the other tables alone
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "keeper"
    When I delete the tabulator table "never-existed" of the scratch bucket
    Then the deletion answers with the bucket's remaining tables
    And the tables "keeper" of the scratch bucket keep their configurations

  @multiuser @local
  Scenario: Deleting a table in a bucket the catalog does not know is rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to delete the tabulator table "lost" of the bucket "no-such-bucket-in-this-catalog"
    Then the call is refused with a validation error
    And the error message says "bucketName"

  @multiuser @local
  Scenario: A read-only user cannot delete a table
    Given I am logged in to the catalog as a read-only user
    And the scratch bucket has the tabulator tables "keeper"
    When I try to delete the tabulator table "keeper" of the scratch bucket
    Then the call is refused with a backend error
    And the error message says "Forbidden"
    And the tables "keeper" of the scratch bucket keep their configurations

  @multiuser @local @defect.QMCP-024
  Scenario: A read-only user cannot create tables
    Given I am logged in to the catalog as a read-only user
    When I try to create the tabulator table "unauthorised" in the scratch bucket with columns "id int"
    Then the call is refused with a permission error
    And the catalog has no tabulator table "unauthorised" in the scratch bucket

  @multiuser @local @defect.QMCP-024
  Scenario: A read-only user cannot change a table
    Given I am logged in to the catalog as a read-only user
    And the scratch bucket has a tabulator table "orders" with columns "id int"
    When I try to change the columns of the tabulator table "orders" of the scratch bucket to "id int, total double"
    Then the call is refused with a permission error
    And the tables "orders" of the scratch bucket keep their configurations

  # -- open query ----------------------------------------------------------------------------------
  @multiuser @local
  Scenario: An administrator asks whether open query is enabled
    Given I am logged in to the catalog as an administrator
    When I ask whether open query is enabled
    Then the answer is the catalog's open-query setting

  @multiuser @local
  Scenario: A data scientist cannot ask whether open query is enabled
    Given I am logged in to the catalog as a data scientist
    When I try to ask whether open query is enabled
    Then the call is refused with a backend error
    And the error message says "Failed to get open query status"

  @multiuser @local
  Scenario Outline: Open query <before>, an administrator asks to <action> it
    Given I am logged in to the catalog as an administrator
    And open query is <before>
    When I <action> open query
    Then the answer says open query is <after>
    And the catalog has open query <after>

    Examples: switching
      | before   | action  | after    |
      | disabled | enable  | enabled  |
      | enabled  | disable | disabled |

    Examples: asking again changes nothing
      | before   | action  | after    |
      | enabled  | enable  | enabled  |
      | disabled | disable | disabled |

  @multiuser @local
  Scenario: A data scientist cannot switch open query
    Given I am logged in to the catalog as a data scientist
    And open query is disabled
    When I try to enable open query
    Then the call is refused with a backend error
    And the error message says "Failed to set open query status"
    And the catalog has open query disabled
