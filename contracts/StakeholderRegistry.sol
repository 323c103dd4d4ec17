// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {Role, StakeholderStatus, ProtocolPaused, UnauthorisedAccount} from "./Common.sol";
import {Gs1} from "./libraries/Gs1.sol";

/**
 * @title StakeholderRegistry
 * @author PharmaChain
 * @notice The regulator council is the admin (`DEFAULT_ADMIN_ROLE`), handed over only through OpenZeppelin's two-step,
 * delayed admin transfer; it may be a Safe. It appoints regulators and pauses the whole protocol in an emergency.
 * Regulators approve, suspend, reinstate, renew and revoke every other party; a revocation, which cannot be undone,
 * needs two keys (see {revoke}). The council's defensive actions on a regulator (suspend, revoke) work while paused.
 */
contract StakeholderRegistry is IStakeholderRegistry, AccessControlDefaultAdminRules, Pausable {
    mapping(address account => Stakeholder) private _stakeholders;
    /// @dev The regulator that proposed revoking a non-regulator's record, until confirmed or cleared by reinstatement.
    mapping(address account => address proposer) private _revocationProposers;

    /**
     * @notice A registry administered by `council`, with no stakeholders yet.
     * @param adminDelay seconds a new admin must wait after `beginDefaultAdminTransfer` before accepting.
     * @param council the first admin: the regulator council.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(uint48 adminDelay, address council) AccessControlDefaultAdminRules(adminDelay, council) {}

    // ------------------------------------------------------------------ modifiers

    /// @dev Refuses the call while the protocol is paused.
    modifier whenActive() {
        if (paused()) revert ProtocolPaused();
        _;
    }

    /// @dev Like {whenActive}, except for the admin acting on a regulator's record: the pause must not block the
    /// council's remedy against a rogue regulator. Applied to the defensive rulings only (suspend, revoke).
    modifier whenActiveOrCouncilOnRegulator(address account) {
        if (paused() && !(_stakeholders[account].role == Role.Regulator && hasRole(DEFAULT_ADMIN_ROLE, msg.sender))) {
            revert ProtocolPaused();
        }
        _;
    }

    /// @dev Refuses a caller that is not an authorised regulator.
    modifier onlyRegulator() {
        if (!_isAuthorised(_stakeholders[msg.sender], Role.Regulator)) {
            revert UnauthorisedAccount(msg.sender, Role.Regulator);
        }
        _;
    }

    // ------------------------------------------------------------------ admin

    /**
     * @notice Appoints (or re-appoints after revocation) a regulator, active at once.
     * Requirements: the caller is the admin; `account` is not the zero address and has no record, or the revoked
     * record of a former regulator; `validUntil` is in the future; the GLN and jurisdiction are valid.
     * Emits a {RegulatorAppointed} event.
     * @param account the regulator's account.
     * @param licenceHash the hash of the regulator's licence document.
     * @param gln the regulator's GS1 Global Location Number, 0 for none.
     * @param jurisdiction the ISO 3166-1 alpha-2 code of the regulator's jurisdiction.
     * @param validUntil when the appointment's licence expires (unix seconds).
     */
    function appointRegulator(
        address account,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        uint64 validUntil
    ) external onlyRole(DEFAULT_ADMIN_ROLE) whenActive {
        if (account == address(0)) revert RegistryZeroAddress();
        Stakeholder storage s = _stakeholders[account];
        // Only a former regulator's revoked record may be replaced: any other revocation is for good.
        bool formerRegulator = s.status == StakeholderStatus.Revoked && s.role == Role.Regulator;
        if (s.status != StakeholderStatus.None && !formerRegulator) revert RegistryAlreadyRegistered(account);
        _checkValidity(validUntil);
        _checkIdentity(gln, jurisdiction);
        _stakeholders[account] = Stakeholder({
            role: Role.Regulator,
            status: StakeholderStatus.Active,
            validUntil: validUntil,
            gln: gln,
            jurisdiction: jurisdiction,
            updatedAt: uint64(block.timestamp),
            licenceHash: licenceHash,
            metadataHash: bytes32(0)
        });
        emit RegulatorAppointed(account, msg.sender, licenceHash, gln, jurisdiction, validUntil);
    }

    /**
     * @notice Stops every state change of the protocol (registry, products and lots, custody). Views keep working.
     * Requirements: the caller is the admin; not already paused.
     * Emits a {Paused} event.
     */
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /**
     * @notice Resumes the protocol.
     * Requirements: the caller is the admin; paused.
     * Emits an {Unpaused} event.
     */
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ parties

    /// @inheritdoc IStakeholderRegistry
    function applyForRole(
        Role role,
        bytes32 licenceHash,
        uint64 gln,
        bytes2 jurisdiction,
        bytes32 metadataHash
    ) external whenActive {
        if (role == Role.None || role == Role.Regulator) revert RegistryInvalidRole(role);
        if (_stakeholders[msg.sender].status != StakeholderStatus.None) revert RegistryAlreadyRegistered(msg.sender);
        _checkIdentity(gln, jurisdiction);
        _stakeholders[msg.sender] = Stakeholder({
            role: role,
            status: StakeholderStatus.Applied,
            validUntil: 0,
            gln: gln,
            jurisdiction: jurisdiction,
            updatedAt: uint64(block.timestamp),
            licenceHash: licenceHash,
            metadataHash: metadataHash
        });
        emit StakeholderApplied(msg.sender, role, licenceHash, gln, jurisdiction, metadataHash);
    }

    /// @inheritdoc IStakeholderRegistry
    function updateMetadata(bytes32 metadataHash) external whenActive {
        Stakeholder storage s = _stakeholders[msg.sender];
        if (s.status == StakeholderStatus.None) revert RegistryUnknownStakeholder(msg.sender);
        if (s.status == StakeholderStatus.Revoked) revert RegistryInvalidStatus(msg.sender, s.status);
        s.metadataHash = metadataHash;
        s.updatedAt = uint64(block.timestamp);
        emit MetadataUpdated(msg.sender, metadataHash);
    }

    // ------------------------------------------------------------------ regulators' rulings

    /// @inheritdoc IStakeholderRegistry
    function approve(address account, uint64 validUntil) external whenActive onlyRegulator {
        Stakeholder storage s = _record(account);
        if (s.status != StakeholderStatus.Applied) revert RegistryInvalidStatus(account, s.status);
        _checkValidity(validUntil);
        s.status = StakeholderStatus.Active;
        s.validUntil = validUntil;
        s.updatedAt = uint64(block.timestamp);
        emit StakeholderApproved(account, msg.sender, s.role, validUntil);
    }

    /// @inheritdoc IStakeholderRegistry
    function suspend(address account, bytes32 reasonHash) external whenActiveOrCouncilOnRegulator(account) {
        Stakeholder storage s = _ruledRecord(account, false);
        if (s.status != StakeholderStatus.Active) revert RegistryInvalidStatus(account, s.status);
        s.status = StakeholderStatus.Suspended;
        s.updatedAt = uint64(block.timestamp);
        emit StakeholderSuspended(account, msg.sender, reasonHash);
    }

    /// @inheritdoc IStakeholderRegistry
    function reinstate(address account) external whenActive {
        Stakeholder storage s = _ruledRecord(account, false);
        if (s.status != StakeholderStatus.Suspended) revert RegistryInvalidStatus(account, s.status);
        // Reinstating is a ruling that the account is in good standing again: any proposed revocation lapses.
        delete _revocationProposers[account];
        s.status = StakeholderStatus.Active;
        s.updatedAt = uint64(block.timestamp);
        emit StakeholderReinstated(account, msg.sender);
    }

    /// @inheritdoc IStakeholderRegistry
    function renew(address account, uint64 validUntil, bytes32 licenceHash) external whenActive {
        Stakeholder storage s = _ruledRecord(account, false);
        if (s.status != StakeholderStatus.Active && s.status != StakeholderStatus.Suspended) {
            revert RegistryInvalidStatus(account, s.status);
        }
        _checkValidity(validUntil);
        s.validUntil = validUntil;
        s.licenceHash = licenceHash;
        s.updatedAt = uint64(block.timestamp);
        emit LicenceRenewed(account, msg.sender, validUntil, licenceHash);
    }

    /// @inheritdoc IStakeholderRegistry
    function revoke(address account, bytes32 reasonHash) external whenActiveOrCouncilOnRegulator(account) {
        address proposer = _revocationProposers[account];
        // The admin may be the second key on a non-regulator's record, never the first.
        Stakeholder storage s = _ruledRecord(account, proposer != address(0));
        if (s.status == StakeholderStatus.Revoked) revert RegistryInvalidStatus(account, s.status);
        // A regulator's record: the admin (the council, itself the second key by design) revokes at once.
        if (s.role != Role.Regulator) {
            if (proposer == address(0)) {
                _revocationProposers[account] = msg.sender;
                emit RevocationProposed(account, msg.sender, reasonHash);
                return;
            }
            if (proposer == msg.sender) revert RegistrySameApprover(account, msg.sender);
            delete _revocationProposers[account];
        }
        s.status = StakeholderStatus.Revoked;
        s.updatedAt = uint64(block.timestamp);
        emit StakeholderRevoked(account, msg.sender, reasonHash);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IStakeholderRegistry
    function stakeholder(address account) external view returns (Stakeholder memory) {
        return _stakeholders[account];
    }

    /// @inheritdoc IStakeholderRegistry
    function revocationProposer(address account) external view returns (address) {
        return _revocationProposers[account];
    }

    /// @inheritdoc IStakeholderRegistry
    function isAuthorised(address account, Role role) external view returns (bool) {
        return _isAuthorised(_stakeholders[account], role);
    }

    /// @inheritdoc IStakeholderRegistry
    function standing(address account) external view returns (Role role, bool authorised, bool protocolPaused) {
        Stakeholder storage s = _stakeholders[account];
        role = s.role;
        authorised = _isAuthorised(s, role);
        protocolPaused = paused();
    }

    // ------------------------------------------------------------------ internals

    function _isAuthorised(Stakeholder storage s, Role role) private view returns (bool) {
        // A record in status Active always has a role, so Role.None is never authorised.
        return s.role == role && s.status == StakeholderStatus.Active && block.timestamp < s.validUntil;
    }

    function _record(address account) private view returns (Stakeholder storage s) {
        s = _stakeholders[account];
        if (s.status == StakeholderStatus.None) revert RegistryUnknownStakeholder(account);
    }

    /// @dev The record a ruling applies to: a regulator's record is the admin's to rule on, anyone else's a regulator's
    /// (or the admin's too when `adminToo`, for confirming a proposed revocation); nobody rules on its own record.
    function _ruledRecord(address account, bool adminToo) private view returns (Stakeholder storage s) {
        if (account == msg.sender) revert RegistryNotAllowed(msg.sender, account);
        s = _record(account);
        if (s.role == Role.Regulator) {
            if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) revert RegistryNotAllowed(msg.sender, account);
        } else if (
            !_isAuthorised(_stakeholders[msg.sender], Role.Regulator) &&
            !(adminToo && hasRole(DEFAULT_ADMIN_ROLE, msg.sender))
        ) {
            revert UnauthorisedAccount(msg.sender, Role.Regulator);
        }
    }

    function _checkValidity(uint64 validUntil) private view {
        if (validUntil <= block.timestamp) revert RegistryInvalidValidity(validUntil);
    }

    function _checkIdentity(uint64 gln, bytes2 jurisdiction) private pure {
        if (gln != 0 && !Gs1.hasValidCheckDigit(gln, 13)) revert RegistryInvalidGln(gln);
        if (!_isUpper(uint8(jurisdiction[0])) || !_isUpper(uint8(jurisdiction[1]))) {
            revert RegistryInvalidJurisdiction(jurisdiction);
        }
    }

    function _isUpper(uint8 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }
}
