// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRuns} from "../libraries/PackRuns.sol";
import {PackState} from "../Common.sol";

/**
 * @title PackRunsHarness
 * @author PharmaChain
 * @notice Exposes the PackRuns library on one lot for its own tests.
 * @dev Tests only. A `from` is a run start at or before the packs concerned, as the library takes it.
 */
contract PackRunsHarness {
    using PackRuns for mapping(uint32 => PackRuns.Packed);

    mapping(uint32 => PackRuns.Packed) private _runs;
    /// @notice The number of packs of the lot.
    /// @dev Keeps its mixedCase name: a public variable's name is its getter's, part of the ABI the tests call.
    uint32 public immutable unitCount; // solhint-disable-line immutable-vars-naming
    /// @notice The holder of the lot's untouched packs.
    /// @dev Keeps its mixedCase name: a public variable's name is its getter's, part of the ABI the tests call.
    address public immutable manufacturer; // solhint-disable-line immutable-vars-naming

    /**
     * @notice A lot of `unitCount_` packs held by `manufacturer_`.
     * @param unitCount_ the number of packs of the lot.
     * @param manufacturer_ the holder of the lot's untouched packs.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(uint32 unitCount_, address manufacturer_) {
        unitCount = unitCount_;
        manufacturer = manufacturer_;
    }

    /**
     * @notice {PackRuns-locate}: the run holding pack `index`, walked to from `from`.
     * @param from a run start at or before `index`.
     * @param index the pack.
     * @return start the start of the run.
     * @return run the run.
     */
    function locate(uint32 from, uint32 index) external view returns (uint32 start, PackRuns.Run memory run) {
        return _runs.locate(from, index, unitCount, manufacturer);
    }

    /**
     * @notice {PackRuns-find}: the run holding pack `index`, found by a walk over the runs.
     * @param index the pack.
     * @return start the start of the run.
     * @return run the run.
     */
    function find(uint32 index) external view returns (uint32 start, PackRuns.Run memory run) {
        return _runs.find(index, unitCount, manufacturer);
    }

    /**
     * @notice {PackRuns-stateOf}: the state of pack `index` and its `aux` (shipment id or decommission time).
     * @param from a run start at or before `index`.
     * @param index the pack.
     * @return state the pack's state.
     * @return aux the shipment id or decommission time.
     */
    function stateOf(uint32 from, uint32 index) external view returns (PackState state, uint48 aux) {
        (uint32 start, PackRuns.Run memory run) = _runs.locate(from, index, unitCount, manufacturer);
        return PackRuns.stateOf(run, start, index);
    }

    /**
     * @notice The record stored under `start` (all zero: no run starts there).
     * @param start the index.
     * @return The record, decoded.
     */
    function stored(uint32 start) external view returns (PackRuns.Run memory) {
        return PackRuns.decode(_runs[start]);
    }

    /**
     * @notice A range write ({PackRuns-begin}, {PackRuns-put}, {PackRuns-next}, {PackRuns-finish}) giving every pack
     * of `[start, end)` the same holder, state and aux, with no custody rule checked.
     * @param from a run start at or before pack `start - 1` (0 when `start` is 0).
     * @param start the first pack of the range.
     * @param end the pack after the range's last.
     * @param holder the new holder.
     * @param state the new state.
     * @param aux the new aux.
     */
    function rewrite(uint32 from, uint32 start, uint32 end, address holder, PackState state, uint48 aux) external {
        PackRuns.Walk memory w = _runs.begin(from, start, end, unitCount, manufacturer);
        uint256 data = PackRuns.runWord(0, holder, state, aux);
        while (true) {
            uint32 a = w.at > start ? w.at : start;
            uint32 runEnd = uint32(w.run);
            uint32 b = runEnd < end ? runEnd : end;
            _runs.put(w, a, b, data);
            if (b == end) break;
            _runs.next(w);
        }
        _runs.finish(w);
    }

    /**
     * @notice {PackRuns-around} and {PackRuns-setHead}: gives the single pack `index` an individual state.
     * @param from a run start at or before pack `index - 1` (0 when `index` is 0).
     * @param index the pack.
     * @param state the pack's new state.
     * @param aux the time of the change.
     */
    function setHead(uint32 from, uint32 index, PackState state, uint48 aux) external {
        (uint32 leftStart, uint256 left, uint32 start, uint256 run) = _runs.around(
            from,
            index,
            unitCount,
            manufacturer
        );
        _runs.setHead(leftStart, left, start, run, PackRuns.holderOf(run), index, state, aux, unitCount);
    }
}
