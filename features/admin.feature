Feature: Catalog administration
  Administrators manage who may use the catalog: user accounts, their roles, and single sign-on.
  Everything an administrator changes is checked in the catalog itself, not only in what QuiltOps
  answers. Users a scenario creates exist only for that scenario.

  # -- users -----------------------------------------------------------------------------------------
  @multiuser
  Scenario: An administrator lists the catalog users
    Given I am logged in to the catalog as an administrator
    When I list the catalog users
    Then the list shows every catalog user with the email, role and status the catalog has for them
    And the list includes administrators and non-administrators

  @multiuser
  Scenario: An administrator looks up one user
    Given I am logged in to the catalog as an administrator
    When I look up the user account of a data scientist
    Then the account shows the email, role and status the catalog has for that user

  @multiuser
  Scenario: Looking up a user who does not exist reports it as not found
    Given I am logged in to the catalog as an administrator
    When I try to look up the user "nobody"
    Then the call is refused with a not found error

  @multiuser @severity.critical
  Scenario: An administrator creates a user
    Given I am logged in to the catalog as an administrator
    When I create a user named "new-test-user" with role "user"
    Then the returned account is "new-test-user" with role "user", active and without administrator rights
    And the catalog has the user "new-test-user", active and without administrator rights
    And the catalog has the user "new-test-user" with role "user" and extra roles ""
    And looking up the user "new-test-user" returns the same account

  @multiuser
  Scenario: A new user can be given extra roles from the start
    Given I am logged in to the catalog as an administrator
    When I create a user named "analyst-user" with role "user" and extra roles "analyst, viewer"
    Then the returned account has role "user" and extra roles "analyst, viewer"
    And the catalog has the user "analyst-user" with role "user" and extra roles "analyst, viewer"

  @multiuser
  Scenario: A user name that is taken cannot be created again
    Given I am logged in to the catalog as an administrator
    And a user named "taken" exists with role "user"
    When I try to create a user named "taken" with role "viewer"
    Then the call is refused with a validation error
    And the catalog still has the user "taken" with role "user" and the original email

  @multiuser
  Scenario: An email address that is taken cannot be used for a new user
    Given I am logged in to the catalog as an administrator
    And a user named "first" exists with role "user"
    When I try to create a user named "second" with the email of "first" and role "user"
    Then the call is refused with a validation error
    And the catalog has no user "second"

  @multiuser
  Scenario Outline: A user with <problem> is not created
    Given I am logged in to the catalog as an administrator
    When I try to create a user named "<name>" with email "<email>" and role "<role>"
    Then the call is refused with a validation error
    And the catalog has no user "<name>"

    Examples:
      | problem                | name        | email                     | role         |
      | a malformed email      | bad-email   | not-an-email              | user         |
      | a role that is unknown | bad-role    | bad-role@e2e.example.com  | no-such-role |

  @multiuser
  Scenario: An administrator changes a user's email address
    Given I am logged in to the catalog as an administrator
    And a user named "mover" exists with role "user"
    When I change the email of the user "mover" to "mover.new@e2e.example.com"
    Then the returned account shows the email "mover.new@e2e.example.com"
    And the catalog has the email "mover.new@e2e.example.com" for the user "mover"

  @multiuser
  Scenario: An email address cannot be changed to a malformed one
    Given I am logged in to the catalog as an administrator
    And a user named "careful" exists with role "user"
    When I try to change the email of the user "careful" to "not-an-email"
    Then the call is refused with a validation error
    And the catalog still has the user "careful" with role "user" and the original email

  @multiuser
  Scenario: An email address cannot be changed to one another user has
    Given I am logged in to the catalog as an administrator
    And a user named "owner" exists with role "user"
    And a user named "copycat" exists with role "user"
    When I try to change the email of the user "copycat" to the email of "owner"
    Then the call is refused with a validation error
    And the catalog still has the user "copycat" with role "user" and the original email

  @multiuser
  Scenario: Granting administrator rights lets the user administer the catalog
    Given I am logged in to the catalog as an administrator
    And a user named "promoted" exists with role "user"
    When I grant administrator rights to the user "promoted"
    Then the returned account has administrator rights
    And the user "promoted" can administer the catalog

  @multiuser
  Scenario: Revoking administrator rights stops the user administering the catalog
    Given I am logged in to the catalog as an administrator
    And an administrator named "demoted" exists with role "user"
    When I revoke the administrator rights of the user "demoted"
    Then the returned account has no administrator rights
    And the user "demoted" can no longer administer the catalog

  @multiuser @severity.critical
  Scenario: A deactivated user can no longer sign in
    Given I am logged in to the catalog as an administrator
    And a user named "leaver" exists with role "user"
    When I deactivate the user "leaver"
    Then the returned account is inactive
    And the user "leaver" can no longer sign in

  @multiuser
  Scenario: A reactivated user can sign in again
    Given I am logged in to the catalog as an administrator
    And a deactivated user named "returner" exists with role "user"
    When I reactivate the user "returner"
    Then the returned account is active
    And the user "returner" can sign in

  @multiuser
  Scenario: An administrator resets a user's password
    Given I am logged in to the catalog as an administrator
    And a user named "forgetful" exists with role "user"
    When I reset the password of the user "forgetful"
    Then the password reset is accepted
    And the catalog still has the user "forgetful" as an active account

  @multiuser @severity.critical
  Scenario: A deleted user is gone from the catalog
    Given I am logged in to the catalog as an administrator
    And a user named "doomed" exists with role "user"
    When I delete the user "doomed"
    Then the catalog has no user "doomed"
    And the user list no longer shows "doomed"
    When I try to look up the user "doomed"
    Then the call is refused with a not found error

  @multiuser @defect.QMCP-022
  Scenario Outline: Trying to <action> a user who does not exist reports it as not found
    Given I am logged in to the catalog as an administrator
    When I try to <action> the user "ghost"
    Then the call is refused with a not found error
    And the catalog has no user "ghost"

    Examples:
      | action                        |
      | delete                        |
      | deactivate                    |
      | reset the password of         |
      | grant administrator rights to |
      | change the email of           |
      | set the role of               |
      | add extra roles to            |

  # -- roles -----------------------------------------------------------------------------------------
  @multiuser
  Scenario: An administrator lists the roles users can be given
    Given I am logged in to the catalog as an administrator
    When I list the roles
    Then the roles are exactly the catalog's roles, each with its name and type
    And the roles include "admin, user, viewer, power-user, analyst, editor"

  @multiuser
  Scenario: An administrator changes a user's primary role
    Given I am logged in to the catalog as an administrator
    And a user named "climber" exists with role "user"
    When I set the role of the user "climber" to "power-user"
    Then the returned account has role "power-user" and extra roles ""
    And the catalog has the user "climber" with role "power-user" and extra roles ""

  @multiuser
  Scenario: An administrator gives a user extra roles
    Given I am logged in to the catalog as an administrator
    And a user named "collector" exists with role "user"
    When I add the extra roles "analyst, viewer" to the user "collector"
    Then the returned account has role "user" and extra roles "analyst, viewer"
    And the catalog has the user "collector" with role "user" and extra roles "analyst, viewer"

  @multiuser
  Scenario: An administrator takes an extra role away
    Given I am logged in to the catalog as an administrator
    And a user named "trimmed" exists with role "user" and extra roles "analyst, viewer"
    When I remove the roles "analyst" from the user "trimmed"
    Then the returned account has role "user" and extra roles "viewer"
    And the catalog has the user "trimmed" with role "user" and extra roles "viewer"

  @multiuser
  Scenario: Removing a user's primary role switches them to the fallback role
    Given I am logged in to the catalog as an administrator
    And a user named "switcher" exists with role "user"
    When I remove the roles "user" from the user "switcher" with the fallback role "viewer"
    Then the returned account has role "viewer" and extra roles ""
    And the catalog has the user "switcher" with role "viewer" and extra roles ""

  @multiuser
  Scenario: A user's primary role cannot be removed without a fallback role
    Given I am logged in to the catalog as an administrator
    And a user named "anchored" exists with role "user"
    When I try to remove the roles "user" from the user "anchored" without a fallback role
    Then the call is refused with a validation error
    And the catalog has the user "anchored" with role "user" and extra roles ""

  @multiuser
  Scenario: Setting a primary role while adding extra roles keeps the existing extra roles
    Given I am logged in to the catalog as an administrator
    And a user named "stacker" exists with role "user" and extra roles "viewer"
    When I set the role of the user "stacker" to "analyst", adding the extra roles "editor"
    Then the returned account has role "analyst" and extra roles "viewer, editor"
    And the catalog has the user "stacker" with role "analyst" and extra roles "viewer, editor"

  # -- single sign-on --------------------------------------------------------------------------------
  @multiuser
  Scenario: Without single sign-on there is no SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has no SSO configuration
    When I ask for the SSO configuration
    Then there is no SSO configuration

  @multiuser
  Scenario: An administrator reads the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I ask for the SSO configuration
    Then the SSO configuration returned gives everyone the role "viewer"

  @multiuser
  Scenario: An administrator sets the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has no SSO configuration
    When I set an SSO configuration that gives everyone the role "user"
    Then the returned SSO configuration reads back as the one I set, uploaded by me
    And the catalog holds the SSO configuration I set
    And asking for the SSO configuration returns the one I set

  @multiuser
  Scenario: An empty SSO configuration is refused and the previous one kept
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I try to set an empty SSO configuration
    Then the call is refused with a validation error
    And the catalog still holds its previous SSO configuration

  @multiuser
  Scenario: An administrator removes the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I remove the SSO configuration
    Then the removal returns no configuration
    And the catalog holds no SSO configuration
    When I ask for the SSO configuration
    Then there is no SSO configuration

  # -- who may do what -------------------------------------------------------------------------------
  @multiuser @severity.critical
  Scenario: A read-only user cannot publish a package
    Given I am logged in to the catalog as a read-only user
    And the single-file dataset is in the data bucket
    When I try to create a package from the single-file dataset
    Then the call is refused with a backend error
    And the registry holds no new package

  @multiuser
  Scenario Outline: Listing the catalog users is refused for <who>
    Given I am logged in to the catalog as <who>
    When I try to list the catalog users
    Then the call is refused with a permission error

    Examples:
      | who               |
      | a data scientist  |
      | a read-only user  |
      | a service account |

  @multiuser @defect.QMCP-023
  Scenario Outline: Creating users is refused for <who>
    Given I am logged in to the catalog as <who>
    When I try to create a user named "intruder" with role "admin"
    Then the call is refused with a permission error
    And the catalog has no user "intruder"

    Examples:
      | who              |
      | a data scientist |
      | a read-only user |

  @multiuser
  Scenario Outline: A data scientist cannot <action> another user
    Given a user named "bystander" exists with role "user"
    And I am logged in to the catalog as a data scientist
    When I try to <action> the user "bystander"
    Then the call is refused with a permission error
    And the catalog still has the user "bystander" with role "user", active and without administrator rights

    Examples: changes refused as lacking permission
      | action                |
      | look up               |
      | delete                |
      | reset the password of |

    @defect.QMCP-023
    Examples: changes refused as a failure of the catalog
      | action                        |
      | deactivate                    |
      | grant administrator rights to |
      | change the email of           |
      | set the role of               |
