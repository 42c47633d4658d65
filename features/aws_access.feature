Feature: AWS access through the session
  QuiltOps hands tools boto3 clients for the AWS services Quilt uses (S3, Athena, STS, ...). A
  client acts with the credentials the caller presents if there are any, else with those the catalog
  grants the logged-in user's role, else (local mode without a login) with the user's own AWS
  credentials; unless asked for another region, it works in the catalog's region.

  @local
  Scenario: AWS access works without a catalog login
    Given no catalog login exists
    When I open a QuiltOps session
    And I ask the session for an S3 client
    Then that client lists the reference data of the simple-csv dataset

  @local
  Scenario: Without a catalog login, AWS clients act as my own AWS identity
    Given no catalog login exists
    When I open a QuiltOps session
    And I ask the session for a client of the AWS service "sts"
    Then that client acts as my own AWS identity

  @local @multiuser
  Scenario: An S3 client reads the reference data byte for byte
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask the session for an S3 client
    Then that client lists the reference data of the simple-csv dataset
    And that client reads every file of the simple-csv dataset with its reference checksum

  @local @multiuser
  Scenario: An S3 client for another region
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask the session for an S3 client in region "us-west-2"
    Then that client is bound to region "us-west-2"

  @local @multiuser
  Scenario: An Athena client for another region
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask the session for a client of the AWS service "athena" in region "eu-west-1"
    Then that client is a client of the AWS service "athena" bound to region "eu-west-1"

  @local @multiuser
  Scenario: Clients for the AWS services Quilt uses are separate and work in the catalog's region
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask the session for clients of the AWS services "s3, athena, sts"
    Then each client is a separate client of its service in the catalog's region
    And each client answers a read-only call of its service

  @local @multiuser
  Scenario: Logged in, AWS clients act with the role the catalog grants me
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I ask the session for a client of the AWS service "sts"
    Then that client acts with the role the catalog grants a data scientist

  @local @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker
  Scenario: AWS credentials presented by the caller take precedence
    Given I am logged in to the catalog as a data scientist
    And I present AWS credentials of the test role
    When I open a QuiltOps session
    And I ask the session for a client of the AWS service "sts"
    Then that client acts with the AWS credentials I presented

  @local @multiuser @defect.QMCP-011 @defect.QMCP-070
  Scenario: Asking for an unknown AWS service is rejected as invalid input
    Given I am logged in to the catalog as a data scientist
    When I open a QuiltOps session
    And I try to get a client for the AWS service "invalid-service-xyz"
    Then the call is refused with a validation error
    And the error message says "invalid-service-xyz"

  @multiuser @use.with_stack=embedded @use.with_stack=shared @use.with_stack=docker @defect.QMCP-079
  Scenario: AWS clients are refused once the catalog no longer accepts my login
    Given I am logged in to the catalog as a data scientist
    And the catalog no longer accepts my login
    When I open a QuiltOps session
    And I try to get a client for the AWS service "sts"
    Then the call is refused with an authentication error

  @local @defect.QMCP-080
  Scenario: A damaged catalog login does not silently switch AWS identities
    Given I am logged in to the catalog as a data scientist
    And my saved AWS credentials from the catalog have been damaged
    When I open a QuiltOps session
    And I try to get a client for the AWS service "sts"
    Then the call is refused with an authentication error
