Feature: Catalog administration
  Administrators manage who may use the catalog: user accounts, their roles, and single sign-on.
  Everything an administrator changes is checked in the catalog itself, not only in what QuiltOps
  answers, and every account, role and configuration QuiltOps returns is compared field by field with
  the catalog's own records. Users a scenario creates exist only for that scenario. Both backends run
  the same scenarios: the local one administers the catalog it is logged in to with quilt3.

  # -- the admin operations --------------------------------------------------------------------------
  @local @multiuser
  Scenario: A QuiltOps session offers catalog administration
    Given I am logged in to the catalog as an administrator
    When I open a QuiltOps session
    Then the session offers the catalog administration operations, the same ones each time
    And a tool can declare the administration operations as a parameter

  # -- users: reading --------------------------------------------------------------------------------
  @local @multiuser
  Scenario: An administrator lists the catalog users
    Given I am logged in to the catalog as an administrator
    And a single sign-on user named "sso-listed" exists with role "viewer"
    And a user named "unassigned" exists without a role
    And a user named "listed" exists with role "user" and extra roles "analyst, service"
    When I list the catalog users
    Then the list shows every catalog user exactly as the catalog has them
    And the list includes administrators and non-administrators

  @local @multiuser @defect.QMCP-025
  Scenario: The listed users' roles are shown with their kind
    Given I am logged in to the catalog as an administrator
    And a user named "listed-kinds" exists with role "user" and extra roles "service, analyst"
    When I list the catalog users
    Then the list shows every catalog user exactly as the catalog has them
    And every listed user's roles have the name, identifier, ARN and kind the catalog gives them

  @local @multiuser
  Scenario Outline: An administrator looks up the account of <who>
    Given I am logged in to the catalog as an administrator
    When I look up the user account of <who>
    Then the account shows exactly what the catalog has for that user

    Examples:
      | who               |
      | a data scientist  |
      | a read-only user  |
      | a service account |
      | an administrator  |

  @local @multiuser
  Scenario: An administrator sees when a user joined and last signed in
    Given I am logged in to the catalog as an administrator
    And a user named "regular" exists with role "user"
    And the user "regular" has signed in to the catalog
    When I look up the user "regular"
    Then the account shows exactly what the catalog has for "regular"
    And the account shows the user's latest sign-in as the last login, and the day they joined

  @local @multiuser
  Scenario: A single sign-on user is shown as one
    Given I am logged in to the catalog as an administrator
    And a single sign-on user named "sso-person" exists with role "viewer"
    When I look up the user "sso-person"
    Then the account shows exactly what the catalog has for "sso-person"
    And the account is marked as signing in through single sign-on only

  @local @multiuser
  Scenario: A user without a role is shown without one
    Given I am logged in to the catalog as an administrator
    And a user named "roleless" exists without a role
    When I look up the user "roleless"
    Then the account shows exactly what the catalog has for "roleless"
    And the account has no role and no extra roles

  @local @multiuser @defect.QMCP-025
  Scenario: Each of a user's roles is shown with its kind
    Given I am logged in to the catalog as an administrator
    And a user named "mixed" exists with role "user" and extra roles "service, analyst"
    When I look up the user "mixed"
    Then the account shows exactly what the catalog has for "mixed"
    And every role of the account has the name, identifier, ARN and kind the catalog gives it

  @local @multiuser @defect.QMCP-026
  Scenario: Looking up a user who does not exist reports it as not found
    Given I am logged in to the catalog as an administrator
    When I try to look up the user "nobody"
    Then the call is refused with a not found error
    And the error names the user "nobody"

  # -- users: creating -------------------------------------------------------------------------------
  @local @multiuser @severity.critical
  Scenario: An administrator creates a user
    Given I am logged in to the catalog as an administrator
    When I create a user named "new-test-user" with role "user"
    Then the catalog has the user "new-test-user" with role "user" and extra roles ""
    And the catalog has the user "new-test-user", active and without administrator rights
    And the returned account is exactly what the catalog has for "new-test-user"
    And looking up the user "new-test-user" returns the same account

  @local @multiuser
  Scenario Outline: A new user is created with <extra>
    Given I am logged in to the catalog as an administrator
    When I create a user named "extra-<label>" with role "user" and <extra>
    Then the catalog has the user "extra-<label>" with role "user" and extra roles "<held>"
    And the returned account is exactly what the catalog has for "extra-<label>"

    Examples:
      | label | extra                                | held            |
      | none  | no extra roles given                 |                 |
      | empty | an empty list of extra roles         |                 |
      | two   | the extra roles "analyst, viewer"    | analyst, viewer |
      | twice | the extra roles "viewer, viewer"     | viewer          |

  @local @multiuser @defect.QMCP-027
  Scenario: A user name that is taken cannot be created again
    Given I am logged in to the catalog as an administrator
    And a user named "taken" exists with role "user"
    When I try to create a user named "taken" with role "viewer"
    Then the call is refused with a validation error
    And the error message says "already exists"
    And the catalog still has the user "taken" with role "user" and the original email

  @local @multiuser @defect.QMCP-027
  Scenario: An email address that is taken cannot be used for a new user
    Given I am logged in to the catalog as an administrator
    And a user named "first" exists with role "user"
    When I try to create a user named "second" with the email of "first" and role "user"
    Then the call is refused with a validation error
    And the error message says "already in use"
    And the catalog has no user "second"

  @local @multiuser @defect.QMCP-027
  Scenario: A user with a malformed email is not created
    Given I am logged in to the catalog as an administrator
    When I try to create a user named "bad-email" with email "not-an-email" and role "user"
    Then the call is refused with a validation error
    And the error message says "Invalid email"
    And the catalog has no user "bad-email"

  @local @multiuser @defect.QMCP-027
  Scenario Outline: A user is not created when <which> does not exist
    Given I am logged in to the catalog as an administrator
    When I try to create a user named "bad-role" with role "<role>" and the extra roles "<extra>"
    Then the call is refused with a validation error
    And the error message says "no-such-role"
    And the catalog has no user "bad-role"

    Examples:
      | which         | role         | extra                 |
      | the role      | no-such-role | analyst               |
      | an extra role | user         | analyst, no-such-role |

  @local @multiuser @defect.QMCP-033
  Scenario: Extra roles that are not role names are rejected as invalid input
    Given I am logged in to the catalog as an administrator
    When I try to create a user named "odd-extra" with role "user" and extra roles that are not names
    Then the call is refused with a validation error
    And the catalog has no user "odd-extra"

  @local @multiuser
  Scenario Outline: A new user with <blank> is rejected before it reaches the catalog
    Given I am logged in to the catalog as an administrator
    When I try to create a user named "incomplete" with <blank>
    Then the call is refused with a validation error
    And the error message says "<message>"
    And the catalog received no request for it
    And the catalog has no user "incomplete"

    Examples:
      | blank          | message               |
      | an empty email | Email cannot be empty |
      | a blank email  | Email cannot be empty |
      | an empty role  | Role cannot be empty  |
      | a blank role   | Role cannot be empty  |

  @local @multiuser
  Scenario Outline: A request that names no user is rejected before it reaches the catalog
    Given I am logged in to the catalog as an administrator
    When I try to <action> a user whose name is <blank>
    Then the call is refused with a validation error
    And the error message says "Username cannot be empty"
    And the catalog received no request for it

    Examples:
      | action                             | blank       |
      | create                             | empty       |
      | create                             | only spaces |
      | look up                            | empty       |
      | look up                            | only spaces |
      | delete                             | empty       |
      | delete                             | only spaces |
      | deactivate                         | empty       |
      | reactivate                         | only spaces |
      | reset the password of              | empty       |
      | reset the password of              | only spaces |
      | grant administrator rights to      | empty       |
      | revoke the administrator rights of | only spaces |
      | change the email of                | empty       |
      | change the email of                | only spaces |
      | set the role of                    | empty       |
      | set the role of                    | only spaces |
      | add extra roles to                 | empty       |
      | add extra roles to                 | only spaces |
      | remove extra roles from            | empty       |
      | remove extra roles from            | only spaces |

  # -- users: changing -------------------------------------------------------------------------------
  @local @multiuser
  Scenario: An administrator changes a user's email address
    Given I am logged in to the catalog as an administrator
    And a user named "mover" exists with role "user"
    When I change the email of the user "mover" to "mover.new@e2e.example.com"
    Then the returned account shows the email "mover.new@e2e.example.com"
    And the catalog has the email "mover.new@e2e.example.com" for the user "mover"
    And the returned account is exactly what the catalog has for "mover"

  @local @multiuser
  Scenario: A user's email address can be set to the one it already has
    Given I am logged in to the catalog as an administrator
    And a user named "stayer" exists with role "user"
    When I change the email of the user "stayer" to the address it already has
    Then the catalog still has the original email for the user "stayer"
    And the returned account is exactly what the catalog has for "stayer"

  @local @multiuser @defect.QMCP-027
  Scenario: An email address cannot be changed to a malformed one
    Given I am logged in to the catalog as an administrator
    And a user named "careful" exists with role "user"
    When I try to change the email of the user "careful" to "not-an-email"
    Then the call is refused with a validation error
    And the error message says "Invalid email"
    And the catalog still has the user "careful" with role "user" and the original email

  @local @multiuser @defect.QMCP-027
  Scenario: An email address cannot be changed to one another user has
    Given I am logged in to the catalog as an administrator
    And a user named "owner" exists with role "user"
    And a user named "copycat" exists with role "user"
    When I try to change the email of the user "copycat" to the email of "owner"
    Then the call is refused with a validation error
    And the error message says "already in use"
    And the catalog still has the user "copycat" with role "user" and the original email

  @local @multiuser
  Scenario Outline: A change with <what> is rejected before it reaches the catalog
    Given I am logged in to the catalog as an administrator
    And a user named "careful" exists with role "user"
    When I try to <action> the user "careful" with <what>
    Then the call is refused with a validation error
    And the error message says "<message>"
    And the catalog received no request for it
    And the catalog still has the user "careful" with role "user", active and without administrator rights

    Examples:
      | action                  | what           | message                    |
      | change the email of     | an empty email | Email cannot be empty      |
      | change the email of     | a blank email  | Email cannot be empty      |
      | set the role of         | an empty role  | Role cannot be empty       |
      | set the role of         | a blank role   | Role cannot be empty       |
      | add extra roles to      | no roles       | Roles list cannot be empty |
      | remove extra roles from | no roles       | Roles list cannot be empty |

  @local @multiuser
  Scenario: Granting administrator rights lets the user administer the catalog
    Given I am logged in to the catalog as an administrator
    And a user named "promoted" exists with role "user"
    When I grant administrator rights to the user "promoted"
    Then the returned account has administrator rights
    And the user "promoted" can administer the catalog
    And the returned account is exactly what the catalog has for "promoted"

  @local @multiuser
  Scenario: Revoking administrator rights stops the user administering the catalog
    Given I am logged in to the catalog as an administrator
    And an administrator named "demoted" exists with role "user"
    When I revoke the administrator rights of the user "demoted"
    Then the returned account has no administrator rights
    And the user "demoted" can no longer administer the catalog
    And the returned account is exactly what the catalog has for "demoted"

  @local @multiuser @severity.critical
  Scenario: A deactivated user can no longer sign in
    Given I am logged in to the catalog as an administrator
    And a user named "leaver" exists with role "user"
    When I deactivate the user "leaver"
    Then the returned account is inactive
    And the returned account is exactly what the catalog has for "leaver"
    And the user "leaver" can no longer sign in

  @local @multiuser
  Scenario: A reactivated user can sign in again
    Given I am logged in to the catalog as an administrator
    And a deactivated user named "returner" exists with role "user"
    When I reactivate the user "returner"
    Then the returned account is active
    And the returned account is exactly what the catalog has for "returner"
    And the user "returner" can sign in

  @local @multiuser
  Scenario: An administrator resets a user's password
    Given I am logged in to the catalog as an administrator
    And a user named "forgetful" exists with role "user"
    When I reset the password of the user "forgetful"
    Then the password reset is accepted
    And the catalog still has the user "forgetful" as an active account

  @local @multiuser
  Scenario: The password of a single sign-on user cannot be reset
    Given I am logged in to the catalog as an administrator
    And a single sign-on user named "sso-reset" exists with role "user"
    When I try to reset the password of the user "sso-reset"
    Then the call is refused as an operation the catalog does not allow
    And the error message says "SSO"

  @local @multiuser
  Scenario Outline: An administrator cannot <action> their own account
    Given I am logged in to the catalog as an administrator
    When I try to <action> my own account
    Then the call is refused as an operation the catalog does not allow
    And the error message says "your own account"
    And I am still an active administrator in the catalog

    Examples:
      | action                             |
      | delete                             |
      | deactivate                         |
      | revoke the administrator rights of |

  @local @multiuser @severity.critical
  Scenario: A deleted user is gone from the catalog
    Given I am logged in to the catalog as an administrator
    And a user named "doomed" exists with role "user"
    When I delete the user "doomed"
    Then the deletion is accepted
    And the catalog has no user "doomed"
    And the user list no longer shows "doomed"

  @local @multiuser @defect.QMCP-022
  Scenario Outline: Trying to <action> a user who does not exist reports it as not found
    Given I am logged in to the catalog as an administrator
    When I try to <action> the user "ghost"
    Then the call is refused with a not found error
    And the error message says "not found"
    And the error names the user "ghost"
    And the catalog has no user "ghost"

    Examples:
      | action                             |
      | delete                             |
      | deactivate                         |
      | reactivate                         |
      | reset the password of              |
      | grant administrator rights to      |
      | revoke the administrator rights of |
      | change the email of                |
      | set the role of                    |
      | add extra roles to                 |
      | remove extra roles from            |

  # -- roles -----------------------------------------------------------------------------------------
  @local @multiuser @defect.QMCP-025
  Scenario: An administrator lists the roles users can be given
    Given I am logged in to the catalog as an administrator
    When I list the roles
    Then the roles are exactly the catalog's roles, each with its identifier, name and ARN
    And the roles include "admin, user, viewer, power-user, analyst, editor"
    And each role has the kind the catalog gives it

  @local @multiuser
  Scenario: An administrator changes a user's primary role
    Given I am logged in to the catalog as an administrator
    And a user named "climber" exists with role "user" and extra roles "viewer"
    When I set the role of the user "climber" to "power-user"
    Then the catalog has the user "climber" with role "power-user" and extra roles ""
    And the returned account is exactly what the catalog has for "climber"

  @local @multiuser
  Scenario Outline: Setting a user's primary role with <extra>, <mode>
    Given I am logged in to the catalog as an administrator
    And a user named "stacker" exists with role "user" and extra roles "viewer"
    When I set the role of the user "stacker" to "analyst" with <extra>, <mode>
    Then the catalog has the user "stacker" with role "analyst" and extra roles "<held>"
    And the returned account is exactly what the catalog has for "stacker"

    Examples:
      | extra                         | mode                      | held           |
      | no extra roles given          | replacing the extra roles |                |
      | an empty list of extra roles  | replacing the extra roles |                |
      | the extra roles "editor"      | replacing the extra roles | editor         |
      | no extra roles given          | keeping the extra roles   | viewer         |
      | an empty list of extra roles  | keeping the extra roles   | viewer         |
      | the extra roles "editor"      | keeping the extra roles   | viewer, editor |

  @local @multiuser
  Scenario: An administrator gives a user extra roles
    Given I am logged in to the catalog as an administrator
    And a user named "collector" exists with role "user"
    When I add the extra roles "analyst, viewer" to the user "collector"
    Then the catalog has the user "collector" with role "user" and extra roles "analyst, viewer"
    And the returned account is exactly what the catalog has for "collector"

  @local @multiuser
  Scenario: Giving a user an extra role they already hold changes nothing
    Given I am logged in to the catalog as an administrator
    And a user named "holder" exists with role "user" and extra roles "analyst"
    When I add the extra roles "analyst" to the user "holder"
    Then the catalog has the user "holder" with role "user" and extra roles "analyst"
    And the returned account is exactly what the catalog has for "holder"

  @local @multiuser
  Scenario: An administrator takes an extra role away
    Given I am logged in to the catalog as an administrator
    And a user named "trimmed" exists with role "user" and extra roles "analyst, viewer"
    When I remove the roles "analyst" from the user "trimmed"
    Then the catalog has the user "trimmed" with role "user" and extra roles "viewer"
    And the returned account is exactly what the catalog has for "trimmed"

  @local @multiuser
  Scenario: Removing a role the user does not hold changes nothing
    Given I am logged in to the catalog as an administrator
    And a user named "keeper" exists with role "user" and extra roles "viewer"
    When I remove the roles "editor" from the user "keeper"
    Then the catalog has the user "keeper" with role "user" and extra roles "viewer"
    And the returned account is exactly what the catalog has for "keeper"

  @local @multiuser
  Scenario: Removing a user's primary role switches them to the fallback role
    Given I am logged in to the catalog as an administrator
    And a user named "switcher" exists with role "user"
    When I remove the roles "user" from the user "switcher" with the fallback role "viewer"
    Then the catalog has the user "switcher" with role "viewer" and extra roles ""
    And the returned account is exactly what the catalog has for "switcher"

  @local @multiuser
  Scenario: A fallback role is not used while the primary role stays
    Given I am logged in to the catalog as an administrator
    And a user named "steady" exists with role "user" and extra roles "analyst, editor"
    When I remove the roles "analyst" from the user "steady" with the fallback role "viewer"
    Then the catalog has the user "steady" with role "user" and extra roles "editor"
    And the returned account is exactly what the catalog has for "steady"

  @local @multiuser @defect.QMCP-027
  Scenario: A user's primary role cannot be removed without a fallback role
    Given I am logged in to the catalog as an administrator
    And a user named "anchored" exists with role "user"
    When I try to remove the roles "user" from the user "anchored" without a fallback role
    Then the call is refused with a validation error
    And the error message says "fallback"
    And the catalog has the user "anchored" with role "user" and extra roles ""

  @local @multiuser @defect.QMCP-027
  Scenario Outline: A role that does not exist cannot be given to a user
    Given I am logged in to the catalog as an administrator
    And a user named "hopeful" exists with role "user" and extra roles "viewer"
    When I try to <request>
    Then the call is refused with a not found error
    And the error message says "no-such-role"
    And the catalog has the user "hopeful" with role "user" and extra roles "viewer"

    Examples:
      | request                                                                                                     |
      | set the role of the user "hopeful" to "no-such-role"                                                        |
      | set the role of the user "hopeful" to "analyst" with the extra roles "no-such-role", keeping the extra roles |
      | add the extra roles "analyst, no-such-role" to the user "hopeful"                                           |
      | remove the roles "user" from the user "hopeful" with the fallback role "no-such-role"                       |

  # -- single sign-on --------------------------------------------------------------------------------
  @local @multiuser
  Scenario: Without single sign-on there is no SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has no SSO configuration
    When I ask for the SSO configuration
    Then there is no SSO configuration

  @local @multiuser
  Scenario: An administrator reads the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I ask for the SSO configuration
    Then the SSO configuration returned gives everyone the role "viewer"
    And the SSO configuration returned is the catalog's: its text, when it was uploaded and by whom

  @local @multiuser @defect.QMCP-030
  Scenario: The SSO configuration names who uploaded it with their whole account
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I ask for the SSO configuration
    Then the SSO configuration names its uploader with the uploader's whole account

  @local @multiuser
  Scenario: An administrator sets the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has no SSO configuration
    When I set an SSO configuration that gives everyone the role "user"
    Then the returned SSO configuration reads back as the one I set, uploaded by me
    And the catalog holds the SSO configuration I set
    And asking for the SSO configuration returns the one I set

  @local @multiuser
  Scenario: An empty SSO configuration is refused and the previous one kept
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I try to set an empty SSO configuration
    Then the call is refused with a validation error
    And the error message says "SSO configuration cannot be empty"
    And the catalog received no request for it
    And the catalog still holds its previous SSO configuration

  @local @multiuser
  Scenario Outline: An SSO configuration given as <blank> is refused and the previous one kept
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I try to set the SSO configuration to <blank>
    Then the call is refused with a validation error
    And the error message says "SSO configuration cannot be empty"
    And the catalog received no request for it
    And the catalog still holds its previous SSO configuration

    Examples:
      | blank         |
      | an empty text |

    @defect.QMCP-027
    Examples: text the Quilt3 backend sends on
      | blank        |
      | a blank text |

  @local @multiuser @defect.QMCP-027
  Scenario: An SSO configuration that hands out a role that does not exist is refused
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I try to set an SSO configuration that gives everyone the role "no-such-role"
    Then the call is refused with a validation error
    And the error message says "no-such-role"
    And the catalog still holds its previous SSO configuration

  @local @multiuser
  Scenario: An administrator removes the SSO configuration
    Given I am logged in to the catalog as an administrator
    And the catalog has an SSO configuration that gives everyone the role "viewer"
    When I remove the SSO configuration
    Then the removal returns no configuration
    And the catalog holds no SSO configuration
    When I ask for the SSO configuration
    Then there is no SSO configuration

  @local @multiuser
  Scenario: Removing the SSO configuration when there is none is accepted
    Given I am logged in to the catalog as an administrator
    And the catalog has no SSO configuration
    When I remove the SSO configuration
    Then the removal returns no configuration
    And the catalog holds no SSO configuration

  # -- who may do what -------------------------------------------------------------------------------
  @multiuser @severity.critical
  Scenario: A read-only user cannot publish a package
    Given I am logged in to the catalog as a read-only user
    And the single-file dataset is in the data bucket
    When I try to create a package from the single-file dataset
    Then the call is refused with a backend error
    And the registry holds no new package

  @local @multiuser @defect.QMCP-028
  Scenario Outline: Listing the catalog users is refused for <who>
    Given I am logged in to the catalog as <who>
    When I try to list the catalog users
    Then the call is refused with a permission error
    And the error says which action was refused

    Examples:
      | who               |
      | a data scientist  |
      | a read-only user  |
      | a service account |

  @local @multiuser @defect.QMCP-028 @defect.QMCP-023
  Scenario Outline: Creating users is refused for <who>
    Given I am logged in to the catalog as <who>
    When I try to create a user named "intruder" with role "admin"
    Then the call is refused with a permission error
    And the error says which action was refused
    And the catalog has no user "intruder"

    Examples:
      | who               |
      | a data scientist  |
      | a read-only user  |
      | a service account |

  @local @multiuser @defect.QMCP-028
  Scenario Outline: A data scientist cannot <action> another user
    Given a user named "bystander" exists with role "user"
    And I am logged in to the catalog as a data scientist
    When I try to <action> the user "bystander"
    Then the call is refused with a permission error
    And the error says which action was refused
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
      | add extra roles to            |
      | remove extra roles from       |

  @local @multiuser @defect.QMCP-028
  Scenario Outline: The roles and the SSO configuration are hidden from <who>
    Given I am logged in to the catalog as <who>
    When I try to <request>
    Then the call is refused with a permission error
    And the error says which action was refused

    Examples:
      | who               | request                        |
      | a data scientist  | list the roles                 |
      | a read-only user  | list the roles                 |
      | a data scientist  | ask for the SSO configuration  |
      | a service account | ask for the SSO configuration  |

  @local @multiuser @defect.QMCP-028 @defect.QMCP-031
  Scenario Outline: Changing the SSO configuration is refused for <who>
    Given the catalog has an SSO configuration that gives everyone the role "viewer"
    And I am logged in to the catalog as <who>
    When I try to <request>
    Then the call is refused with a permission error
    And the error says which action was refused
    And the catalog still holds its previous SSO configuration

    Examples:
      | who               | request                                                   |
      | a data scientist  | set an SSO configuration that gives everyone the role "admin" |
      | a read-only user  | remove the SSO configuration                              |
      | a service account | set an SSO configuration that gives everyone the role "admin" |

  @local @defect.QMCP-029
  Scenario Outline: Administration without a catalog login is refused as unauthenticated: <request>
    Given no catalog login exists
    When I try to <request>
    Then the call is refused with an authentication error

    Examples:
      | request                                                       |
      | list the catalog users                                        |
      | look up the user "someone"                                    |
      | create a user named "someone" with role "user"                |
      | delete the user "someone"                                     |
      | change the email of the user "someone" to "x@e2e.example.com" |
      | grant administrator rights to the user "someone"              |
      | deactivate the user "someone"                                 |
      | reset the password of the user "someone"                      |
      | set the role of the user "someone" to "viewer"                |
      | add the extra roles "analyst" to the user "someone"           |
      | remove the roles "analyst" from the user "someone" without a fallback role |
      | list the roles                                                |
      | ask for the SSO configuration                                 |
      | set an SSO configuration that gives everyone the role "viewer" |

  @multiuser @defect.QMCP-032
  Scenario Outline: Administration with an expired catalog token is refused as unauthenticated: <request>
    Given I present an expired catalog token for an administrator
    When I try to <request>
    Then the call is refused with an authentication error

    Examples:
      | request                                                       |
      | list the catalog users                                        |
      | look up the user "someone"                                    |
      | create a user named "someone" with role "user"                |
      | delete the user "someone"                                     |
      | change the email of the user "someone" to "x@e2e.example.com" |
      | grant administrator rights to the user "someone"              |
      | deactivate the user "someone"                                 |
      | reset the password of the user "someone"                      |
      | set the role of the user "someone" to "viewer"                |
      | add the extra roles "analyst" to the user "someone"           |
      | remove the roles "analyst" from the user "someone" without a fallback role |
      | list the roles                                                |
      | ask for the SSO configuration                                 |
      | set an SSO configuration that gives everyone the role "viewer" |
