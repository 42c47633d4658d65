Feature: Athena queries over tabulated data
  Analysts query the tables of the Glue catalog through Athena. The sample table holds the
  generated test_table_1 data; every expected answer below is computed independently from
  that generated data, or read back from Glue, Athena and S3 themselves, never from the service.

  Scenarios tagged @use.with_stack=embedded (or shared, docker) change the account's Athena set-up on purpose (workgroups in another
  region, a misconfigured region): only the embedded stack is changed like that.

  Background:
    Given the sample table is registered in the Glue catalog

  # -- workgroups ------------------------------------------------------------------------------------
  @local @multiuser
  Scenario: The test workgroup is offered, with its results in the scratch bucket
    When I list the Athena workgroups
    Then the test workgroup is listed with its results going to the scratch bucket
    And every enabled workgroup of the region is listed with the details Athena has for it

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: Disabled workgroups are not offered and Quilt workgroups come first
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup       | state    | results | description           |
      | zeta-reports    | enabled  | yes     | Weekly reports        |
      | alpha-analytics | enabled  | yes     | Ad-hoc analysis       |
      | quilt-archive   | disabled | yes     | Retired Quilt queries |
      | team-QUILT-lab  | enabled  | no      | Quilt experiments     |
    When I list the Athena workgroups
    Then the workgroups offered are, in this order, "team-QUILT-lab, alpha-analytics, primary, zeta-reports"
    And every enabled workgroup of the region is listed with the details Athena has for it

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: Without a workgroup named, the service uses the first Quilt workgroup that keeps results
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup        | state    | results | description          |
      | alpha-analytics  | enabled  | yes     | Ad-hoc analysis      |
      | quilt-archive    | disabled | yes     | Retired Quilt space  |
      | quilt-no-results | enabled  | no      | Quilt, no results    |
      | my-quilt-lab     | enabled  | yes     | Quilt experiments    |
    When I open the Athena service without naming a workgroup
    Then the service runs its queries in the workgroup "my-quilt-lab" of the analyst's region

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: Without a Quilt workgroup, the service uses the first workgroup that keeps results
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup       | state   | results | description     |
      | zeta-reports    | enabled | yes     | Weekly reports  |
      | alpha-analytics | enabled | yes     | Ad-hoc analysis |
    When I open the Athena service without naming a workgroup
    Then the service runs its queries in the workgroup "alpha-analytics" of the analyst's region

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: When no workgroup keeps results, the service uses the first workgroup offered
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup        | state   | results | description       |
      | quilt-no-results | enabled | no      | Quilt, no results |
    When I open the Athena service without naming a workgroup
    Then the service runs its queries in the workgroup "quilt-no-results" of the analyst's region

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: When Athena offers no workgroup at all, the service falls back to the primary workgroup
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup | state    | results | description |
      | primary   | disabled | no      |             |
    When I list the Athena workgroups
    Then no workgroup is offered
    When I open the Athena service without naming a workgroup
    Then the service runs its queries in the workgroup "primary" of the analyst's region

  @local @multiuser
  Scenario: A workgroup named when opening the service is the one queries run in
    Given Athena also has the workgroup "explicit-choice" with its results in the scratch bucket
    When I open the Athena service for the workgroup "explicit-choice"
    And I run the query "SELECT COUNT(*) AS n FROM test_table_1"
    Then the service runs its queries in the workgroup "explicit-choice" of the analyst's region
    And the query's result file is in the results location of the workgroup "explicit-choice"
    And the result is one row with n computed from the generated data

  @local @multiuser
  Scenario: The workgroup the deployment names in its settings wins over discovery
    Given Athena also has the workgroup "configured-choice" with its results in the scratch bucket
    And the deployment names the Athena workgroup "configured-choice" in its settings
    When I open the Athena service without naming a workgroup
    Then the service runs its queries in the workgroup "configured-choice" of the analyst's region

  # -- the service and its clients ---------------------------------------------------------------------
  @local @multiuser
  Scenario: The Athena service opened without a backend builds its own for the current mode
    When I open the Athena service without giving it a backend
    And I list the Athena databases
    Then the service's backend is the one this mode uses
    And the databases listed are those of the Glue catalog, each with its documented fields

  @local @multiuser
  Scenario: The service's Glue and S3 clients reach the account's catalog and buckets
    When I open the Athena service without naming a workgroup
    Then the service's Glue client lists the databases the Glue catalog has, and stays the same client
    And the service's S3 client lists the files the data bucket has, and stays the same client
    And the service's query engine is Athena in the analyst's region, with the backend's credentials

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-042
  Scenario: In another region, the service's Glue client works in that region too
    Given the analyst works in a region whose Athena has the workgroups:
      | workgroup    | state   | results | description     |
      | my-quilt-lab | enabled | yes     | Quilt workgroup |
    When I open the Athena service without naming a workgroup
    Then the service's S3 client works in the analyst's region
    And the service's Glue client works in the analyst's region

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: A misconfigured region makes queries and descriptions report a failure instead of crashing
    Given the analyst's AWS region setting is "not a region!"
    When I open the Athena service without naming a workgroup
    Then the service's query engine falls back to the primary workgroup without credentials
    When I run the query "SELECT 1 AS one"
    Then the query fails with a reason that mentions "not a region!"
    When I ask for the columns of the sample table
    Then the description fails with a reason that mentions "not a region!"
    When I try to get the service's S3 client
    Then it cannot be made, for a reason that mentions "not a region!"

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-047
  Scenario: Listing the workgroups in a misconfigured region is refused as a failure of the backend
    Given the analyst's AWS region setting is "not a region!"
    When I try to list the Athena workgroups
    Then the call is refused with a backend error
    And the error message says "not a region!"

  # -- databases and tables --------------------------------------------------------------------------
  @local @multiuser
  Scenario: The test database is discovered
    When I list the Athena databases
    Then the test database is among them
    And the databases listed are those of the Glue catalog, each with its documented fields

  @local @multiuser
  Scenario: Databases are discovered in a data catalog named in lower case
    When I list the Athena databases of the data catalog "awsdatacatalog"
    Then the databases listed are those of the Glue catalog, each with its documented fields

  @local @multiuser
  Scenario: Discovering the databases of a data catalog that does not exist fails with a readable reason
    When I list the Athena databases of the data catalog "no_such_catalog"
    Then the discovery fails with a reason that mentions "no_such_catalog"

  @local @multiuser
  Scenario: The sample table is discovered in the test database
    When I list the tables of the test database
    Then the sample table is among them
    And the tables listed are those the test database has in Glue, each with its documented fields

  @local @multiuser
  Scenario Outline: Tables are discovered by a name pattern: <pattern>
    Given the test database also has a table "events" partitioned by region
    When I list the tables of the test database matching "<pattern>"
    Then the tables listed are "<tables>", each with its documented fields

    Examples:
      | pattern          | tables               |
      |                  | events, test_table_1 |
      | test_*           | test_table_1         |
      | *_events         | events               |
      | TEST_*\|*events  | events, test_table_1 |
      | *                | events, test_table_1 |
      | nothing_like_it  |                      |

  @local @multiuser
  Scenario: Listing the tables of a database that does not exist fails with a readable reason
    When I list the tables of the database "no_such_database"
    Then the discovery fails with a reason that mentions "no_such_database"

  @local @multiuser @defect.QMCP-041
  Scenario: Tables are listed from the data catalog that is asked for
    When I list the tables of the test database in the data catalog "no_such_catalog"
    Then the discovery fails with a reason that mentions "no_such_catalog"

  @local @multiuser
  Scenario: The sample table's columns are described
    When I ask for the columns of the sample table
    Then the columns are "id int, name string, value double, timestamp timestamp"
    And the description has the columns the sample table has in Glue and no partitions

  @local @multiuser @defect.QMCP-040
  Scenario: A partitioned table's partition columns are told apart from its other columns
    Given the test database also has a table "events" partitioned by region
    When I ask for the columns of the table "events"
    Then the description has the columns the table "events" has in Glue and its partitions

  @local @multiuser @defect.QMCP-041
  Scenario: A table is described from the data catalog that is asked for
    When I ask for the columns of the sample table in the data catalog "no_such_catalog"
    Then the description fails with a reason that mentions "no_such_catalog"

  @local @multiuser
  Scenario: Describing a table that does not exist fails with a readable reason
    When I ask for the columns of the table "no_such_table"
    Then the description fails with a reason that mentions "no_such_table"

  @local @multiuser
  Scenario: Describing a table of a database that does not exist fails with a readable reason
    When I ask for the columns of the table "test_table_1" of the database "no_such_database"
    Then the description fails with a reason that mentions "no_such_database"

  # -- queries ---------------------------------------------------------------------------------------
  @local @multiuser @severity.critical
  Scenario: A SELECT returns the true rows
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 10 ORDER BY id"
    Then the result has the columns "id, name, value"
    And the result rows equal the generated rows with id below 10, ordered by id
    And the result reports 10 rows, not truncated, for the query that was run

  @local @multiuser
  Scenario: Query results carry the types of the table's columns
    When I run the query "SELECT id, name, value, timestamp FROM test_table_1 ORDER BY id"
    Then the result has the columns "id, name, value, timestamp"
    And each result column has the type of its Glue column
    And the result rows equal every generated row, ordered by id

  @local @multiuser
  Scenario: A query naming its database runs without a database given
    When I run the query "SELECT COUNT(*) AS n FROM quilt_mcp_test_db.test_table_1" without naming a database
    Then the result is one row with n computed from the generated data

  @local @multiuser
  Scenario: A row limit below the result size truncates the result and says so
    When I run the query "SELECT id, name, value FROM test_table_1 ORDER BY id" with at most 7 rows
    Then the result rows equal the generated rows with id below 7, ordered by id
    And the result reports 7 rows, truncated at the limit, for the query that was run

  @local @multiuser
  Scenario: A row limit equal to the result size keeps every row
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 10 ORDER BY id" with at most 10 rows
    Then the result rows equal the generated rows with id below 10, ordered by id
    And the result reports 10 rows, not truncated, for the query that was run

  @local @multiuser @defect.QMCP-046
  Scenario: A negative row limit is refused
    When I run the query "SELECT id FROM test_table_1 ORDER BY id" with at most -2 rows
    Then the query fails with a reason that mentions "max_results"

  @local @multiuser
  Scenario: A query that matches no row returns its columns and no rows
    When I run the query "SELECT id, name FROM test_table_1 WHERE id < 0"
    Then the result has the columns "id, name"
    And the result reports 0 rows, not truncated, for the query that was run

  @local @multiuser
  Scenario: An aggregate returns the true figures
    When I run the query "SELECT COUNT(*) AS n, SUM(value) AS total, MIN(id) AS first_id, MAX(id) AS last_id FROM test_table_1"
    Then the result is one row with n, total, first_id and last_id computed from the generated data

  @local @multiuser
  Scenario: A grouped aggregate returns one row per group
    When I run the query "SELECT MOD(id, 3) AS bucket, COUNT(*) AS n FROM test_table_1 GROUP BY MOD(id, 3) ORDER BY bucket"
    Then the result has one row per remainder of id divided by 3 with the generated counts

  @local @multiuser @defect.QMCP-018
  Scenario: A query using the % operator runs like any other
    When I run the query "SELECT id % 3 AS bucket, COUNT(*) AS n FROM test_table_1 GROUP BY id % 3 ORDER BY bucket"
    Then the result has one row per remainder of id divided by 3 with the generated counts

  @local @multiuser
  Scenario: A malformed query fails with a readable reason
    When I run the query "SELEC id FROM test_table_1"
    Then the query fails with a reason that mentions "SELEC"

  @local @multiuser
  Scenario: A query on a missing table fails with a readable reason
    When I run the query "SELECT * FROM no_such_table"
    Then the query fails with a reason that mentions "no_such_table"

  @local @multiuser
  Scenario: Queries of a service opened for a data catalog that does not exist fail with a readable reason
    When I open the Athena service for the data catalog "no_such_catalog"
    And I run the query "SELECT COUNT(*) AS n FROM test_table_1"
    Then the query fails with a reason that mentions "no_such_catalog"

  @local @multiuser
  Scenario: A service opened for the data catalog by its lower-case name queries it
    When I open the Athena service for the data catalog "awsdatacatalog"
    And I run the query "SELECT COUNT(*) AS n FROM test_table_1"
    Then the result is one row with n computed from the generated data
    And the service's query engine addresses the data catalog "awsdatacatalog"

  # -- formatting results ----------------------------------------------------------------------------
  @local @multiuser
  Scenario Outline: Query results are formatted as <format>
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 5 ORDER BY id"
    And I format the result as "<requested>"
    Then the formatted result holds the generated rows with id below 5 as <format>
    And the formatted result keeps the result's figures and says its format is "<format>"
    And the formatted result comes <table> a table rendering for display

    Examples:
      | format  | requested | table   |
      | json    | json      | with    |
      | csv     | csv       | with    |
      | csv     | CSV       | with    |
      | table   | table     | without |
      | parquet | parquet   | without |

  @local @multiuser
  Scenario: A one-row result is formatted without a table rendering
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 1 ORDER BY id"
    And I format the result as "json"
    Then the formatted result holds the generated rows with id below 1 as json
    And the formatted result comes without a table rendering for display

  @local @multiuser @defect.QMCP-044
  Scenario: Results asked for in a format the service does not know come as JSON and say so
    When I run the query "SELECT id, name, value FROM test_table_1 WHERE id < 5 ORDER BY id"
    And I format the result as "xml"
    Then the formatted result holds the generated rows with id below 5 as json
    And the formatted result keeps the result's figures and says its format is "json"

  @local @multiuser @defect.QMCP-043
  Scenario: A table rendering shows text values exactly as they are
    When I run the query "SELECT chr(37) AS sign, 'x' || chr(37) || 'y' AS word UNION ALL SELECT 'a', 'b'"
    And I format the result as "table"
    Then the table rendering shows the rows "%, x%y" and "a, b" under the columns "sign, word"

  @local @multiuser
  Scenario: A failed query's result is passed through formatting unchanged
    When I run the query "SELECT * FROM no_such_table"
    And I format the result as "csv"
    Then the formatted result is the failed result, unchanged

  @local @multiuser
  Scenario: A result without rows is passed through formatting unchanged
    When I list the Athena databases
    And I format the result as "json"
    Then the formatted result is the discovery result, unchanged

  @local @multiuser
  Scenario: Results that parquet cannot hold are reported as a formatting failure
    When I run the query "SELECT json_parse(x) AS doc FROM (VALUES ('1'), ('"a"')) AS t(x)"
    And I format the result as "parquet"
    Then the formatting fails with a reason that mentions "doc"
