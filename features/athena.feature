Feature: Athena queries over tabulated data
  Analysts query the tables of the Glue catalog through Athena. The sample table holds the
  generated test_table_1 data; every expected answer below is computed independently from
  that generated data, never from Athena.

  Background:
    Given the sample table is registered in the Glue catalog

  @local
  Scenario: The test workgroup is offered, with its results in the scratch bucket
    When I list the Athena workgroups
    Then the test workgroup is listed with its results going to the scratch bucket

  @local
  Scenario: The test database is discovered
    When I list the Athena databases
    Then the test database is among them

  @local
  Scenario: The sample table is discovered in the test database
    When I list the tables of the test database
    Then the sample table is among them

  @local
  Scenario: The sample table's columns are described
    When I ask for the columns of the sample table
    Then the columns are "id int, name string, value double, timestamp timestamp"

  @local @severity.critical
  Scenario: A SELECT returns the true rows
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 10 ORDER BY id"
    Then the result has the columns "id, name, value"
    And the result rows equal the generated rows with id below 10, ordered by id

  @local
  Scenario: An aggregate returns the true figures
    When I run the query "SELECT COUNT(*) AS n, SUM(value) AS total, MIN(id) AS first_id, MAX(id) AS last_id FROM test_table_1"
    Then the result is one row with n, total, first_id and last_id computed from the generated data

  @local
  Scenario: A grouped aggregate returns one row per group
    When I run the query "SELECT MOD(id, 3) AS bucket, COUNT(*) AS n FROM test_table_1 GROUP BY MOD(id, 3) ORDER BY bucket"
    Then the result has one row per remainder of id divided by 3 with the generated counts

  @local @defect.QMCP-018
  Scenario: A query using the % operator runs like any other
    When I run the query "SELECT id % 3 AS bucket, COUNT(*) AS n FROM test_table_1 GROUP BY id % 3 ORDER BY bucket"
    Then the result has one row per remainder of id divided by 3 with the generated counts

  @local
  Scenario: A malformed query fails with a readable reason
    When I run the query "SELEC id FROM test_table_1"
    Then the query fails with a reason that mentions "SELEC"

  @local
  Scenario: A query on a missing table fails with a readable reason
    When I run the query "SELECT * FROM no_such_table"
    Then the query fails with a reason that mentions "no_such_table"
