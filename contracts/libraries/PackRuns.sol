// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackState} from "../Common.sol";

/**
 * @title PackRuns: the custody of a lot's packs as runs of consecutive indices
 * @notice A lot's packs `[0, unitCount)` are partitioned into runs `[start, end)` whose packs share one holder and one
 * state, stored under their start index, as ERC721A stores consecutive token ids. Moving a range of any length
 * rewrites at most three runs, so gas does not grow with the number of packs.
 *
 * - An untouched lot has no record: it is one implicit run `[0, unitCount)`, held by the manufacturer, `Active`.
 * - Records are never deleted, so every stored start is the start of a current run, and a caller-supplied hint (the
 *   start of the run holding an index) is checked in O(1).
 * - A run may carry a *head*: an individual decommission state of its first pack only (with `aux` its time), while
 *   the rest of the run stays `Active`. Decommissioning a single pack inside a run then writes one new record,
 *   not two. A head never outlives a one-pack run: such a run is stored as a plain run in the head's state.
 */
library PackRuns {
    struct Run {
        /// @dev exclusive end index; 0 only for the implicit run of an untouched lot.
        uint32 end;
        address holder;
        PackState state;
        /// @dev `Active` when there is no head; else the state of the run's first pack.
        PackState head;
        /// @dev the shipment id while `InTransit`; the time of the decommission (of the head when there is one).
        uint48 aux;
    }

    /// @dev A run as stored: one word, `end | holder << 32 | state << 192 | head << 200 | aux << 208`, written with a
    /// single SSTORE.
    type Packed is uint256;

    /// @dev `hint` is not the start of a run that holds all of `[start, end)`.
    error PackRunsInvalidHint(uint32 hint, uint32 start, uint32 end);

    /**
     * @dev The run that starts at `hint` and holds `[start, end)`, which the caller has checked lies in
     * `[0, unitCount)`. Reverts with {PackRunsInvalidHint} otherwise.
     */
    function load(
        mapping(uint32 => Packed) storage runs,
        uint32 hint,
        uint32 start,
        uint32 end,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (Run memory run) {
        run = decode(runs[hint]);
        if (run.end == 0) {
            // Either an untouched lot (then only hint 0 is valid) or a hint that is not a run start.
            if (hint != 0) revert PackRunsInvalidHint(hint, start, end);
            run = Run({end: unitCount, holder: manufacturer, state: PackState.Active, head: PackState.Active, aux: 0});
        }
        if (start < hint || end > run.end) revert PackRunsInvalidHint(hint, start, end);
    }

    /**
     * @dev Finds the run holding `index` by walking the runs from 0: O(number of runs), for views only.
     * The caller has checked `index < unitCount`.
     */
    function find(mapping(uint32 => Packed) storage runs, uint32 index, uint32 unitCount, address manufacturer)
        internal
        view
        returns (uint32 start, Run memory run)
    {
        run = decode(runs[0]);
        if (run.end == 0) {
            return (0, Run({end: unitCount, holder: manufacturer, state: PackState.Active, head: PackState.Active, aux: 0}));
        }
        while (run.end <= index) {
            start = run.end;
            run = decode(runs[start]);
        }
    }

    /// @dev The state and state time of pack `index` of `run`, which starts at `start`.
    function stateOf(Run memory run, uint32 start, uint32 index) internal pure returns (PackState state, uint48 aux) {
        if (index == start && run.head != PackState.Active) return (run.head, run.aux);
        if (run.head != PackState.Active) return (run.state, 0);
        return (run.state, run.aux);
    }

    /**
     * @dev Gives `[start, end)`, which lies in `run` (starting at `runStart`), a new holder, state and aux, splitting
     * the run where needed. The caller has checked that the packs may make this change.
     */
    function update(
        mapping(uint32 => Packed) storage runs,
        uint32 runStart,
        Run memory run,
        uint32 start,
        uint32 end,
        address holder,
        PackState state,
        uint48 aux
    ) internal {
        uint32 runEnd = run.end;
        if (start > runStart) _writeLeft(runs, runStart, run, start);
        runs[start] = _pack(end, holder, state, PackState.Active, aux);
        if (end < runEnd) {
            // The right part keeps the run's own state; a head belonged to the first pack only.
            uint48 rightAux = run.head == PackState.Active ? run.aux : 0;
            runs[end] = _pack(runEnd, run.holder, run.state, PackState.Active, rightAux);
        }
    }

    /**
     * @dev Gives the single pack `index` of the `Active` run `run` (starting at `runStart`) the individual state
     * `state` at time `aux`, as a head: one new record at most.
     */
    function setHead(
        mapping(uint32 => Packed) storage runs,
        uint32 runStart,
        Run memory run,
        uint32 index,
        PackState state,
        uint48 aux
    ) internal {
        if (index > runStart) _writeLeft(runs, runStart, run, index);
        if (run.end == index + 1) {
            runs[index] = _pack(run.end, run.holder, state, PackState.Active, aux);
        } else {
            runs[index] = _pack(run.end, run.holder, PackState.Active, state, aux);
        }
    }

    /// @dev Removes the head of the run at `runStart`: its first pack is `Active` again, as the rest of the run.
    function clearHead(mapping(uint32 => Packed) storage runs, uint32 runStart) internal {
        Run memory r = decode(runs[runStart]);
        runs[runStart] = _pack(r.end, r.holder, r.state, PackState.Active, 0);
    }

    /// @dev Shortens `run` to `[runStart, newEnd)`; a head left alone in a one-pack run becomes the run's state.
    function _writeLeft(mapping(uint32 => Packed) storage runs, uint32 runStart, Run memory run, uint32 newEnd) private {
        if (run.head != PackState.Active && newEnd == runStart + 1) {
            runs[runStart] = _pack(newEnd, run.holder, run.head, PackState.Active, run.aux);
        } else {
            runs[runStart] = _pack(newEnd, run.holder, run.state, run.head, run.aux);
        }
    }

    /// @dev The run stored in `word` (all zero: no run starts there).
    function decode(Packed word) internal pure returns (Run memory run) {
        uint256 w = Packed.unwrap(word);
        run.end = uint32(w);
        run.holder = address(uint160(w >> 32));
        run.state = PackState(uint8(w >> 192));
        run.head = PackState(uint8(w >> 200));
        run.aux = uint48(w >> 208);
    }

    function _pack(uint32 end, address holder, PackState state, PackState head, uint48 aux)
        private
        pure
        returns (Packed)
    {
        return Packed.wrap(
            uint256(end) | (uint256(uint160(holder)) << 32) | (uint256(uint8(state)) << 192)
                | (uint256(uint8(head)) << 200) | (uint256(aux) << 208)
        );
    }
}
