// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRunsDense} from "../libraries/PackRunsDense.sol";
import {PackState} from "../Common.sol";

/**
 * @title Benchmark harness: PackRunsDense on one lot
 * @author PharmaChain
 * @notice For `scripts/bench-dense.ts` and the tests of PackRunsDense only: never deployed by Ignition, kept out of
 * coverage. The same ABI as {PackRunsBench}, plus `register`; hints are taken and ignored (the dense store needs none).
 */
contract PackRunsDenseBench {
    using PackRunsDense for PackRunsDense.Lot;
    using PackRunsDense for PackRunsDense.Holders;

    /// @notice A range `[start, end)`; `hint` is ignored.
    struct Range {
        uint32 start;
        uint32 end;
        uint32 hint;
    }

    /// @notice The pack's holder has the id `holderId`, not `expected`.
    error PackRunsDenseBenchNotHolder(uint256 holderId, uint256 expected);

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
            _lot.write(ranges[i].start, ranges[i].end, _UNIT_COUNT, data);
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
        return _holders.accountOf(_lot.setHead(index, _UNIT_COUNT, state, aux), _MANUFACTURER);
    }

    /**
     * @notice {setHead} with the holder checked by id: `holderId` is the caller's id as PackCustody would have it
     * without a read of its own, if the registry kept it in the stakeholder record that the caller's role check
     * reads already. Refuses when the pack's holder has another id.
     * @param index the pack.
     * @param state the pack's new state.
     * @param aux the time of the change (below 2^32).
     * @param holderId the id the pack's holder must have.
     */
    function setHeadAs(uint32 index, PackState state, uint48 aux, uint256 holderId) external {
        if (index >= _UNIT_COUNT) revert PackRunsDense.PackRunsDenseInvalidRange(index, index + 1, _UNIT_COUNT);
        uint256 id = _lot.setHead(index, _UNIT_COUNT, state, aux);
        if (id != holderId) revert PackRunsDenseBenchNotHolder(id, holderId);
    }

    /**
     * @notice The interned id of `account` (0: the manufacturer, or not interned).
     * @param account the holder.
     * @return its id.
     */
    function idOf(address account) external view returns (uint256) {
        return account == _MANUFACTURER ? 0 : _holders.idOf[account];
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
        PackRunsDense.Run memory run = _lot.find(_holders, index, _UNIT_COUNT, _MANUFACTURER);
        return (run.start, run.end, run.holder, run.state, run.head, run.aux);
    }

    /**
     * @notice The words of the layout, for tests: leaf `b`, and the summary words `l1[i]`, `l2[i >> 8]`, `l3[i >> 16]`.
     * @param b a leaf.
     * @param i an `l1` index.
     * @return leaf leaf `b`.
     * @return l1 `l1[i]`.
     * @return l2 `l2[i >> 8]`.
     * @return l3 `l3[i >> 16]`.
     */
    function words(uint256 b, uint256 i) external view returns (uint256 leaf, uint256 l1, uint256 l2, uint256 l3) {
        return (_lot.leaf[b], _lot.l1[i], _lot.l2[i >> 8], _lot.l3[i >> 16]);
    }

    /**
     * @notice Leaf 0's stored bit 0, for tests: the library keeps it set exactly when some leaf from 128 on (a pack
     * from 8,192 on) starts a run, so that searches in a lot without such a start read no summary word.
     * @return whether the flag is set.
     */
    function highFlag() external view returns (bool) {
        return _lot.leaf[0] & 1 == 1;
    }
}
