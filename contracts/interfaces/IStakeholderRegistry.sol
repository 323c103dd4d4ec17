// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Role, StakeholderStatus} from "../Common.sol";

/**
 * @title The role-gated stakeholder registry
 * @author PharmaChain
 * @notice Who may do what in PharmaChain. The regulator council (the admin) appoints regulators; every other party
 * applies and is approved by a regulator with a licence that expires. An account is authorised for its role only while
 * its record is `Active` and its licence has not expired. The registry also holds the protocol-wide pause switch.
 */
interface IStakeholderRegistry {
    struct Stakeholder {
        Role role;
        StakeholderStatus status;
        /// @dev unix seconds; the licence is expired when `block.timestamp >= validUntil`.
        uint64 validUntil;
        /// @dev GS1 Global Location Number (13 digits, check digit validated), 0 when none was given.
        uint64 gln;
        /// @dev ISO 3166-1 alpha-2 country code of the licensing jurisdiction, for example "BD" or "US".
        bytes2 jurisdiction;
        /// @dev unix seconds of the last change of this record.
        uint64 updatedAt;
        /// @dev hash of the licence document (for example its SHA-256).
        bytes32 licenceHash;
        /// @dev hash of the off-chain metadata record (legal name, addresses, contacts).
        bytes32 metadataHash;
    }

    /**
     * @notice An account applied to join in a role; its record is `Applied` until a regulator rules on it.
     * @param account the applicant.
     * @param role the role applied for.
     * @param licenceHash the hash of the applicant's licence document.
     * @param gln the applicant's GS1 Global Location Number, 0 for none.
     * @param jurisdiction the ISO 3166-1 alpha-2 code of the licensing jurisdiction.
     * @param metadataHash the hash of the applicant's off-chain metadata record.
     */
    event StakeholderApplied(
        address indexed account,
        Role indexed role,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        bytes32 metadataHash
    );

    /**
     * @notice The admin appointed a regulator, active at once.
     * @param account the regulator.
     * @param admin the admin that appointed it.
     * @param licenceHash the hash of the regulator's licence document.
     * @param gln the regulator's GS1 Global Location Number, 0 for none.
     * @param jurisdiction the ISO 3166-1 alpha-2 code of the regulator's jurisdiction.
     * @param validUntil when the licence expires (unix seconds).
     */
    event RegulatorAppointed(
        address indexed account,
        address indexed admin,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        uint64 validUntil
    );

    /**
     * @notice A regulator approved an application: the account is `Active` in its role.
     * @param account the approved stakeholder.
     * @param regulator the regulator that approved it.
     * @param role the stakeholder's role.
     * @param validUntil when the licence expires (unix seconds).
     */
    event StakeholderApproved(address indexed account, address indexed regulator, Role indexed role, uint64 validUntil);

    /**
     * @notice A stakeholder was suspended.
     * @param account the suspended stakeholder.
     * @param by the regulator (the admin, for a regulator) that suspended it.
     * @param reasonHash the hash of the reason document.
     */
    event StakeholderSuspended(address indexed account, address indexed by, bytes32 reasonHash);

    /**
     * @notice A suspension was lifted.
     * @param account the reinstated stakeholder.
     * @param by the regulator (the admin, for a regulator) that reinstated it.
     */
    event StakeholderReinstated(address indexed account, address indexed by);

    /**
     * @notice A stakeholder's licence was renewed.
     * @param account the stakeholder.
     * @param by the regulator (the admin, for a regulator) that renewed it.
     * @param validUntil the new expiry (unix seconds).
     * @param licenceHash the hash of the new licence document.
     */
    event LicenceRenewed(address indexed account, address indexed by, uint64 validUntil, bytes32 licenceHash);

    /**
     * @notice A regulator proposed revoking a non-regulator's record (the first of two keys); the record is unchanged
     * until a different authorised regulator, or the admin, confirms with {revoke}. A reinstatement clears the proposal.
     * @param account the stakeholder or applicant.
     * @param proposer the regulator that proposed the revocation.
     * @param reasonHash the hash of the reason document.
     */
    event RevocationProposed(address indexed account, address indexed proposer, bytes32 reasonHash);

    /**
     * @notice A record was revoked for good (or an application refused).
     * @param account the stakeholder.
     * @param by the confirming regulator or admin (the second key); the admin alone, for a regulator's record.
     * @param reasonHash the hash of the reason document given by `by`.
     */
    event StakeholderRevoked(address indexed account, address indexed by, bytes32 reasonHash);

    /**
     * @notice A stakeholder updated its off-chain metadata reference.
     * @param account the stakeholder.
     * @param metadataHash the hash of the new metadata record.
     */
    event MetadataUpdated(address indexed account, bytes32 metadataHash);

    /// @dev The role cannot be applied for (`None`, or `Regulator`, which only the admin appoints).
    error RegistryInvalidRole(Role role);
    /// @dev The account already has a record.
    error RegistryAlreadyRegistered(address account);
    /// @dev The account has no record.
    error RegistryUnknownStakeholder(address account);
    /// @dev The record's status does not allow the operation.
    error RegistryInvalidStatus(address account, StakeholderStatus status);
    /// @dev A licence must end in the future.
    error RegistryInvalidValidity(uint64 validUntil);
    /// @dev A GLN must be 13 digits with a valid GS1 check digit.
    error RegistryInvalidGln(uint64 gln);
    /// @dev A jurisdiction must be two upper-case letters.
    error RegistryInvalidJurisdiction(bytes2 jurisdiction);
    /// @dev A regulator's record is managed by the admin; nobody rules on its own record.
    error RegistryNotAllowed(address caller, address account);
    /// @dev The zero address cannot be registered.
    error RegistryZeroAddress();
    /// @dev `approver` proposed revoking `account` and cannot also confirm it: the second key must be another's.
    error RegistrySameApprover(address account, address approver);

