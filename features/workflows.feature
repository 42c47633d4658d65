@workflows
Feature: End-to-end workflows
  The journeys people make through the catalog, each chained in one scenario so that every step works on
  what the step before it produced: a data scientist shares a package, a collaborator revises it, an
  administrator onboards a colleague, an analyst sets up a table to query, and a developer reads through
  one backend what the other wrote. Each check is made against the registry, the catalog or the reference
  data, never against what the previous call said.

  @local @multiuser @severity.critical @defect.QMCP-002
  Scenario: A data scientist creates a package and shares it with a colleague
    Given I am logged in to the catalog as a data scientist
    And the simple-csv dataset is in the data bucket
    When I ask for the authentication status
    Then I am reported as authenticated against the catalog
    When I search the registry for "simple"
    Then the results include the baseline package simple-csv
    When I create a package from the simple-csv dataset with description "Shared analysis" and tags "shared, workflow"
    Then the package is created with a 64-character top hash
    And the package holds exactly the files of the simple-csv dataset
    And the package metadata reads back with description "Shared analysis" and tags "shared, workflow"
    When I browse the root of the package
    Then every listed file has its size in bytes
    When I ask for a download link to its file "simple-csv/file1.csv"
    Then downloading the link returns bytes with the reference checksum of "simple-csv/file1.csv"
    When a read-only user signs in to the catalog in my place
    And I search the registry for the package's name
    Then the results name the package once, at its latest revision
    When I ask for the package information
    Then the information shows description "Shared analysis" and tags "shared, workflow"

  @local @multiuser @severity.critical @defect.QMCP-008 @defect.QMCP-021
  Scenario: A collaborator finds a package, adds new data and compares the revisions
    Given I am logged in to the catalog as a data scientist
    And a package made from version v1 of the versioned-data dataset
    When I search the registry for the package's name
    Then the results name the package once, at its latest revision
    When I browse the root of the package
    Then every listed file has its size in bytes
    When I add version v2 of the versioned-data dataset to the package
    Then the package has a new revision
    And the previous revision still holds only the files of versioned-data v1
    When I compare the first revision of the package with the latest
    Then the diff lists added "file4.csv", modified "file1.csv" and deleted ""
    When I browse the root of the package
    Then every listed file has its size in bytes

  @local @multiuser @severity.critical
  Scenario: An administrator onboards a new colleague
    Given I am logged in to the catalog as an administrator
    When I create a user named "onboarded" with role "user"
    And I change the email of the user "onboarded" to "onboarded-work@example.com"
    And I set the role of the user "onboarded" to "power-user"
    And I add the extra roles "analyst, viewer" to the user "onboarded"
    And I list the catalog users
    Then the list shows every catalog user exactly as the catalog has them
    And the catalog has the user "onboarded" with role "power-user" and extra roles "analyst, viewer"
    And the catalog has the email "onboarded-work@example.com" for the user "onboarded"
    And the user "onboarded" can sign in

  # The embedded stack's Athena does not run the tabulator connector, so the analyst's query reads the
  # sample data through its Glue table; the tabulator table and the open-query switch are checked in the catalog.
  @local @multiuser @severity.critical
  Scenario: An analyst sets up a table over package data and queries it
    Given I am logged in to the catalog as an administrator
    And open query is disabled
    And the sample table is registered in the Glue catalog
    When I list the tabulator tables of the scratch bucket
    Then listing the tabulator tables of the scratch bucket shows no table of this run
    When I create the tabulator table "draft" in the scratch bucket with columns "id int, name string"
    And I rename the tabulator table "draft" of the scratch bucket to "measurements"
    And I change the columns of the tabulator table "measurements" of the scratch bucket to "id int, name string, value double"
    Then the catalog has the tabulator table "measurements" in the scratch bucket with columns "id int, name string, value double"
    And the catalog has no tabulator table "draft" in the scratch bucket
    And listing the tabulator tables of the scratch bucket shows "measurements" and nothing else of this run
    When I enable open query
    Then the catalog has open query enabled
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 10 ORDER BY id"
    Then the result rows equal the generated rows with id below 10, ordered by id

  @local @severity.critical
  Scenario: A developer writes a package with the Quilt3 backend and reads it with the Platform backend
    Given I am logged in to the catalog as a data scientist
    When I create a package from the simple-csv dataset with description "Cross-backend" and tags "test, cross"
    Then the package is created with a 64-character top hash
    When I find the package, browse it and ask for a link to its file "simple-csv/file1.csv" through the other backend
    Then the other backend shows it as the registry has it, with a link that serves that file's bytes
