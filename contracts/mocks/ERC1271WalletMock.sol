// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @dev A minimal contract wallet (as a Safe is to its owners): a signature is valid when its owner made it. Tests only.
contract ERC1271WalletMock is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? this.isValidSignature.selector : bytes4(0);
    }

    /// @dev Lets the wallet act as a stakeholder in tests: forwards a call made by its owner.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "not owner");
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }
}

/// @dev A contract wallet that claims every signature is valid, or answers with garbage. Tests only.
contract ERC1271MaliciousMock is IERC1271 {
    enum Mode {
        AcceptAll,
        WrongMagic,
        Revert,
        ShortReturn
    }

    Mode public mode;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (mode == Mode.AcceptAll) return this.isValidSignature.selector;
        if (mode == Mode.WrongMagic) return 0xdeadbeef;
        if (mode == Mode.Revert) revert("no");
        assembly ("memory-safe") {
            return(0, 1)
        }
    }

    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }
}
