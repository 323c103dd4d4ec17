// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRunsDense} from "../libraries/PackRunsDense.sol";
import {PackState} from "../Common.sol";

/**
 * @title PackRunsDense as a linked library (external functions)
 * @author PharmaChain
 * @notice For `scripts/bench-dense.ts` only: the way PackCustody would take the dense store without inlining its
 * code (PackCustody is 198 bytes under the size limit), each call a `DELEGATECALL` to this library's account with
 * the lot's storage passed as a slot. {PackRunsDenseLinkedBench} drives it as {PackRunsDenseBench} drives the
 * internal library, so that the difference between the two is the call overhead.
 */
library PackRunsDenseExternal {
    /**
     * @notice {PackRunsDense-write}.
     * @param lot the lot's runs.
     * @param start the range's first pack.
     * @param end the range's end (exclusive).
     * @param unitCount the lot's packs.
     * @param data the record of every pack of the range.
     */
    function write(PackRunsDense.Lot storage lot, uint32 start, uint32 end, uint32 unitCount, uint256 data) external {
        PackRunsDense.write(lot, start, end, unitCount, data);
    }

    /**
     * @notice {PackRunsDense-setHead}.
     * @param lot the lot's runs.
     * @param index the pack.
     * @param unitCount the lot's packs.
     * @param state the pack's new state.
     * @param aux the time of the change.
     * @return holderId the pack's holder's id.
     */
    function setHead(
        PackRunsDense.Lot storage lot,
        uint32 index,
        uint32 unitCount,
        PackState state,
        uint48 aux
    ) external returns (uint256 holderId) {
        return PackRunsDense.setHead(lot, index, unitCount, state, aux);
    }

    /**
     * @notice {PackRunsDense-find}.
     * @param lot the lot's runs.
     * @param h the interned holders.
     * @param index the pack.
     * @param unitCount the lot's packs.
     * @param manufacturer the lot's manufacturer (holder id 0).
     * @return run the run holding pack `index`.
     */
    function find(
        PackRunsDense.Lot storage lot,
        PackRunsDense.Holders storage h,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) external view returns (PackRunsDense.Run memory run) {
        return PackRunsDense.find(lot, h, index, unitCount, manufacturer);
    }
}
