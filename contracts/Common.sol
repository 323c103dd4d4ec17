// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev The parties of the supply chain. An account holds at most one role.
enum Role {
    None,
    Regulator,
    Manufacturer,
    Distributor,
    Transporter,
    Dispenser
}

/// @dev The lifecycle of a stakeholder's record in the registry.
enum StakeholderStatus {
    None,
    Applied,
    Active,
    Suspended,
    Revoked
}

/**
 * @dev The state of one pack. `Active` packs are saleable and can move; the decommission states follow the EU FMD
 * (a pack leaves the supply chain); `Suspect` packs are quarantined until a regulator clears them or confirms them
 * `Illegitimate`, which is final.
 */
enum PackState {
    Active,
    InTransit,
    Suspect,
    Illegitimate,
    Dispensed,
    Destroyed,
    Exported,
    Sample,
    FreeSample,
    Stolen,
    Locked
}

/// @dev Raised by every state-changing function while the protocol is paused.
error ProtocolPaused();

/// @dev `account` is not an active, licensed stakeholder in (one of) the role(s) the operation needs.
error UnauthorisedAccount(address account, Role neededRole);
