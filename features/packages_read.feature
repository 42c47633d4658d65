Feature: Reading packages
  Data scientists look packages up, read their metadata, browse their folders, download their files
  and search the registry. Every answer is checked against what the registry holds.

  # -- information ------------------------------------------------------------------------------------
  @local @multiuser @defect.QMCP-001
  Scenario: Package information shows name, revision, description and tags
    Given a package made from the single-file dataset with description "Test package" and tags "test, e2e"
    When I ask for the package information
    Then the information names the package and its latest revision
    And the information shows description "Test package" and tags "test, e2e"
    And the information dates the package at its latest revision and names its registry and bucket

  @local @multiuser @defect.QMCP-001 @defect.QMCP-054
  Scenario: A package without a description has none in its information
    Given the registry holds a package of the single-file dataset with the commit message "Nightly import" and no metadata
    When I ask for the package information
    Then the information names the package and its latest revision
    And the information shows no description and no tags

  @local @multiuser @defect.QMCP-055
  Scenario: Information on a package that does not exist is refused as a backend failure
    When I try to get information on the package "test-user/no-such-package"
    Then the call is refused with a backend error
    And the error details give package_name as "test-user/no-such-package"
    And the error details give registry as "s3://quilt-mcp-test-packages"

  @local @multiuser @defect.QMCP-013
  Scenario: Asking for information on a malformed package name is rejected as invalid input
    When I try to get information on the package "invalid-format"
    Then the call is refused with a validation error

  # -- metadata ---------------------------------------------------------------------------------------
  @local @multiuser
  Scenario: Metadata of a baseline package reads back as it was written
    Given the baseline package metadata-rich
    When I read the package metadata
    Then the metadata is exactly the metadata file of the metadata-rich dataset

  @local @multiuser
  Scenario: Metadata of a package that does not exist cannot be read
    When I try to read the metadata of the package named "test-user/no-such-package"
    Then the call is refused with a backend error
    And the error message says "Get package metadata failed"
    And the error details give package_name as "test-user/no-such-package"
    And the error details give registry as "s3://quilt-mcp-test-packages"

  # -- browsing -------------------------------------------------------------------------------------
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
    And every listed entry has no date, no download link and the metadata of its file

  @local @multiuser @defect.QMCP-056
  Scenario: Browsing a file of a package shows just that file
    Given the baseline package nested-structure
    When I browse the folder "metadata/schema.json" of the package
    Then the listing shows only the file "metadata/schema.json" with its size in bytes

  @local @multiuser
  Scenario: Browsing a large package returns every file
    Given the baseline package large-package
    When I browse the root of the package
    Then the listing has one entry for each of the 100 files of the large-package dataset
    And every listed file has its size in bytes
    And every listed entry has no date, no download link and the metadata of its file
    And browsing is measured against the spec's limit of 5 seconds

  @local @multiuser @defect.QMCP-058
  Scenario: Browsing shows the metadata each file carries
    Given the registry holds a package of the simple-csv dataset whose files carry their own metadata
    When I browse the root of the package
    Then the listing has one entry for each of the 5 files of the simple-csv dataset
    And every listed file has its size in bytes
    And every listed entry has no date, no download link and the metadata of its file

  @local @multiuser @defect.QMCP-006
  Scenario: Browsing a folder that does not exist reports it as not found
    Given the baseline package nested-structure
    When I try to browse the folder "nonexistent/" of the package
    Then the call is refused with a not found error

  @local @multiuser
  Scenario: A package whose manifest is damaged cannot be browsed, and the failure names it
    Given the registry holds a package of the simple-csv dataset whose manifest records a negative file size
    When I try to browse the root of the package
    Then the call is refused with a backend error
    And the error message says "browse_content failed"
    And the error names the package, the registry and the path ""

  @local @multiuser @defect.QMCP-057
  Scenario: Browsing a package that does not exist reports it as not found
    When I try to browse the package named "test-user/no-such-package"
    Then the call is refused with a not found error

  # -- download links -------------------------------------------------------------------------------
  @local @multiuser @defect.QMCP-002
  Scenario: A download link serves the file's bytes
    Given the baseline package simple-csv
    When I ask for a download link to "file1.csv" in the package
    Then downloading the link returns bytes with the reference checksum of "simple-csv/file1.csv"
    And the link is valid only for a limited time, no longer than the catalog's browsing session

  @local @multiuser @defect.QMCP-002 @defect.QMCP-059
  Scenario Outline: A download link to <what> is refused as invalid input
    Given the baseline package nested-structure
    When I try to get a download link to "<path>" in the package
    Then the call is refused with a validation error

    Examples:
      | what                                | path                             |
      | a folder                            | data/raw/2024-01                 |
      | a file that is not in the package   | data/raw/2024-01/missing.csv     |

  @local @multiuser @defect.QMCP-002
  Scenario: A download link needs a path
    Given the baseline package simple-csv
    When I try to get a download link to "" in the package
    Then the call is refused with a validation error
    And the error names the field "path"

  @local @multiuser
  Scenario: A download link into a package that does not exist is refused as a backend failure
    When I try to get a download link to "file1.csv" in the package named "test-user/no-such-package"
    Then the call is refused with a backend error
    And the error details give package_name as "test-user/no-such-package"
    And the error details give registry as "s3://quilt-mcp-test-packages"
    And the error details give path as "file1.csv"

  # -- refused callers and malformed input ---------------------------------------------------------------
  @multiuser @defect.QMCP-068
  Scenario Outline: Reading a package with an expired catalog token is refused as unauthenticated (<operation>)
    Given I present an expired catalog token for a data scientist
    When I try to <operation> the package named "test-user/simple-csv"
    Then the call is refused with an authentication error

    Examples:
      | operation                  |
      | get information on         |
      | get a download link into   |
      | compare with itself        |

  @local @multiuser
  Scenario Outline: Reading a package by a malformed name is rejected as invalid input (<operation>)
    When I try to <operation> the package named "invalid-format"
    Then the call is refused with a validation error
    And the error names the field "package_name"
    And the error details give value as "invalid-format"

    Examples:
      | operation              |
      | read the metadata of   |

    @defect.QMCP-060
    Examples: browsing, which neither backend checks
      | operation              |
      | browse                 |

    @defect.QMCP-066
    Examples: operations the Quilt3 backend does not check
      | operation                  |
      | get a download link into   |
      | compare with itself        |

  @local @multiuser
  Scenario Outline: A registry given without its s3:// prefix is rejected as invalid input (<operation>)
    Given the baseline package simple-csv
    When I try to <operation> the package in the registry named by its bucket alone
    Then the call is refused with a validation error
    And the error names the field "registry"
    And the error details give value as "quilt-mcp-test-packages"

    Examples:
      | operation              |
      | read the metadata of   |
      | add a file to          |
      | search for             |

    @defect.QMCP-065
    Examples: package information, which neither backend checks
      | operation              |
      | get information on     |

    @defect.QMCP-060
    Examples: browsing, which neither backend checks
      | operation              |
      | browse                 |

    @defect.QMCP-066
    Examples: operations the Quilt3 backend does not check
      | operation                  |
      | get a download link into   |
      | compare with itself        |

  # -- search ---------------------------------------------------------------------------------------
  @local @multiuser
  Scenario: Searching is case-insensitive and shows each package as the registry has it
    Given I am logged in to the catalog as a data scientist
    And the registry holds a package of the simple-csv dataset in its folder
    When I search the registry for "SIMPLE"
    Then the results include the baseline package simple-csv
    And the results include the package
    And every result names a package the registry lists
    And the baseline package simple-csv is shown as the registry has it: name, description, tags, latest revision, time, registry and bucket

  @local @multiuser
  Scenario: An empty search lists every package in the registry
    Given I am logged in to the catalog as a data scientist
    When I search the registry with an empty query
    Then the results name exactly the packages the registry lists
    And every result names a package the registry lists
    And the baseline package single-file is shown as the registry has it: name, description, tags, latest revision, time, registry and bucket

  @local @multiuser
  Scenario: A search with wildcards finds exactly the packages whose names match
    Given I am logged in to the catalog as a data scientist
    When I search the registry for "*versioned-data-v?"
    Then the results name exactly the baseline packages "versioned-data-v1, versioned-data-v2"

  @local @multiuser
  Scenario Outline: Searching <which> finds nothing
    Given I am logged in to the catalog as a data scientist
    When I search <which> for "simple"
    Then the search finds nothing

    Examples:
      | which                                   |
      | the data bucket's registry              |
      | a registry the catalog does not know    |

  @local @multiuser
  Scenario: A package whose tags are a single word shows it as its one tag
    Given I am logged in to the catalog as a data scientist
    And the registry holds a package of the single-file dataset whose metadata gives the tags as the single word "sensor"
    When I search the registry for the package's name
    Then the results show the package with the tags "sensor"

  @local @multiuser @defect.QMCP-061
  Scenario: A package with several revisions is found once, at its latest revision
    Given I am logged in to the catalog as a data scientist
    And the registry holds a package of the single-file dataset with two revisions a minute apart
    When I search the registry for the package's name
    Then the results name the package once, at its latest revision

  @local @multiuser
  Scenario: Searching needs a registry
    Given I am logged in to the catalog as a data scientist
    When I try to search without naming a registry for "simple"
    Then the call is refused with a validation error
    And the error names the field "registry"
    And the error message says "non-empty string"

  @local
  Scenario: Searching without a catalog login fails as a backend error naming the search
    Given no catalog login exists
    When I try to search the registry for "simple"
    Then the call is refused with a backend error
    And the error message says "Package search failed"
    And the error details give query as "simple"
    And the error details give registry as "s3://quilt-mcp-test-packages"
