Feature: Data packages
  Data scientists bundle files from S3 into versioned Quilt packages, read them back,
  revise them, compare revisions and delete them. Every package a scenario creates is
  namespaced by the run and removed when the run ends.

  @local @multiuser @severity.critical
  Scenario Outline: Create a package from the <dataset> dataset
    Given the <dataset> dataset is in the data bucket
    When I create a package from the <dataset> dataset
    Then the package is created with a 64-character top hash
    And the package holds exactly the files of the <dataset> dataset
    And every file in the package has the checksum of the reference data

    Examples:
      | dataset          |
      | simple-csv       |
      | nested-structure |
      | large-package    |
      | mixed-formats    |
      | versioned-data   |
      | metadata-rich    |
      | empty-package    |
      | single-file      |

  @local @multiuser
  Scenario: Package metadata round trip
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset with description "Test package" and tags "test, e2e"
    Then the package metadata reads back with description "Test package" and tags "test, e2e"

  @local @multiuser
  Scenario: Rich nested metadata survives a round trip
    Given the metadata-rich dataset is in the data bucket
    When I create a package from the metadata-rich dataset with its metadata file as package metadata
    Then the package metadata reads back identical to the metadata file

  @local @multiuser @defect.QMCP-001
  Scenario: Package information shows name, revision, description and tags
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset with description "Test package" and tags "test, e2e"
    And I ask for the package information
    Then the information names the package and its latest revision
    And the information shows description "Test package" and tags "test, e2e"

  @local @multiuser
  Scenario: Auto-organize keeps the folder layout of the source
    Given the nested-structure dataset is in the data bucket
    When I create a package from the nested-structure dataset
    Then every file in the package sits at its path in the data bucket

  @local @multiuser
  Scenario: Without auto-organize files are placed at the package root
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset without auto-organize
    Then every file in the package sits at the package root under its own name

  @local @multiuser @defect.QMCP-017 @defect.QMCP-020
  Scenario: Without auto-organize, files that share a name are not silently dropped
    Given the nested-structure dataset is in the data bucket
    When I create a package from the nested-structure dataset without auto-organize
    Then the reported file count equals the number of files in the new revision

  @local @multiuser @defect.QMCP-003
  Scenario: Browsing the root of a nested package shows its top-level folders
    Given the baseline package nested-structure
    When I browse the root of the package
    Then the listing shows the folders "data, metadata" as directories without a size
    And the listing shows no files

  @local @multiuser @defect.QMCP-004
  Scenario: Browsing a folder given with a trailing slash
    Given the baseline package nested-structure
    When I browse the folder "data/raw/2024-01/" of the package
    Then the listing shows exactly the files of "data/raw/2024-01" in the nested-structure dataset

  @local @multiuser @defect.QMCP-005
  Scenario: Browsing a folder shows its files by their path in the package
    Given the baseline package nested-structure
    When I browse the folder "data/raw/2024-01" of the package
    Then the listing shows exactly the files of "data/raw/2024-01" in the nested-structure dataset
    And every listed file has its size in bytes

  @local @multiuser
  Scenario: Creating a large package stays within the spec's time
    Given the large-package dataset is in the data bucket
    When I create a package from the large-package dataset
    Then the package holds exactly the files of the large-package dataset
    And creating it took at most 60 seconds, the spec's limit

  @local @multiuser
  Scenario: Browsing a large package returns every file
    Given the baseline package large-package
    When I browse the root of the package
    Then the listing has one entry for each of the 100 files of the large-package dataset
    And browsing took at most 5 seconds, the spec's limit

  @local @multiuser @defect.QMCP-006
  Scenario: Browsing a folder that does not exist reports it as not found
    Given the baseline package nested-structure
    When I try to browse the folder "nonexistent/" of the package
    Then the call is refused with a not found error

  @local @multiuser @defect.QMCP-002
  Scenario: A download link serves the file's bytes
    Given the baseline package simple-csv
    When I ask for a download link to "file1.csv" in the package
    Then downloading the link returns bytes with the reference checksum of "simple-csv/file1.csv"

  @local @multiuser
  Scenario: Updating a package adds files and merges metadata
    Given a package made from the simple-csv dataset with description "Test package" and tags "test"
    When I add the single-file dataset to the package with tags "test, updated"
    Then the package has a new revision
    And the latest revision holds the files of simple-csv and single-file
    And the previous revision still holds only the files of simple-csv
    And the package metadata reads back with description "Test package" and tags "test, updated"

  @local @multiuser @defect.QMCP-016
  Scenario: An update reports how many files the new revision holds
    Given a package made from the simple-csv dataset with description "Test package" and tags "test"
    When I add the single-file dataset to the package with tags "test, updated"
    Then the reported file count equals the number of files in the new revision

  @local @multiuser @defect.QMCP-007
  Scenario: Updating a package that does not exist reports it as not found
    When I try to add the single-file dataset to the package "nonexistent-package"
    Then the call is refused with a not found error

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

  @local @multiuser
  Scenario: Deleting a package removes it from the registry
    Given a package made from the single-file dataset
    When I delete the package
    Then the deletion is confirmed
    And the registry no longer lists the package
    And the single-file reference data is still in the data bucket

  @local @multiuser
  Scenario Outline: Malformed package names are rejected before anything is written
    Given the single-file dataset is in the data bucket
    When I try to create a package named "<name>" from the single-file dataset
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the registry holds no new package

    Examples: names that are not user/package
      | name             |
      | invalid-format   |
      | user/pkg/extra   |
      | /pkg             |
      | user/            |

    @defect.QMCP-015
    Examples: names in user/package form that Quilt does not allow
      | name             |
      | user/has space   |
      | user/bad!chars   |

  @local @multiuser
  Scenario Outline: Malformed S3 locations are rejected
    When I try to create a package from the location "<uri>"
    Then the call is refused with a validation error
    And the error names the field "s3_uri"
    And the registry holds no new package

    Examples:
      | uri                          |
      | http://quilt-mcp-test-data/x |
      | s3://                        |
      | s3://quilt-mcp-test-data     |
      | s3:///no-bucket.csv          |
      | data/file.csv                |

  @local @multiuser
  Scenario: A package needs at least one file
    When I try to create a package from no files at all
    Then the call is refused with a validation error
    And the error names the field "s3_uris"
    And the registry holds no new package

  @local @multiuser @defect.QMCP-013
  Scenario: Asking for information on a malformed package name is rejected as invalid input
    When I try to get information on the package "invalid-format"
    Then the call is refused with a validation error

  @local @multiuser @severity.critical
  Scenario: A package pushed by one backend reads the same through the other
    Given a package made from the nested-structure dataset with description "Cross-backend" and tags "test, cross"
    When I read the package through the other backend
    Then it shows the same files with the same sizes as the reference data
    And it shows description "Cross-backend" and tags "test, cross"
