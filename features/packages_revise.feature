Feature: Revising and comparing packages
  A package grows revision by revision: files are added, metadata is merged, and any two revisions,
  or two different packages, can be compared file by file.

  # -- updating -----------------------------------------------------------------------------------------
  @local @multiuser @severity.critical
  Scenario: Updating a package adds files and merges metadata
    Given the registry holds a package of the simple-csv dataset with description "Test package" and tags "test"
    When I add the single-file dataset to the package with tags "test, updated"
    Then the package has a new revision
    And the update result names the package, its registry and its new revision
    And the latest revision holds the files of simple-csv and single-file
    And the previous revision still holds only the files of simple-csv
    And the added files sit at the package root under their own names
    And every file of the new revision stays where it is in the data bucket
    And the new revision carries the commit message "Package updated via QuiltOps"
    And the package metadata reads back with description "Test package" and tags "test, updated"

  @local @multiuser @defect.QMCP-016
  Scenario: An update reports how many files the new revision holds
    Given the registry holds a package of the simple-csv dataset with description "Test package" and tags "test"
    When I add the single-file dataset to the package with tags "test, updated"
    Then the reported file count equals the number of files in the new revision

  @local @multiuser
  Scenario: An update with a message, the folder layout and copies
    Given the registry holds a package of the single-file dataset with description "Sensor data" and tags "raw"
    When I add version v1 of the versioned-data dataset to the package keeping its folders, with copies and the commit message "Add the v1 batch"
    Then the package has a new revision
    And the update result names the package, its registry and its new revision
    And the latest revision holds the files of single-file and versioned-data v1
    And the added files sit at their path in the data bucket
    And every file of the new revision is a copy in the registry bucket under the package's name
    And every file in the package has the checksum of the reference data
    And the new revision carries the commit message "Add the v1 batch"
    And the package metadata reads back with description "Sensor data" and tags "raw"

  @local @multiuser @defect.QMCP-016
  Scenario: An update skips locations that are not files
    Given the registry holds a package of the single-file dataset
    When I add version v1 of the versioned-data dataset to the package together with folders, bare buckets and a web address
    Then the package has a new revision
    And the latest revision holds the files of single-file and versioned-data v1
    And the reported file count equals the number of files in the new revision

  @local @multiuser @defect.QMCP-062
  Scenario: Updating keeps the metadata of the files already in the package
    Given the registry holds a package of the simple-csv dataset whose files carry their own metadata
    When I add the single-file dataset to the package with tags "annotated"
    Then the package has a new revision
    And the files that were in the package keep their own metadata

  @local @multiuser @defect.QMCP-052
  Scenario: The update result links to the package in the catalog
    Given I am logged in to the catalog as a data scientist
    And the registry holds a package of the single-file dataset
    When I add version v1 of the versioned-data dataset to the package
    Then the package has a new revision
    And the result links to the package's page in the catalog

  @local @multiuser @defect.QMCP-007
  Scenario: Updating a package that does not exist reports it as not found
    When I try to add the single-file dataset to the package "nonexistent-package"
    Then the call is refused with a not found error

  @local @multiuser
  Scenario Outline: An update without any file location is rejected (<what>)
    Given the baseline package single-file
    When I try to add <what> to the package
    Then the call is refused with a validation error
    And the error names the field "s3_uris"
    And the error message says "<problem>"
    And the error details include "<details>"
    And the package still has only its previous revision

    Examples:
      | what                                                    | problem                      | details      |
      | no files at all                                         | non-empty list               | field        |
      | only folders, a bare bucket, a web address and a number | No potentially valid S3 URIs | field, note  |

  @local @multiuser
  Scenario: An update needs a registry
    Given the baseline package single-file
    When I try to add the simple-csv dataset to the package without naming a registry
    Then the call is refused with a validation error
    And the error names the field "registry"
    And the package still has only its previous revision

  @local @multiuser
  Scenario: Updating a package by a malformed name is rejected as invalid input
    When I try to add a file to the package named "invalid-format"
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the error details give value as "invalid-format"

  @local @multiuser
  Scenario: An update that adds a file that does not exist fails as a backend error
    Given the registry holds a package of the single-file dataset
    When I try to add a file that does not exist to the package
    Then the call is refused with a backend error
    And the error message says "Package update failed"
    And the error names the package, the registry and the number of files it was given
    And the package still has only its previous revision

  # -- comparing ----------------------------------------------------------------------------------------
  @local @multiuser @defect.QMCP-008 @defect.QMCP-021
  Scenario: Diff of versioned data from v1 to v2 names the added, modified and deleted files
    Given a package made from version v1 of the versioned-data dataset
    When I add version v2 of the versioned-data dataset to the package
    And I compare the first revision of the package with the latest
    Then the diff lists added "file4.csv", modified "file1.csv" and deleted ""

  @local @multiuser @defect.QMCP-008
  Scenario: Diff between the v2 and v1 baseline packages
    When I compare baseline package versioned-data-v2 with baseline package versioned-data-v1
    Then the diff lists added "", modified "file1.csv" and deleted "file4.csv"

  @local @multiuser @defect.QMCP-008
  Scenario: Comparing two revisions by their hashes, in both directions
    Given the registry holds a package of the single-file dataset
    When I add version v1 of the versioned-data dataset to the package
    And I compare the first revision of the package with the latest
    Then the diff lists added "file1.csv, file2.csv, file3.csv", modified "" and deleted ""
    When I compare the latest revision of the package with the first
    Then the diff lists added "", modified "" and deleted "file1.csv, file2.csv, file3.csv"

  @local @multiuser
  Scenario: A revision compared with itself has no differences
    Given the baseline package versioned-data-v2
    When I compare the package with itself
    Then the diff lists added "", modified "" and deleted ""

  @local @multiuser @defect.QMCP-014
  Scenario: Comparing with a malformed revision hash is rejected as invalid input
    Given the baseline package versioned-data-v1
    When I try to compare the package at revision "invalid-hash-123" with its latest revision
    Then the call is refused with a validation error

  @local @multiuser @defect.QMCP-063
  Scenario: Comparing with a revision that does not exist reports it as not found
    Given the baseline package versioned-data-v1
    When I try to compare the package at revision "0000000000000000000000000000000000000000000000000000000000000000" with its latest revision
    Then the call is refused with a not found error

  @local @multiuser @defect.QMCP-064
  Scenario: Comparing with a package that does not exist reports it as not found
    Given the baseline package versioned-data-v1
    When I try to compare the package with the package "test-user/no-such-package"
    Then the call is refused with a not found error
