Feature: Cleanup after a run
  A run leaves nothing behind in the shared buckets and never harms the reference data:
  what it created carries its run id and is removed, even when scenarios fail.

  @local @multiuser
  Scenario: The run's scratch files are removed
    Given the run has written 3 files to the scratch bucket
    When the run is cleaned up
    Then the scratch bucket holds no files of this run

  @local @multiuser
  Scenario: Packages created by the run are removed, baselines are kept
    Given a package made from the single-file dataset
    When the run is cleaned up
    Then the registry holds no package of this run
    And every baseline package is still in the registry

  @local @multiuser @severity.critical
  Scenario: Reference data survives cleanup
    When the run is cleaned up
    Then the reference data in the data bucket still matches its checksums

  @local @multiuser
  Scenario Outline: Cleanup refuses a bucket outside its configured set
    When I ask cleanup to empty the <which> bucket
    Then cleanup refuses, naming the bucket
    And the reference data in the data bucket still matches its checksums

    Examples:
      | which     |
      | data      |
      | unrelated |
