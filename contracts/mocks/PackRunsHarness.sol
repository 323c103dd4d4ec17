// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRuns} from "../libraries/PackRuns.sol";
import {PackState} from "../Common.sol";

/// @dev Exposes the PackRuns library on one lot for its own tests. Tests only.
contract PackRunsHarness {
    using PackRuns for mapping(uint32 => PackRuns.Packed);

    mapping(uint32 => PackRuns.Packed) private _runs;
    uint32 public immutable unitCount;
    address public immutable manufacturer;

    constructor(uint32 unitCount_, address manufacturer_) {
        unitCount = unitCount_;
        manufacturer = manufacturer_;
    }

    function load(uint32 hint, uint32 start, uint32 end) external view returns (PackRuns.Run memory) {
        return _runs.load(hint, start, end, unitCount, manufacturer);
    }

    function find(uint32 index) external view returns (uint32 start, PackRuns.Run memory run) {
        return _runs.find(index, unitCount, manufacturer);
    }

    function stateOf(uint32 hint, uint32 index) external view returns (PackState state, uint48 aux) {
        PackRuns.Run memory run = _runs.load(hint, index, index + 1, unitCount, manufacturer);
        return PackRuns.stateOf(run, hint, index);
    }

    function update(uint32 hint, uint32 start, uint32 end, address holder, PackState state, uint48 aux) external {
        PackRuns.Run memory run = _runs.load(hint, start, end, unitCount, manufacturer);
        _runs.update(hint, run, start, end, holder, state, aux);
    }

    function setHead(uint32 hint, uint32 index, PackState state, uint48 aux) external {
        PackRuns.Run memory run = _runs.load(hint, index, index + 1, unitCount, manufacturer);
        _runs.setHead(hint, run, index, state, aux);
    }

    function clearHead(uint32 start) external {
        _runs.clearHead(start);
    }
}
