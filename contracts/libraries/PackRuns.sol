// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackState} from "../Common.sol";

/**
 * @title PackRuns: the custody of a lot's packs as runs of consecutive indices
 * @author PharmaChain
 * @notice A lot's packs `[0, unitCount)` are partitioned into runs `[start, end)` whose packs share one holder and one
 * state, stored under their start index, as ERC721A stores consecutive token ids. Changing a range of any length
 * rewrites the runs it touches and at most two around it, so gas grows with the runs touched, never with the packs.
 *
 * A run is one word ({Packed}): `end | holder << 32 | state << 192 | head << 200 | aux << 208`; the library works on
 * the words themselves, so a write allocates no memory per run.
 *
 * Invariants:
 * - An untouched lot has no record: it is one implicit run `[0, unitCount)`, held by the manufacturer, `Active`.
 * - Every stored (non-zero) record is the start of a current run; a record absorbed by a merge is deleted. A hint (a
 *   run start at or before the packs concerned) is therefore checked in O(1), and walked forward from.
 * - **No two adjacent runs are equal as stored**: for runs `A` then `B`, `B` does not continue `A` ({joins}), nor does
 *   `B`'s head pack (it would belong to `A`). A write that would leave such a pair merges it. A shipment's runs keep
 *   pointing at the shipment (holder: the seller, `InTransit`, `aux`: its id) after it settles, and are compared as
 *   stored; they settle, and merge, when they are next written.
 * - A run may carry a *head*: an individual decommission state of its first pack only (with `aux` its time), while
 *   the rest of the run stays `Active`. Decommissioning a single pack inside a run then writes one new record,
 *   not two. A head run has two packs at least: a one-pack run is stored as a plain run in the head's state.
 */
