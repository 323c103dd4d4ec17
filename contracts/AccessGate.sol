// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {Role, ProtocolPaused, UnauthorisedAccount} from "./Common.sol";
import {TradePaths} from "./libraries/TradePaths.sol";

/**
 * @title AccessGate
 * @author PharmaChain
 * @notice The access checks every PharmaChain contract but the registry makes, written once (as OpenZeppelin's
 * `AccessManaged` is one base for its contracts): the caller's role, standing (an active record with an unexpired
 * licence) and the pause switch, all read from the {IStakeholderRegistry} in one call; and the council, the registry's
 * admin. Each check reverts with {ProtocolPaused} while paused and {UnauthorisedAccount} naming the role needed.
 */
abstract contract AccessGate {
    /// @dev The registry every check reads.
    IStakeholderRegistry internal immutable _REGISTRY;

    /**
     * @notice Checks against `registry_`.
     * @param registry_ the stakeholder registry.
     */
    // Constructors take no visibility since Solidity 0.7: `internal` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(IStakeholderRegistry registry_) {
        _REGISTRY = registry_;
    }

    /// @dev `account`'s role and whether it is authorised in it; reverts while the protocol is paused.
    function _standing(address account) internal view returns (Role role, bool authorised) {
        bool paused;
        (role, authorised, paused) = _REGISTRY.standing(account);
        if (paused) revert ProtocolPaused();
    }

    /// @dev `account` is authorised in `role`.
    function _requireRole(address account, Role role) internal view {
        (Role r, bool authorised) = _standing(account);
        if (!authorised || r != role) revert UnauthorisedAccount(account, role);
    }

    /// @dev `account` is authorised in its role, whatever it is.
    function _requireAuthorised(address account) internal view {
        (Role r, bool authorised) = _standing(account);
        if (!authorised) revert UnauthorisedAccount(account, r);
    }

    /// @dev An authorised manufacturer, distributor or dispenser: the parties that own packs. `neededRole` in the error
    /// is the account's own role when it is one of these (then it is not authorised in it), else `None`.
    function _requireTrader(address account) internal view returns (Role role) {
        bool authorised;
        (role, authorised) = _standing(account);
        bool trader = TradePaths.isTrader(role);
        if (!authorised || !trader) revert UnauthorisedAccount(account, trader ? role : Role.None);
    }

    /// @dev `account` is the council: the registry's `DEFAULT_ADMIN_ROLE` (0x00) holder. Not gated by the pause.
    function _isCouncil(address account) internal view returns (bool) {
        return IAccessControl(address(_REGISTRY)).hasRole(bytes32(0), account);
    }
}
