Feature: Listing buckets
  QuiltOps lists the S3 buckets the user can work with: in local mode those the user's AWS
  credentials can list, in multiuser mode the buckets the catalog shows the user. Each bucket
  comes with the region it lives in, the user's access level to it and, where known, the date
  it was created.

  @local @multiuser @severity.critical @defect.QMCP-073
  Scenario: Listing the buckets I can use
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I list the buckets
    Then I see every bucket I can use, each with its creation date
    And each bucket names its region and my access level to it

  @local
  Scenario: Listing buckets needs no catalog login
    Given no catalog login exists
    When I open a QuiltOps session
    And I list the buckets
    Then I see every bucket I can use, each with its creation date

  @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-078
  Scenario: Listing buckets with a login the catalog no longer accepts is refused as unauthenticated
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I open a QuiltOps session
    And I try to list the buckets
    Then the call is refused with an authentication error
