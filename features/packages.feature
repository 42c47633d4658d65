Feature: Data packages
  Data scientists bundle files from S3 into versioned Quilt packages and delete them again.
  Every package a scenario creates is namespaced by the run and removed when the run ends.
  Reading packages is in packages_read.feature; revising and comparing them in packages_revise.feature.

  # -- creating ---------------------------------------------------------------------------------------
  @local @multiuser @severity.critical
  Scenario Outline: Create a package from the <dataset> dataset
    Given the <dataset> dataset is in the data bucket
    When I create a package from the <dataset> dataset
    Then the package is created with a 64-character top hash
    And the package holds exactly the files of the <dataset> dataset
    And every file in the package has the checksum of the reference data
    And every file in the package sits at its path in the data bucket
    And the new revision carries the commit message "Package created via QuiltOps"
    And the package has no metadata

    Examples:
      | dataset          |
      | simple-csv       |
      | nested-structure |
      | mixed-formats    |
      | versioned-data   |
      | metadata-rich    |
      | empty-package    |
      | single-file      |

  @local @multiuser
  Scenario: Creating a large package stays within the spec's time
    Given the large-package dataset is in the data bucket
    When I create a package from the large-package dataset
    Then the package is created with a 64-character top hash
    And the package holds exactly the files of the large-package dataset
    And every file in the package has the checksum of the reference data
    And creating it is measured against the spec's limit of 60 seconds

  @local @multiuser
  Scenario: Package metadata round trip
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset with description "Test package" and tags "test, e2e"
    Then the package is created with a 64-character top hash
    And the package metadata reads back with description "Test package" and tags "test, e2e"

  @local @multiuser
  Scenario: Rich nested metadata survives a round trip
    Given the metadata-rich dataset is in the data bucket
    When I create a package from the metadata-rich dataset with its metadata file as package metadata
    Then the package metadata reads back identical to the metadata file

  @local @multiuser
  Scenario: Empty metadata creates a package without metadata
    When I create a package from the single-file dataset with empty metadata
    Then the package is created with a 64-character top hash
    And the package has no metadata

  @local @multiuser
  Scenario: Without auto-organize files are placed at the package root
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset without auto-organize
    Then the package is created with a 64-character top hash
    And every file in the package sits at the package root under its own name

  @local @multiuser @defect.QMCP-017 @defect.QMCP-020
  Scenario: Without auto-organize, files that share a name are not silently dropped
    Given the versioned-data dataset is in the data bucket
    When I create a package from the versioned-data dataset without auto-organize
    Then the reported file count equals the number of files in the new revision

  @local @multiuser
  Scenario: A commit message given at creation is recorded with the revision
    When I create a package from the single-file dataset with the commit message "First import of the sensor data"
    Then the package is created with a 64-character top hash
    And the new revision carries the commit message "First import of the sensor data"

  @local @multiuser @severity.critical
  Scenario: Creating a package with copies puts every file into the registry bucket
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset with copies of its files
    Then the package is created with a 64-character top hash
    And every file of the new revision is a copy in the registry bucket under the package's name
    And every file in the package has the checksum of the reference data
    And the simple-csv reference data is still in the data bucket

  @local @defect.QMCP-094
  Scenario: Packaging the same files again without copies leaves an earlier package's copies in place
    Given the simple-csv dataset is in the data bucket
    When I create a package from the simple-csv dataset with copies of its files
    And I create another package of the same files without copies and with the same commit message
    Then every file of the first package is still a copy in the registry bucket under its name

  @local @multiuser @defect.QMCP-050
  Scenario: A registry given by its bucket name alone receives the package
    When I try to create a package from the single-file dataset in the registry named by its bucket alone
    Then the registry holds the new package with exactly the files of the single-file dataset
    And the call succeeds with the new revision

  @local @multiuser @defect.QMCP-051
  Scenario: Without a registry the package goes to the session's default registry
    Given I am logged in to the catalog as a data scientist
    When I create a package from the single-file dataset without naming a registry
    Then the package is created in an S3 registry that holds it

  @local @defect.QMCP-051
  Scenario: Without a registry and without a catalog login the creation is refused as invalid input
    Given no catalog login exists
    When I try to create a package from the single-file dataset without naming a registry
    Then the call is refused with a validation error
    And the error names the field "registry"
    And the registry holds no new package

  @local @multiuser @defect.QMCP-052
  Scenario: The creation result links to the package in the catalog
    Given I am logged in to the catalog as a data scientist
    When I create a package from the single-file dataset
    Then the package is created with a 64-character top hash
    And the result links to the package's page in the catalog

  # -- refused creations ---------------------------------------------------------------------------------
  @local @multiuser
  Scenario Outline: Malformed package names are rejected before anything is written
    Given the single-file dataset is in the data bucket
    When I try to create a package named "<name>" from the single-file dataset
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the error details give value as "<name>"
    And the error message says "user/package"
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
  Scenario: A package needs a name
    When I try to create a package without a name from the single-file dataset
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the error message says "non-empty"
    And the registry holds no new package

  @local @multiuser
  Scenario Outline: Malformed S3 locations are rejected
    When I try to create a package from the location "<uri>"
    Then the call is refused with a validation error
    And the error names the field "s3_uri"
    And the error details give uri as "<uri>"
    And the error details give index as "0"
    And the error message says "<problem>"
    And the registry holds no new package

    Examples:
      | uri                          | problem                  |
      | http://quilt-mcp-test-data/x | must start with 's3://'  |
      | s3://                        | must include bucket and key |
      | s3://quilt-mcp-test-data     | must include bucket and key |
      | s3:///no-bucket.csv          | must include bucket and key |
      | s3://quilt-mcp-test-data/    | must include bucket and key |
      | data/file.csv                | must start with 's3://'  |

  @local @multiuser
  Scenario: A malformed location among good ones is named by its position
    When I try to create a package from the single-file dataset followed by the location "s3://quilt-mcp-test-data"
    Then the call is refused with a validation error
    And the error names the field "s3_uri"
    And the error details give uri as "s3://quilt-mcp-test-data"
    And the error details give index as "1"
    And the registry holds no new package

  @local @multiuser
  Scenario: A package needs at least one file
    When I try to create a package from no files at all
    Then the call is refused with a validation error
    And the error names the field "s3_uris"
    And the error message says "non-empty list"
    And the registry holds no new package

  @local @multiuser
  Scenario: Locations must be given as a list
    When I try to create a package from the single-file location given as text rather than a list
    Then the call is refused with a validation error
    And the error names the field "s3_uris"
    And the registry holds no new package

  @local @multiuser
  Scenario: Creating a package from a file that is not in the bucket fails and writes nothing
    When I try to create a package from the single-file dataset and a file that does not exist
    Then the call is refused with a backend error
    And the error message says "Package creation failed"
    And the error names the package, the registry and the number of files it was given
    And the registry holds no new package

  # -- deleting -------------------------------------------------------------------------------------------
  @local @multiuser
  Scenario Outline: Deleting a package removes every revision from the registry (bucket given <form>)
    Given the registry holds a package of the single-file dataset with two revisions a minute apart
    When I delete the package, naming the registry <form>
    Then the deletion is confirmed
    And the registry no longer lists the package
    And the registry holds no revision pointer of the package
    And the single-file reference data is still in the data bucket

    Examples:
      | form             |
      | by its name      |
      | as an S3 URI     |

  @local @multiuser
  Scenario Outline: Deleting <what> reports that nothing was deleted
    When I delete <what>
    Then the deletion reports that nothing was deleted
    And every baseline package is still in the registry

    @defect.QMCP-053
    Examples: a package name nobody uses
      | what                                   |
      | a package that does not exist           |

    Examples: a bucket that is not there
      | what                                   |
      | a package from a bucket that does not exist |

  # Multiuser only: a Platform session acts for the token's user; the Quilt3 backend deletes with the AWS
  # credentials of the environment by design.
  @multiuser @defect.QMCP-067 @severity.critical
  Scenario: A package cannot be deleted with an expired catalog token
    Given the registry holds a package of the single-file dataset
    And I present an expired catalog token for a data scientist
    When I delete the package, naming the registry by its name
    Then the deletion reports that nothing was deleted
    And the registry still lists the package

  @multiuser
  Scenario: Deleting a package that does not exist with an expired catalog token reports that nothing was deleted
    Given I present an expired catalog token for a data scientist
    When I delete a package that does not exist
    Then the deletion reports that nothing was deleted
    And every baseline package is still in the registry

  @local @multiuser
  Scenario: Deleting a package with more than a thousand revisions removes them all
    Given the registry holds a package of the single-file dataset with 1001 revisions
    When I delete the package, naming the registry as an S3 URI
    Then the deletion is confirmed
    And the registry holds no revision pointer of the package

  # -- both backends ----------------------------------------------------------------------------------------
  @local @multiuser @severity.critical
  Scenario: A package pushed by one backend reads the same through the other
    Given a package made from the versioned-data dataset with description "Cross-backend" and tags "test, cross"
    When I read the package through the other backend
    Then it shows the same files with the same sizes as the reference data
    And it shows description "Cross-backend" and tags "test, cross"