library PackRuns {
    /// @notice A run as read: its end, holder, state, head and aux.
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

    /**
     * @notice Where a range write stands: the run it is at, and the run it is building (pending), which is stored
     * when the next part cannot join it or the range ends. Runs are held as {Packed} words.
     */
    struct Walk {
        /// @dev the current run, as stored.
        uint256 run;
        /// @dev the run being built, as it will be stored.
        uint256 pending;
        /// @dev the start of the current run.
        uint32 at;
        uint32 pendingStart;
        /// @dev the range's exclusive end.
        uint32 end;
        /// @dev the lot's size.
        uint32 unitCount;
        bool hasPending;
        bool pendingDirty;
    }

    /// @dev A run as stored: one word, `end | holder << 32 | state << 192 | head << 200 | aux << 208`, written with a
    /// single SSTORE.
    type Packed is uint256;

    uint256 private constant _BITPOS_HOLDER = 32;
    uint256 private constant _BITPOS_STATE = 192;
    uint256 private constant _BITPOS_HEAD = 200;
    uint256 private constant _BITPOS_AUX = 208;
    uint256 private constant _BITMASK_END = (1 << 32) - 1;
    uint256 private constant _BITMASK_HEAD = uint256(0xff) << _BITPOS_HEAD;
    uint256 private constant _BITMASK_AUX = ((1 << 48) - 1) << _BITPOS_AUX;
    /// @dev holder and state: what two runs that may join share.
    uint256 private constant _BITMASK_HOLDER_STATE = ((1 << 168) - 1) << _BITPOS_HOLDER;

    /// @notice `hint` is not a run start at or before the first pack of `[start, end)` (for a range that is changed:
    /// at or before the pack before it, whose run it may join).
    error PackRunsInvalidHint(uint32 hint, uint32 start, uint32 end);

    // ------------------------------------------------------------------ reads

    /**
     * @dev The run holding `index`, found by walking forward from `from`, a run start at or before `index` (0 always
     * is one). The caller has checked `index < unitCount`. Reverts with {PackRunsInvalidHint}`(from, index, index + 1)`
     * when `from` is after `index` or is not a run start. O(runs from `from` to `index`).
     */
    function locate(
        mapping(uint32 => Packed) storage runs,
        uint32 from,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (uint32 start, Run memory run) {
        uint256 word;
        (start, word) = locateWord(runs, from, index, unitCount, manufacturer);
        run = decode(Packed.wrap(word));
    }

    /// @dev {locate}, giving the run as its word.
    function locateWord(
        mapping(uint32 => Packed) storage runs,
        uint32 from,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (uint32 start, uint256 word) {
        return _locateWord(runs, from, index, unitCount, manufacturer, index, index + 1);
    }

    /// @dev {locateWord}, reverting with `[start, end)`, the packs the caller is after, when `from` is not usable.
    function _locateWord(
        mapping(uint32 => Packed) storage runs,
        uint32 from,
        uint32 index,
        uint32 unitCount,
        address manufacturer,
        uint32 start_,
        uint32 end_
    ) private view returns (uint32 start, uint256 word) {
        if (from > index) revert PackRunsInvalidHint(from, start_, end_);
        word = Packed.unwrap(runs[from]);
        if (word == 0) {
            // Either an untouched lot (then only 0 is a start) or a position that is not a run start.
            if (from != 0) revert PackRunsInvalidHint(from, start_, end_);
            return (0, implicitWord(unitCount, manufacturer));
        }
        start = from;
        while (uint32(word) <= index) {
            start = uint32(word);
            word = Packed.unwrap(runs[start]);
            // Past the last run: `index` lies beyond the lot.
            if (word == 0) revert PackRunsInvalidHint(from, start_, end_);
        }
    }

    /**
     * @dev Finds the run holding `index` by walking the runs from 0: O(number of runs), for views only.
     * The caller has checked `index < unitCount`.
     */
    function find(
        mapping(uint32 => Packed) storage runs,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (uint32 start, Run memory run) {
        return locate(runs, 0, index, unitCount, manufacturer);
    }

    /// @dev The state and state time of pack `index` of `run`, which starts at `start`.
    function stateOf(Run memory run, uint32 start, uint32 index) internal pure returns (PackState state, uint48 aux) {
        if (index == start && run.head != PackState.Active) return (run.head, run.aux);
        if (run.head != PackState.Active) return (run.state, 0);
        return (run.state, run.aux);
    }

    /// @dev {stateOf} for a run word.
    function stateOfWord(uint256 word, uint32 start, uint32 index) internal pure returns (PackState, uint48) {
        PackState head = headOf(word);
        if (head != PackState.Active) {
            if (index == start) return (head, auxOf(word));
            return (stateOfRun(word), 0);
        }
        return (stateOfRun(word), auxOf(word));
    }

    /// @dev The word of an untouched lot's run.
    function implicitWord(uint32 unitCount, address manufacturer) internal pure returns (uint256) {
        return uint256(unitCount) | (uint256(uint160(manufacturer)) << _BITPOS_HOLDER);
    }

    /// @dev A run's word: `end`, `holder`, `state`, no head, `aux`.
    function runWord(uint32 end, address holder, PackState state, uint48 aux) internal pure returns (uint256) {
        return
            uint256(end) |
            (uint256(uint160(holder)) << _BITPOS_HOLDER) |
            (uint256(uint8(state)) << _BITPOS_STATE) |
            (uint256(aux) << _BITPOS_AUX);
    }

    /// @dev The end of a run word.
    function endOf(uint256 w) internal pure returns (uint32) {
        return uint32(w);
    }

    /// @dev The holder of a run word.
    function holderOf(uint256 w) internal pure returns (address) {
        return address(uint160(w >> _BITPOS_HOLDER));
    }

    /// @dev The state of a run word (of its packs after a head).
    function stateOfRun(uint256 w) internal pure returns (PackState) {
        return PackState(uint8(w >> _BITPOS_STATE));
    }

    /// @dev The head of a run word (`Active`: none).
    function headOf(uint256 w) internal pure returns (PackState) {
        return PackState(uint8(w >> _BITPOS_HEAD));
    }

    /// @dev The aux of a run word.
    function auxOf(uint256 w) internal pure returns (uint48) {
        return uint48(w >> _BITPOS_AUX);
    }

    /**
     * @dev Whether run `b` continues run `a` unchanged (the two would be one run): same holder and state, `b` has no
     * head, and the same aux as `a`'s packs after its head. Ends are ignored.
     */
    function joins(uint256 a, uint256 b) internal pure returns (bool) {
        if (b & _BITMASK_HEAD != 0 || (a ^ b) & _BITMASK_HOLDER_STATE != 0) return false;
        uint256 restAux = a & _BITMASK_HEAD == 0 ? a & _BITMASK_AUX : 0;
        return restAux == b & _BITMASK_AUX;
    }

    // ------------------------------------------------------------------ range writes

    /**
     * @dev Starts a write of `[start, end)`, which the caller has checked lies in `[0, unitCount)`. `from` is a run
     * start at or before pack `start - 1` (0 when `start` is 0), so that the run before the range is known and a
     * part equal to it joins it. The walk stands at the run holding `start`.
     */
    function begin(
        mapping(uint32 => Packed) storage runs,
        uint32 from,
        uint32 start,
        uint32 end,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (Walk memory w) {
        w.end = end;
        w.unitCount = unitCount;
        if (start == 0) {
            if (from != 0) revert PackRunsInvalidHint(from, start, end);
            (w.at, w.run) = locateWord(runs, 0, 0, unitCount, manufacturer);
            return w;
        }
        if (from >= start) revert PackRunsInvalidHint(from, start, end);
        (uint32 leftStart, uint256 left) = _locateWord(runs, from, start - 1, unitCount, manufacturer, start, end);
        w.hasPending = true;
        w.pendingStart = leftStart;
        if (uint32(left) > start) {
            // The range starts inside `left`: its packs before `start` stay as they are, in a shorter run.
            w.at = leftStart;
            w.run = left;
            w.pending = _normalized(leftStart, _withEnd(left, start));
            w.pendingDirty = true;
        } else {
            w.pending = left;
            w.at = start;
            w.run = Packed.unwrap(runs[start]);
        }
    }

    /// @dev Moves the walk to the next run; the caller has checked that the current one ends before the range does.
    function next(mapping(uint32 => Packed) storage runs, Walk memory w) internal view {
        uint32 at = uint32(w.run);
        w.at = at;
        w.run = Packed.unwrap(runs[at]);
    }

    /**
     * @dev Writes `data` (a word with no head; its end is ignored) over `[a, b)`, the part of the current run inside
     * the range: it joins the pending run when equal to it, else the pending run is stored and `[a, b)` becomes the
     * pending one.
     */
    function put(mapping(uint32 => Packed) storage runs, Walk memory w, uint32 a, uint32 b, uint256 data) internal {
        if (w.hasPending && joins(w.pending, data)) {
            w.pending = _withEnd(w.pending, b);
            w.pendingDirty = true;
            // A run that started at `a` is absorbed: its record goes.
            if (a == w.at && a != 0) runs[a] = Packed.wrap(0);
        } else {
            _flush(runs, w);
            w.hasPending = true;
            w.pendingDirty = true;
            w.pendingStart = a;
            w.pending = _withEnd(data, b);
        }
    }

    /**
     * @dev Ends the write: the packs of the current run after the range stay as they are (its head, if any, is in the
     * range or before it), or, when the range ends with the run, the next run joins the pending one if it continues
     * it.
     */
    function finish(mapping(uint32 => Packed) storage runs, Walk memory w) internal {
        uint32 runEnd = uint32(w.run);
        if (w.end < runEnd) {
            uint256 rest = w.run;
            if (rest & _BITMASK_HEAD != 0) rest &= ~(_BITMASK_HEAD | _BITMASK_AUX);
            put(runs, w, w.end, runEnd, rest);
        } else if (w.end < w.unitCount) {
            uint256 joined = _joinNext(runs, w.pending, w.unitCount);
            if (joined != w.pending) {
                w.pending = joined;
                w.pendingDirty = true;
            }
        }
        _flush(runs, w);
    }

    // ------------------------------------------------------------------ single-pack writes

    /**
     * @dev The run holding pack `index` (`run`, at `runStart`) and the run holding pack `index - 1` (`left`, at
     * `leftStart`; the same run when `index` is inside it; none when `index` is 0), walked to from `from`, a run start
     * at or before `index - 1` (0 when `index` is 0).
     */
    function around(
        mapping(uint32 => Packed) storage runs,
        uint32 from,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (uint32 leftStart, uint256 left, uint32 runStart, uint256 run) {
        if (index == 0) {
            if (from != 0) revert PackRunsInvalidHint(from, index, index + 1);
            (runStart, run) = locateWord(runs, 0, 0, unitCount, manufacturer);
            return (0, 0, runStart, run);
        }
        if (from >= index) revert PackRunsInvalidHint(from, index, index + 1);
        (leftStart, left) = _locateWord(runs, from, index - 1, unitCount, manufacturer, index, index + 1);
        if (uint32(left) > index) return (leftStart, left, leftStart, left);
        return (leftStart, left, index, Packed.unwrap(runs[index]));
    }

    /**
     * @dev Gives the single pack `index` of the run `run` (at `runStart`, as stored), whose packs from `index` on are
     * `Active` and held by `holder` once settled, the individual state `state` at time `aux`. Usually one new record:
     * the pack becomes the head of a run `[index, run's end)`. The packs before `index` keep the run as stored. The
     * pack joins the run before it when it continues it (two decommissions in one block), and the run after is
     * checked when it may now continue this one (the pack is a run of its own, or the run was a settled shipment's).
     * `left` and `leftStart` are as {around} gives them.
     */
    function setHead(
        mapping(uint32 => Packed) storage runs,
        uint32 leftStart,
        uint256 left,
        uint32 runStart,
        uint256 run,
        address holder,
        uint32 index,
        PackState state,
        uint48 aux,
        uint32 unitCount
    ) internal {
        uint32 runEnd = uint32(run);
        uint256 pack = runWord(index + 1, holder, state, aux);
        bool hasRest = runEnd > index + 1;
        bool shortened = index > runStart;
        (uint32 beforeStart, uint256 before) = shortened
            ? (runStart, _normalized(runStart, _withEnd(run, index)))
            : (leftStart, left);
        // `tail` is the last run written, at `tailStart`; the run after `runEnd` may join it.
        uint32 tailStart;
        uint256 tail;
        if (index != 0 && joins(before, pack)) {
            before = _withEnd(before, index + 1);
            if (!shortened) runs[index] = Packed.wrap(0);
            if (hasRest) {
                runs[beforeStart] = Packed.wrap(before);
                (tailStart, tail) = (index + 1, runWord(runEnd, holder, PackState.Active, 0));
            } else {
                (tailStart, tail) = (beforeStart, before);
            }
        } else {
            if (shortened) runs[beforeStart] = Packed.wrap(before);
            tailStart = index;
            // The head run: the pack in `state` at `aux`, then the rest `Active`.
            tail =
                hasRest
                    ? runWord(runEnd, holder, PackState.Active, aux) | (uint256(uint8(state)) << _BITPOS_HEAD)
                    : pack;
        }
        if (!hasRest || stateOfRun(run) == PackState.InTransit) tail = _joinNext(runs, tail, unitCount);
        runs[tailStart] = Packed.wrap(tail);
    }

    /// @dev The run stored in `word` (all zero: no run starts there).
    function decode(Packed word_) internal pure returns (Run memory run) {
        uint256 w = Packed.unwrap(word_);
        run.end = uint32(w);
        run.holder = holderOf(w);
        run.state = stateOfRun(w);
        run.head = headOf(w);
        run.aux = auxOf(w);
    }

    // ------------------------------------------------------------------ internals

    /**
     * @dev `run` (about to be stored), extended by what continues it of the run after it: that whole run when it
     * joins, or its head pack (the rest of that run then starts one pack later).
     */
    function _joinNext(
        mapping(uint32 => Packed) storage runs,
        uint256 run,
        uint32 unitCount
    ) private returns (uint256) {
        uint32 at = uint32(run);
        if (at >= unitCount) return run;
        uint256 nextRun = Packed.unwrap(runs[at]);
        if (joins(run, nextRun)) {
            runs[at] = Packed.wrap(0);
            return _withEnd(run, uint32(nextRun));
        }
        if (nextRun & _BITMASK_HEAD != 0) {
            uint256 headPack = runWord(at + 1, holderOf(nextRun), headOf(nextRun), auxOf(nextRun));
            if (joins(run, headPack)) {
                // A head run has two packs at least, so its rest is not empty.
                runs[at] = Packed.wrap(0);
                runs[at + 1] = Packed.wrap(runWord(uint32(nextRun), holderOf(nextRun), PackState.Active, 0));
                return _withEnd(run, at + 1);
            }
        }
        return run;
    }

    /// @dev Stores the pending run, if it changed.
    function _flush(mapping(uint32 => Packed) storage runs, Walk memory w) private {
        if (w.hasPending && w.pendingDirty) runs[w.pendingStart] = Packed.wrap(_normalized(w.pendingStart, w.pending));
        w.pendingDirty = false;
    }

    /// @dev A one-pack run with a head is stored as a plain run in the head's state.
    function _normalized(uint32 start, uint256 w) private pure returns (uint256) {
        if (w & _BITMASK_HEAD != 0 && uint32(w) == start + 1) {
            uint256 head = (w >> _BITPOS_HEAD) & 0xff;
            w = (w & ~(_BITMASK_HEAD | (uint256(0xff) << _BITPOS_STATE))) | (head << _BITPOS_STATE);
        }
        return w;
    }

    /// @dev `w` ending at `end`.
    function _withEnd(uint256 w, uint32 end) private pure returns (uint256) {
        return (w & ~_BITMASK_END) | end;
    }
}
