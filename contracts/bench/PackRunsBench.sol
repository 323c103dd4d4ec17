// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRuns} from "../libraries/PackRuns.sol";
import {PackState} from "../Common.sol";

/**
 * @title Benchmark harness: the current PackRuns on one lot
 * @author PharmaChain
 * @notice For `scripts/bench-dense.ts` and its tests only: never deployed by Ignition, kept out of coverage. The same
 * ABI as {PackRunsDenseBench} (but its `register`, PackRuns needing none), so that the two structures are measured doing the same writes and reads in the same
 * run. No custody rules, no events: only the structure's own storage and logic, as PackCustody drives it (ranges
 * of one call carry the walk over as `PackCustody._rewrite` does).
 */
contract PackRunsBench {
    using PackRuns for mapping(uint32 => PackRuns.Packed);

    /// @notice A range `[start, end)` and a run start at or before `start - 1` (0 when `start` is 0).
    struct Range {
        uint32 start;
        uint32 end;
        uint32 hint;
    }

    uint32 private constant _NO_CARRY = type(uint32).max;

    mapping(uint32 => PackRuns.Packed) private _runs;
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
     * @notice Gives every pack of each range the same holder, state and aux, in one transaction.
     * @param ranges the ranges, in order.
     * @param holder the new holder.
     * @param state the new state.
     * @param aux the new aux.
     */
    function write(Range[] calldata ranges, address holder, PackState state, uint48 aux) external {
        uint256 data = PackRuns.runWord(0, holder, state, aux);
        uint32 carried = _NO_CARRY;
        for (uint256 i = 0; i < ranges.length; ++i) {
            Range calldata r = ranges[i];
            uint32 from = r.hint;
            if (carried < r.start && (carried > from || (from != 0 && PackRuns.Packed.unwrap(_runs[from]) == 0)))
                from = carried;
            PackRuns.Walk memory w = _runs.begin(from, r.start, r.end, _UNIT_COUNT, _MANUFACTURER);
            while (true) {
                uint32 a = w.at > r.start ? w.at : r.start;
                uint32 runEnd = uint32(w.run);
                uint32 b = runEnd < r.end ? runEnd : r.end;
                _runs.put(w, a, b, data);
                if (b == r.end) break;
                _runs.next(w);
            }
            _runs.finish(w);
            carried = w.pendingStart;
        }
    }

    /**
     * @notice Gives the single pack `index` the individual state `state` at time `aux`.
     * @param hint a run start at or before pack `index - 1` (0 when `index` is 0).
     * @param index the pack.
     * @param state the pack's new state.
     * @param aux the time of the change.
     * @return holder the pack's holder.
     */
    function setHead(uint32 hint, uint32 index, PackState state, uint48 aux) external returns (address holder) {
        (uint32 leftStart, uint256 left, uint32 start, uint256 run) = _runs.around(
            hint,
            index,
            _UNIT_COUNT,
            _MANUFACTURER
        );
        holder = PackRuns.holderOf(run);
        _runs.setHead(leftStart, left, start, run, holder, index, state, aux, _UNIT_COUNT);
    }

    /**
     * @notice The run holding pack `index`, without a hint (PackRuns walks the runs from 0).
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
        PackRuns.Run memory run;
        (start, run) = _runs.find(index, _UNIT_COUNT, _MANUFACTURER);
        return (start, run.end, run.holder, run.state, run.head, run.aux);
    }
}
