// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/**
 * @title ERC1271MaliciousMock
 * @author PharmaChain
 * @notice A contract wallet that claims every signature is valid, or answers with garbage.
 * @dev Tests only.
 */
contract ERC1271MaliciousMock is IERC1271 {
    /// @notice How {isValidSignature} answers.
    enum Mode {
        AcceptAll,
        WrongMagic,
        Revert,
        ShortReturn
    }

    /// @notice The current way of answering {isValidSignature}.
    Mode public mode;

    /// @notice {isValidSignature} reverts in mode `Revert`.
    error ERC1271MaliciousMockRevert();

    /**
     * @notice Sets how {isValidSignature} answers from now on.
     * @param mode_ the new mode.
     */
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /**
     * @notice ERC-1271, maliciously: the magic value for any signature (`AcceptAll`), a wrong value (`WrongMagic`),
     * a revert (`Revert`), or a one-byte answer (`ShortReturn`).
     * @return The magic value in mode `AcceptAll`, `0xdeadbeef` in mode `WrongMagic`.
     */
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (mode == Mode.AcceptAll) return this.isValidSignature.selector;
        if (mode == Mode.WrongMagic) return 0xdeadbeef;
        if (mode == Mode.Revert) revert ERC1271MaliciousMockRevert();
        // Returns one byte only, a malformed ERC-1271 answer that Solidity cannot produce.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(0, 1)
        }
    }

    /**
     * @notice Forwards a call from anyone, so the wallet can act as a stakeholder in tests.
     * @param target the contract to call.
     * @param data the calldata to send.
     * @return The call's return data (a failed call's revert data is re-thrown as it is).
     */
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        // A wallet forwards arbitrary calls: only a low-level call can.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            // Re-throws the callee's revert data unchanged, which Solidity has no statement for.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }
}