    /**
     * @notice Applies to join in `role` with a licence reference, a GLN and a jurisdiction.
     * Requirements: the caller has no record; `role` is Manufacturer, Distributor, Transporter or Dispenser; the GLN is
     * 0 or valid; the jurisdiction is two upper-case letters.
     * Emits a {StakeholderApplied} event.
     * @param role the role applied for: Manufacturer, Distributor, Transporter or Dispenser.
     * @param licenceHash the hash of the licence document (for example its SHA-256).
     * @param gln the caller's GS1 Global Location Number (13 digits), 0 for none.
     * @param jurisdiction the ISO 3166-1 alpha-2 code of the licensing jurisdiction, for example "BD".
     * @param metadataHash the hash of the off-chain metadata record (legal name, addresses, contacts).
     */
    function applyForRole(
        Role role,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        bytes32 metadataHash
    ) external;

    /**
     * @notice Approves an application, with the licence's expiry.
     * Requirements: the caller is an authorised regulator; the record is `Applied`; `validUntil` is in the future.
     * Emits a {StakeholderApproved} event.
     * @param account the applicant.
     * @param validUntil when the licence expires (unix seconds).
     */
    function approve(address account, uint64 validUntil) external;

    /**
     * @notice Suspends an active stakeholder: it keeps its record but may do nothing until reinstated. Immediate, as it
     * can be undone; the admin may suspend a regulator also while the protocol is paused.
     * Requirements: a regulator (the admin for a regulator's record); the record is `Active`; the protocol is not paused,
     * unless the admin suspends a regulator.
     * Emits a {StakeholderSuspended} event.
     * @param account the stakeholder to suspend.
     * @param reasonHash the hash of the reason document.
     */
    function suspend(address account, bytes32 reasonHash) external;

    /**
     * @notice Lifts a suspension, and clears any revocation proposed for the account (see {revoke}).
     * Requirements: a regulator (the admin for a regulator's record); the record is `Suspended`.
     * Emits a {StakeholderReinstated} event.
     * @param account the suspended stakeholder.
     */
    function reinstate(address account) external;

    /**
     * @notice Renews a licence: new expiry, new licence document.
     * Requirements: a regulator (the admin for a regulator's record); the record is `Active` or `Suspended`;
     * `validUntil` is in the future.
     * Emits a {LicenceRenewed} event.
     * @param account the stakeholder.
     * @param validUntil the new expiry (unix seconds).
     * @param licenceHash the hash of the new licence document.
     */
    function renew(address account, uint64 validUntil, bytes32 licenceHash) external;

    /**
     * @notice Revokes a record for good (also how an application is refused). It cannot be undone, so it needs two keys:
     * for a non-regulator's record, an authorised regulator's first call only proposes it ({RevocationProposed}); it
     * takes effect when a different authorised regulator, or the admin, calls again for the same account
     * ({StakeholderRevoked}). A confirmation re-checks the confirmer's standing only: a proposal survives its proposer's
     * suspension, expiry or revocation. Reinstating the account clears its proposal. A regulator's record is revoked by
     * the admin alone and at once (the council is itself the second key), also while the protocol is paused.
     * Requirements: an authorised regulator (to confirm a pending proposal, the admin too; the admin alone for a
     * regulator's record); not the proposer confirming its own proposal; the record is `Applied`, `Active` or
     * `Suspended`; the protocol is not paused, unless the admin revokes a regulator.
     * Emits a {RevocationProposed} or a {StakeholderRevoked} event.
     * @param account the stakeholder or applicant.
     * @param reasonHash the hash of the reason document.
     */
    function revoke(address account, bytes32 reasonHash) external;

    /**
     * @notice Updates the caller's own off-chain metadata reference.
     * Requirements: the caller has a record that is not revoked.
     * Emits a {MetadataUpdated} event.
     * @param metadataHash the hash of the new off-chain metadata record.
     */
    function updateMetadata(bytes32 metadataHash) external;

    /**
     * @notice The full record of `account` (all zero when it has none).
     * @param account the account.
     * @return The account's record.
     */
    function stakeholder(address account) external view returns (Stakeholder memory);

    /**
     * @notice The regulator that proposed revoking `account`, awaiting a second key (see {revoke}); zero when none.
     * @param account the account.
     * @return The proposer, or the zero address.
     */
    function revocationProposer(address account) external view returns (address);

    /**
     * @notice Whether `account` may act in `role` now: record `Active`, licence unexpired.
     * @param account the account.
     * @param role the role to check.
     * @return Whether the account is an active, unexpired stakeholder in `role`.
     */
    function isAuthorised(address account, Role role) external view returns (bool);

    /**
     * @notice One call for the other contracts: the account's role, whether it may act in it now, and whether the
     * protocol is paused.
     * @param account the account.
     * @return role the account's role (`None` when it has no record).
     * @return authorised whether it may act in that role now.
     * @return protocolPaused whether the protocol is paused.
     */
    function standing(address account) external view returns (Role role, bool authorised, bool protocolPaused);
}
