// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Benchmark baseline: a plain ledger with one storage slot per pack
 * @author PharmaChain
 * @notice For `scripts/bench.ts` only: not part of the protocol, never deployed by Ignition. The simplest per-pack
 * custody record: `holder[keccak256 of the pack's serial] = account`, one slot per pack. Commissioning writes each
 * pack's slot (refusing a pack already there); a move checks that the caller holds each pack and rewrites its slot.
 * No roles, lots, states or signatures: a lower bound for any design that keeps a slot per pack. One event per
 * call, so that events are not what the comparison measures.
 */
contract PerSlotLedger {
    mapping(bytes32 packKey => address holder) private _holder;

    /**
     * @notice Packs were commissioned.
     * @param holder the caller, now the holder of the packs.
     * @param count the number of packs.
     */
    event PacksCommissioned(address indexed holder, uint256 count);

    /**
     * @notice Packs were moved.
     * @param from the caller, their former holder.
     * @param to their new holder.
     * @param count the number of packs.
     */
    event PacksMoved(address indexed from, address indexed to, uint256 count);

    error PerSlotLedgerAlreadyCommissioned(bytes32 packKey);
    error PerSlotLedgerNotHolder(bytes32 packKey, address holder);

    /**
     * @notice Records the caller as the holder of each pack.
     * @param packKeys the packs, each as the keccak256 of its serial; none may be commissioned already.
     */
    function commission(bytes32[] calldata packKeys) external {
        for (uint256 i; i < packKeys.length; ++i) {
            bytes32 key = packKeys[i];
            if (_holder[key] != address(0)) revert PerSlotLedgerAlreadyCommissioned(key);
            _holder[key] = msg.sender;
        }
        emit PacksCommissioned(msg.sender, packKeys.length);
    }

    /**
     * @notice Moves each pack the caller holds to `to`.
     * @param packKeys the packs, each as the keccak256 of its serial; the caller must hold every one.
     * @param to the new holder.
     */
    function move(bytes32[] calldata packKeys, address to) external {
        for (uint256 i; i < packKeys.length; ++i) {
            bytes32 key = packKeys[i];
            address holder = _holder[key];
            if (holder != msg.sender) revert PerSlotLedgerNotHolder(key, holder);
            _holder[key] = to;
        }
        emit PacksMoved(msg.sender, to, packKeys.length);
    }

    /**
     * @notice The holder of a pack, the zero address if it was never commissioned.
     * @param packKey the pack, as the keccak256 of its serial.
     * @return The pack's holder.
     */
    function holderOf(bytes32 packKey) external view returns (address) {
        return _holder[packKey];
    }
}
