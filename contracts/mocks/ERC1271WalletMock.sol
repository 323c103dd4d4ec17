// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title ERC1271WalletMock
 * @author PharmaChain
 * @notice A minimal contract wallet (as a Safe is to its owners): a signature is valid when its owner made it.
 * @dev Tests only.
 */
contract ERC1271WalletMock is IERC1271 {
    /// @notice The account whose ECDSA signatures the wallet accepts, and the only one that may use {execute}.
    /// @dev Keeps its mixedCase name: a public variable's name is its getter's, part of the ABI the tests call.
    address public immutable owner; // solhint-disable-line immutable-vars-naming

    /// @notice {execute} was called by another account than the owner.
    /// @param caller the account that called.
    error ERC1271WalletMockNotOwner(address caller);

    /// @notice A wallet of `owner_`.
    /// @param owner_ the account whose signatures the wallet accepts.
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(address owner_) {
        owner = owner_;
    }

    /**
     * @notice ERC-1271: whether `signature` is the owner's ECDSA signature of `hash`.
     * @param hash the digest that was signed.
     * @param signature the signature to check.
     * @return The ERC-1271 magic value (this function's selector) if valid, else zero.
     */
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? this.isValidSignature.selector : bytes4(0);
    }

    /**
     * @notice Lets the wallet act as a stakeholder in tests: forwards a call made by its owner.
     * @param target the contract to call.
     * @param data the calldata to send.
     * @return The call's return data (a failed call's revert data is re-thrown as it is).
     */
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != owner) revert ERC1271WalletMockNotOwner(msg.sender);
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
