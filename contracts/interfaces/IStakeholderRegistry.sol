// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Role, StakeholderStatus} from "../Common.sol";

/**
 * @title The role-gated stakeholder registry
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

    event StakeholderApplied(
        address indexed account,
        Role indexed role,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        bytes32 metadataHash
    );
    event RegulatorAppointed(
        address indexed account,
        address indexed admin,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        uint64 validUntil
    );
    event StakeholderApproved(address indexed account, address indexed regulator, Role indexed role, uint64 validUntil);
    event StakeholderSuspended(address indexed account, address indexed by, bytes32 reasonHash);
    event StakeholderReinstated(address indexed account, address indexed by);
    event LicenceRenewed(address indexed account, address indexed by, uint64 validUntil, bytes32 licenceHash);
    event StakeholderRevoked(address indexed account, address indexed by, bytes32 reasonHash);
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

    /**
     * @notice Applies to join in `role` with a licence reference, a GLN and a jurisdiction.
     * Requirements: the caller has no record; `role` is Manufacturer, Distributor, Transporter or Dispenser; the GLN is
     * 0 or valid; the jurisdiction is two upper-case letters.
     * Emits a {StakeholderApplied} event.
     */
    function applyForRole(Role role, bytes32 licenceHash, uint64 gln, bytes2 jurisdiction, bytes32 metadataHash) external;

    /**
     * @notice Approves an application, with the licence's expiry.
     * Requirements: the caller is an authorised regulator; the record is `Applied`; `validUntil` is in the future.
     * Emits a {StakeholderApproved} event.
     */
    function approve(address account, uint64 validUntil) external;

    /**
     * @notice Suspends an active stakeholder: it keeps its record but may do nothing until reinstated.
     * Requirements: a regulator (the admin for a regulator's record); the record is `Active`.
     * Emits a {StakeholderSuspended} event.
     */
    function suspend(address account, bytes32 reasonHash) external;

    /**
     * @notice Lifts a suspension.
     * Requirements: a regulator (the admin for a regulator's record); the record is `Suspended`.
     * Emits a {StakeholderReinstated} event.
     */
    function reinstate(address account) external;

    /**
     * @notice Renews a licence: new expiry, new licence document.
     * Requirements: a regulator (the admin for a regulator's record); the record is `Active` or `Suspended`;
     * `validUntil` is in the future.
     * Emits a {LicenceRenewed} event.
     */
    function renew(address account, uint64 validUntil, bytes32 licenceHash) external;

    /**
     * @notice Revokes a record for good (also how an application is refused).
     * Requirements: a regulator (the admin for a regulator's record); the record is `Applied`, `Active` or `Suspended`.
     * Emits a {StakeholderRevoked} event.
     */
    function revoke(address account, bytes32 reasonHash) external;

    /**
     * @notice Updates the caller's own off-chain metadata reference.
     * Requirements: the caller has a record that is not revoked.
     * Emits a {MetadataUpdated} event.
     */
    function updateMetadata(bytes32 metadataHash) external;

    /// @notice The full record of `account` (all zero when it has none).
    function stakeholder(address account) external view returns (Stakeholder memory);

    /// @notice Whether `account` may act in `role` now: record `Active`, licence unexpired.
    function isAuthorised(address account, Role role) external view returns (bool);

    /**
     * @notice One call for the other contracts: the account's role, whether it may act in it now, and whether the
     * protocol is paused.
     */
    function standing(address account) external view returns (Role role, bool authorised, bool protocolPaused);
}
