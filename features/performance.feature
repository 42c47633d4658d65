@performance
Feature: Performance at the spec's sizes
  The spec puts limits on how long QuiltOps may take and how much memory it may use for large packages,
  a full registry, complex catalog queries and many sessions at once. Every figure is measured here,
  kept with the scenario's results, written to reports/performance.json and summed up at the end of the
  run, each with the spec's limit and whether it is within. With the spec-sized data
  (-D data_profile=full) a figure over its limit fails the scenario; with the small data the figures
  are reported only. Memory is what the process gains while the call runs.

  @local @multiuser
  Scenario: Browsing the large package stays within the spec's limits
    Given the baseline package large-package
    When I browse the root of the package, measuring time and memory
    Then the listing shows every file of the package with its size
    And the figures for browsing the large package are within the spec's limits

  @local @multiuser
  Scenario: Browsing a package of 1,000 files stays within the spec's limits
    Given the registry holds a package of 1,000 files
    When I browse the root of the package, measuring time and memory
    Then the listing shows every file of the package with its size
    And the figures for browsing 1,000 files are within the spec's limits

  @local @multiuser @use.with_data_profile=full
  Scenario: Creating the 500 MB large package stays within the spec's limits
    Given the large-package dataset is in the data bucket
    When I create a package from the large-package dataset, measuring time and memory
    Then the package holds exactly the files of the large-package dataset
    And every file in the package has the checksum of the reference data
    And the figures for creating the large package are within the spec's limits

  @local @multiuser
  Scenario: Searching a registry of 100 packages stays within the spec's limits
    Given I am logged in to the catalog as a data scientist
    And the registry holds at least 100 packages
    When I search the registry for "test", measuring time and memory
    Then the search finds each of the 100 packages that mention "test", at its latest revision
    And the figures for searching 100 packages are within the spec's limits

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: A complex catalog query stays within the spec's limits
    Given I am logged in to the catalog as a data scientist
    When I send the catalog one query over its buckets and the revisions of seven packages, measuring time and memory
    Then the answer shows the catalog's buckets and each package as the registry has it
    And the figures for a complex catalog query are within the spec's limits

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: Ten sessions working at once are not slowed down by each other
    Given I am logged in to the catalog as an administrator
    And the scratch bucket has the tabulator tables "throughput-a, throughput-b"
    When 10 sessions' mixed work on the scratch bucket runs one after another, then all at once
    Then every operation answers as the registry and the catalog say it should
    And the figures for ten sessions at once are within the spec's limits
