// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRunsDense} from "../libraries/PackRunsDense.sol";
import {PackRunsDenseExternal} from "./PackRunsDenseExternal.sol";
import {PackState} from "../Common.sol";

/**
 * @title Benchmark harness: PackRunsDense on one lot, as a linked library
 * @author PharmaChain
 * @notice For `scripts/bench-dense.ts` only: never deployed by Ignition, kept out of coverage. {PackRunsDenseBench}
 * with every call to the store a `DELEGATECALL` to {PackRunsDenseExternal} (linked at deployment), so that the two
 * harnesses' difference is what a linked library would add to PackCustody's transactions.
 */
contract PackRunsDenseLinkedBench {
    using PackRunsDense for PackRunsDense.Lot;
    using PackRunsDense for PackRunsDense.Holders;

    /// @notice A range `[start, end)`; `hint` is ignored.
    struct Range {
        uint32 start;
        uint32 end;
        uint32 hint;
    }

    PackRunsDense.Lot private _lot;
    PackRunsDense.Holders private _holders;
    uint32 private immutable _UNIT_COUNT;
    address private immutable _MANUFACTURER;

    /**
     * @notice A lot of `unitCount` packs held by `manufacturer`.
     * @param unitCount the number of packs of the lot.
     * @param manufacturer the holder of the lot's untouched packs.
     */
    // solhint-disable-next-line func-visibility
    constructor(uint32 unitCount, address manufacturer) {
        _UNIT_COUNT = unitCount;
        _MANUFACTURER = manufacturer;
    }

    /**
     * @notice Interns `account` (a one-off per account, as registration would in the protocol).
     * @param account the holder.
     * @return whether `account` is not the zero address.
     */
    function register(address account) external returns (bool) {
        _holders.intern(account, _MANUFACTURER);
        return account != address(0);
    }

    /**
     * @notice Gives every pack of each range the same holder, state and aux, in one transaction.
     * @param ranges the ranges, in order (hints ignored).
     * @param holder the new holder.
     * @param state the new state.
     * @param aux the new aux (below 2^32).
     */
    function write(Range[] calldata ranges, address holder, PackState state, uint48 aux) external {
        uint256 data = PackRunsDense.record(_holders.intern(holder, _MANUFACTURER), state, aux);
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRunsDenseExternal.write(_lot, ranges[i].start, ranges[i].end, _UNIT_COUNT, data);
        }
    }

    /**
     * @notice Gives the single pack `index` the individual state `state` at time `aux`.
     * @param hint ignored.
     * @param index the pack.
     * @param state the pack's new state.
     * @param aux the time of the change (below 2^32).
     * @return holder the pack's holder (PackCustody compares it with the caller: an id's account is one more read).
     */
    function setHead(uint32 hint, uint32 index, PackState state, uint48 aux) external returns (address holder) {
        hint;
        if (index >= _UNIT_COUNT) revert PackRunsDense.PackRunsDenseInvalidRange(index, index + 1, _UNIT_COUNT);
        return _holders.accountOf(PackRunsDenseExternal.setHead(_lot, index, _UNIT_COUNT, state, aux), _MANUFACTURER);
    }

    /**
     * @notice The run holding pack `index`, without a hint (found in a few words).
     * @param index the pack.
     * @return start the run's start.
     * @return end the run's end.
     * @return holder the run's holder.
     * @return state the run's state.
     * @return head the state of its first pack (`Active`: none).
     * @return aux the shipment id or decommission time.
     */
    function find(
        uint32 index
    ) external view returns (uint32 start, uint32 end, address holder, PackState state, PackState head, uint48 aux) {
        if (index >= _UNIT_COUNT) revert PackRunsDense.PackRunsDenseInvalidRange(index, index + 1, _UNIT_COUNT);
        PackRunsDense.Run memory run = PackRunsDenseExternal.find(_lot, _holders, index, _UNIT_COUNT, _MANUFACTURER);
        return (run.start, run.end, run.holder, run.state, run.head, run.aux);
    }
}
