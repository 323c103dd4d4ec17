// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PackState} from "../Common.sol";

/**
 * @title PackRunsDense: a lot's runs as start bits in a bitmap with summary levels, and run data packed by rank
 * @author PharmaChain
 * @notice Custody's run store (PackCustody calls it through the linked library {PackRunsStore}): the runs of
 * {PackRuns}, the previous store, laid out densely for issue 11's gas ceilings, and found without hints. Measured
 * against PackRuns on identical harnesses by `npm run bench:dense`, and in custody by `npm run bench`
 * (docs/dense-runs.md).
 *
 * Layout of one lot (every word is found from a pack index, never by walking runs):
 * - **Leaf** `b` (packs `[64b, 64b + 64)`), one word: bit `i` of its low 64 bits is set when pack `64b + i` starts a
 *   run (pack 0 always does: its bit is implied), and its high 192 bits hold the records of the leaf's first three
 *   runs in the order of their starts (their *rank*), 64 bits each. Records of later ranks are in `more` words,
 *   four a word, keyed `b << 4 | (rank - 3) / 4`. A run is found at its start's leaf: no record for runs that start
 *   in another leaf. Leaf 0 is the exception: it keeps one record (run 0's) and, in its high 128 bits, `l1`'s bits of
 *   leaves 1 to 127, so that a lot's first split writes no summary word of its own; its records of ranks 1 and up
 *   are in `more` words keyed `(rank - 1) / 4`.
 * - **Summary** levels: bit `b % 256` of `l1[b / 256]` is set when leaf `b` (`b >= 128`; below, in leaf 0) has a
 *   start; bit `j % 256` of `l2[j / 256]` when `l1[j]` (`j >= 1`) is not zero; bit `k % 256` of `l3[k / 256]` when
 *   `l2[k]` (`k >= 1`) is not zero. Index 0 of each level is not tracked (leaf 0 always has a start), so a lot of up
 *   to 8,192 packs writes no summary word, one of up to 16,384 packs only `l1[0]`, one of up to 4,194,304 packs no
 *   `l3`. The run holding a pack (the greatest start at or before it) is found by reading the pack's leaf, then up
 *   the levels to the nearest non-empty word and down again: a handful of words, 10 or so at worst in a lot of 2^32
 *   packs (`l3` has 4 words, scanned): bounded by words, not runs.
 * - **High flag**: leaf 0's stored bit 0 (pack 0's start bit, implied, so free) is set exactly when some leaf from
 *   128 on has a start, in small mode too. A search reads it (in leaf 0's word) before any summary word, so a lot
 *   whose starts are all below pack 8,192 reads none, whatever its size (a write over a whole lot of 100,000 packs
 *   reads neither `l1[0]` nor `l2[0]`). It costs a write of leaf 0 when the lot gets its first such start or loses
 *   its last (a new word if leaf 0 was zero: an untouched lot's first cut from pack 8,192 on).
 * - A **record** (64 bits): `holderId | state << 24 | head << 28 | aux << 32`. Holders are interned to 24-bit ids
 *   ({Holders}; id 0 is the lot's manufacturer, so an untouched lot stores nothing: one run `[0, unitCount)` held by
 *   the manufacturer, `Active`), states and heads are 4 bits (PackState has 11 values), `aux` is 32 bits (a shipment
 *   id below 2^32, or a time in seconds before 2106; PackRuns has 48).
 *
 * The semantics are PackRuns' (heads, aux, merges): a run may carry a *head*, an individual state of its first pack
 * with `aux` its time, the rest `Active` with aux 0; a one-pack run is never a head run; and **no two adjacent runs
 * are equal** ({joins}): a write that would leave such a pair merges it, as does a run whose head pack continues the
 * run before it (the start moves one pack on). Every write is O(runs touched + records shifted in the leaves
 * touched); a leaf holds at most 64 records, so a shift rewrites at most 17 words.
 */
library PackRunsDense {
    /// @notice One lot's runs.
    struct Lot {
        /// @dev leaf `b`: start bits (low 64) and the records of ranks 0 to 2 (leaf 0: rank 0, and l1's low bits).
        mapping(uint256 leaf => uint256) leaf;
        /// @dev records of ranks 3 and up (leaf 0: 1 and up): `b << 4 | (rank - 3) / 4`, four a word.
        mapping(uint256 key => uint256) more;
        /// @dev summary levels (see the layout).
        mapping(uint256 index => uint256) l1;
        mapping(uint256 index => uint256) l2;
        mapping(uint256 index => uint256) l3;
    }

    /// @notice Interned holders, shared by every lot: an account's id is fixed at its first use.
    struct Holders {
        mapping(address account => uint256) idOf;
        mapping(uint256 id => address) accounts;
        uint256 count;
    }

    /// @notice A run as read.
    struct Run {
        uint32 start;
        /// @dev exclusive end.
        uint32 end;
        address holder;
        PackState state;
        /// @dev `Active` when there is no head; else the state of the run's first pack.
        PackState head;
        /// @dev the shipment id while `InTransit`; the time of the decommission (of the head when there is one).
        uint48 aux;
    }

    uint256 private constant _NONE = type(uint256).max;
    uint256 private constant _MASK64 = (1 << 64) - 1;
    uint256 private constant _BITMASK_HEAD = uint256(0xf) << 28;
    uint256 private constant _BITMASK_AUX = uint256(0xffffffff) << 32;
    /// @dev holder and state: what two runs that may join share.
    uint256 private constant _BITMASK_HOLDER_STATE = (1 << 28) - 1;
    /// @dev `l3` words: 2^32 packs are 2^26 leaves, 2^18 `l1` words, 2^10 `l2` words.
    uint256 private constant _L3_WORDS = 4;
    /// @dev Leaf 0's bit 128 (the summary bit of leaf 0, never used otherwise): the lot is in small mode.
    uint256 private constant _SMALL = 1 << 128;
    /**
     * @dev Leaf 0's stored bit 0 (pack 0's start bit, implied and so never used otherwise), in small mode too: set
     * exactly when some leaf from 128 on has a start (the *high* flag). A search that would climb the summary words
     * reads it first, so a lot whose starts are all below pack 8,192 reads no summary word, whatever its size.
     */
    uint256 private constant _HIGH = 1;

    /// @notice `[start, end)` is not a non-empty range of the lot's `unitCount` packs.
    error PackRunsDenseInvalidRange(uint32 start, uint32 end, uint32 unitCount);
    /// @notice `aux` does not fit a record's 32 bits.
    error PackRunsDenseAuxTooLarge(uint48 aux);
    /// @notice Every 24-bit holder id is taken.
    error PackRunsDenseHoldersExhausted();

    // ------------------------------------------------------------------ holders

    /**
     * @dev The id of `account` in a lot made by `manufacturer` (0 for the manufacturer), interning it on first use
     * (two new words, once per account for all lots).
     */
    function intern(Holders storage h, address account, address manufacturer) internal returns (uint256 id) {
        if (account == manufacturer) return 0;
        id = h.idOf[account];
        if (id != 0) return id;
        id = h.count + 1;
        if (id >= 1 << 24) revert PackRunsDenseHoldersExhausted();
        h.count = id;
        h.idOf[account] = id;
        h.accounts[id] = account;
    }

    /// @dev The account of holder id `id` in a lot made by `manufacturer`.
    function accountOf(Holders storage h, uint256 id, address manufacturer) internal view returns (address) {
        return id == 0 ? manufacturer : h.accounts[id];
    }

    /// @dev A record: no head.
    function record(uint256 holderId, PackState state, uint48 aux) internal pure returns (uint256) {
        if (aux > type(uint32).max) revert PackRunsDenseAuxTooLarge(aux);
        return holderId | (uint256(uint8(state)) << 24) | (uint256(aux) << 32);
    }

    /// @dev The holder id of a record.
    function holderIdOf(uint256 r) internal pure returns (uint256) {
        return r & 0xffffff;
    }

    /// @dev The state of a record (of its packs after a head).
    function stateOf(uint256 r) internal pure returns (PackState) {
        return PackState((r >> 24) & 0xf);
    }

    /// @dev The head of a record (`Active`: none).
    function headOf(uint256 r) internal pure returns (PackState) {
        return PackState((r >> 28) & 0xf);
    }

    /// @dev The aux of a record.
    function auxOf(uint256 r) internal pure returns (uint48) {
        return uint48(r >> 32);
    }

    /**
     * @dev Whether run `b` continues run `a` unchanged: same holder and state, `b` has no head, and the same aux as
     * `a`'s packs after its head. As {PackRuns-joins}.
     */
    function joins(uint256 a, uint256 b) internal pure returns (bool) {
        if (b & _BITMASK_HEAD != 0 || (a ^ b) & _BITMASK_HOLDER_STATE != 0) return false;
        uint256 restAux = a & _BITMASK_HEAD == 0 ? a & _BITMASK_AUX : 0;
        return restAux == b & _BITMASK_AUX;
    }

    // ------------------------------------------------------------------ reads

    /// @dev Whether pack `p` starts a run.
    function isStart(Lot storage lot, uint256 p) internal view returns (bool) {
        return (_bits(lot, p >> 6) >> (p & 63)) & 1 == 1;
    }

    /// @dev The greatest run start at or before `p` (the start of the run holding `p`) in a lot of `units` packs
    /// (not needed: the summary words the search reads are found from `p` and leaf 0's {_HIGH} bit).
    function startOf(Lot storage lot, uint256 p, uint256 /* units */) internal view returns (uint256) {
        uint256 b = p >> 6;
        uint256 m = _bits(lot, b) & ((2 << (p & 63)) - 1);
        if (m != 0) return (b << 6) | Math.log2(m);
        b = _prevLeaf(lot, b - 1);
        return (b << 6) | Math.log2(_bits(lot, b));
    }

    /// @dev The least run start in `[p, limit)` (`limit <= units`), or `limit` when there is none. No word past it.
    /// (`units` is not needed, as in {startOf}.)
    function nextStart(Lot storage lot, uint256 p, uint256 limit, uint256 /* units */) internal view returns (uint256) {
        if (p >= limit) return limit;
        uint256 b = p >> 6;
        uint256 m = (_bits(lot, b) >> (p & 63)) << (p & 63);
        uint256 s;
        if (m != 0) {
            s = (b << 6) | _lsb(m);
        } else {
            uint256 last = (limit - 1) >> 6;
            if (b >= last) return limit;
            b = _nextLeaf(lot, b + 1, last);
            if (b == _NONE) return limit;
            s = (b << 6) | _lsb(_bits(lot, b));
        }
        return s < limit ? s : limit;
    }

    /// @dev The record of the run starting at `start` (a run start).
    function recordAt(Lot storage lot, uint256 start) internal view returns (uint256) {
        uint256 b = start >> 6;
        uint256 leaf = _word(lot, b);
        return _getRec(lot, b, leaf, _popcount((leaf | (b == 0 ? 1 : 0)) & ((1 << (start & 63)) - 1)));
    }

    /// @dev The run holding pack `index` (`index < unitCount`), hint-free. O(words).
    function find(
        Lot storage lot,
        Holders storage h,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) internal view returns (Run memory run) {
        uint256 start = startOf(lot, index, unitCount);
        uint256 r = recordAt(lot, start);
        run.start = uint32(start);
        run.end = uint32(nextStart(lot, uint256(index) + 1, unitCount, unitCount));
        run.holder = accountOf(h, holderIdOf(r), manufacturer);
        run.state = stateOf(r);
        run.head = headOf(r);
        run.aux = auxOf(r);
    }

    /// @dev The state and state time of pack `index` of `run`. As {PackRuns-stateOf}.
    function packState(Run memory run, uint32 index) internal pure returns (PackState, uint48) {
        if (run.head != PackState.Active) {
            if (index == run.start) return (run.head, run.aux);
            return (run.state, 0);
        }
        return (run.state, run.aux);
    }

    // ------------------------------------------------------------------ writes

    /**
     * @dev Gives every pack of `[start, end)` the record `data` (no head), merging with equal neighbours. The runs
     * inside the range go; the run holding `end - 1` keeps its packs from `end` on (without its head, which is in the
     * range or before it); the run holding `start - 1` keeps its packs before `start`.
     */
    function write(Lot storage lot, uint32 start, uint32 end, uint32 unitCount, uint256 data) internal {
        if (start >= end || end > unitCount) revert PackRunsDenseInvalidRange(start, end, unitCount);
        uint256 units = unitCount;
        if (start < 128 * 64 && _writeSmall(lot, start, end, units, data)) return;
        if (end < units && _writeInside(lot, start, end, units, data)) return;
        _writeGeneral(lot, start, end, units, data);
    }

    /**
     * @dev {write} of a range that lies in one run, the caller having read it: `runStart` (at or before `start`) and
     * its record `run`. Spares {write}'s own lookup of that run.
     */
    function writeInRun(
        Lot storage lot,
        uint32 start,
        uint32 end,
        uint32 unitCount,
        uint256 data,
        uint256 runStart,
        uint256 run
    ) internal {
        if (start >= end || end > unitCount) revert PackRunsDenseInvalidRange(start, end, unitCount);
        uint256 units = unitCount;
        if (start < 128 * 64 && _writeSmall(lot, start, end, units, data)) return;
        if (
            end < units &&
            (runStart < start || start == 0) &&
            _writeInsideRun(lot, start, end, units, data, runStart, run)
        ) {
            return;
        }
        _writeGeneral(lot, start, end, units, data);
    }

    /// @dev {write}'s general case: any range, after the special cases declined it.
    function _writeGeneral(Lot storage lot, uint256 start, uint256 end, uint256 units, uint256 data) private {
        // The rest of the run holding `end - 1`, from `end` on.
        if (end < units && !isStart(lot, end)) {
            uint256 r = recordAt(lot, startOf(lot, end, units));
            if (r & _BITMASK_HEAD != 0) r &= ~(_BITMASK_HEAD | _BITMASK_AUX);
            _insert(lot, end, r, units);
        }
        // The runs inside the range.
        for (uint256 p = nextStart(lot, uint256(start) + 1, end, units); p < end;) {
            _remove(lot, p, units);
            p = nextStart(lot, p + 1, end, units);
        }
        if (start == 0 || isStart(lot, start)) {
            _set(lot, start, data);
        } else {
            _insert(lot, start, data, units);
            _normalize(lot, startOf(lot, start - 1, units), start);
        }
        if (end < units) _mergeAt(lot, end, units);
        if (start != 0) _mergeAt(lot, start, units);
    }

    /**
     * @dev Gives pack `index` alone the state `state` at time `aux`; the packs after it in its run stay with its
     * holder, `Active`. Usually one new start: the pack becomes the head of a run `[index, run's end)`. The pack joins
     * the run before it when it continues it; the run after is merged when it may now continue the written one (the
     * pack was its run's last, or the run was in transit). As {PackRuns-setHead}. Returns the holder's id.
     */
    function setHead(
        Lot storage lot,
        uint32 index,
        uint32 unitCount,
        PackState state,
        uint48 aux
    ) internal returns (uint256 holderId) {
        (, uint256 run) = _setHead(lot, index, unitCount, _NONE, state, aux);
        return holderIdOf(run);
    }

    /**
     * @dev {setHead} with the holder given: the pack and the packs after it in its run are written with `holderId`
     * (the run's holder as a reader settles it, when the stored record is that of a shipment since received). Returns
     * the start and the record of the run that held the pack before the write, for the caller to check; a caller
     * that finds the write not allowed reverts, and the write with it.
     */
    function setHeadAs(
        Lot storage lot,
        uint32 index,
        uint32 unitCount,
        uint256 holderId,
        PackState state,
        uint48 aux
    ) internal returns (uint256 runStart, uint256 run) {
        return _setHead(lot, index, unitCount, holderId, state, aux);
    }

    /// @dev {setHead} and {setHeadAs}: `holderId` {_NONE} is the run's own.
    function _setHead(
        Lot storage lot,
        uint32 index,
        uint32 unitCount,
        uint256 holderId,
        PackState state,
        uint48 aux
    ) private returns (uint256 runStart, uint256 run) {
        uint256 units = unitCount;
        runStart = startOf(lot, index, units);
        run = recordAt(lot, runStart);
        if (holderId == _NONE) holderId = holderIdOf(run);
        uint256 after_ = uint256(index) + 1;
        bool hasRest = after_ < units && !isStart(lot, after_);
        uint256 v =
            hasRest
                ? record(holderId, PackState.Active, aux) | (uint256(uint8(state)) << 28)
                : record(holderId, state, aux);
        if (index == runStart) {
            _set(lot, index, v);
        } else {
            _insert(lot, index, v, units);
            _normalize(lot, runStart, index);
        }
        if (index != 0) {
            // The run before the pack: the run's part before it (normalised as it was), or the run before that.
            uint256 left =
                index > runStart
                    ? (index == runStart + 1 && run & _BITMASK_HEAD != 0 ? _plainHead(run) : run)
                    : recordAt(lot, startOf(lot, index - 1, units));
            _mergeWith(lot, index, left, v, units);
        }
        if (!hasRest) {
            if (after_ < units) _mergeAt(lot, after_, units);
        } else if (stateOf(run) == PackState.InTransit) {
            uint256 runEnd = nextStart(lot, after_ + 1, units, units);
            if (runEnd < units) _mergeAt(lot, runEnd, units);
        }
    }

    // ------------------------------------------------------------------ internals: runs

    /**
     * @dev {write} on a lot of at most two runs (small mode, or one run: leaf 0 has no start and no summary bit; in
     * either case no leaf from 128 on has a start, leaf 0's {_HIGH} bit being clear: small mode may have such starts,
     * written since) that keeps at most two, the second starting in leaves 1 to 127: the runs are rewritten in
     * memory, with the merges of {write}, and leaf 0 stored once. Returns false, having written nothing, when the lot
     * or the result is not of that shape. The runs after the write (`st`, `rc`) are the parts before the range, the
     * range, the parts after it: at most four, packs below 2^32 (hence unchecked).
     */
    function _writeSmall(
        Lot storage lot,
        uint256 start,
        uint256 end,
        uint256 units,
        uint256 data
    ) private returns (bool) {
        uint256 l0 = lot.leaf[0];
        uint256[3] memory oldStart;
        uint256[2] memory oldRec;
        uint256 n;
        if (l0 & (_SMALL | _HIGH) == _SMALL) {
            n = 2;
            oldStart[1] = (l0 >> 129) & 0xffffffff;
            oldRec[1] = l0 >> 192;
        } else if (l0 & _MASK64 == 0 && l0 >> 128 == 0) {
            n = 1;
        } else {
            return false;
        }
        oldRec[0] = (l0 >> 64) & _MASK64;
        oldStart[n] = units;
        uint256[4] memory st;
        uint256[4] memory rc;
        uint256 k;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                (uint256 s, uint256 e, uint256 r) = (oldStart[i], oldStart[i + 1], oldRec[i]);
                if (s >= start) break;
                if (e > start) e = start;
                (st[k], rc[k]) = (s, e == s + 1 && r & _BITMASK_HEAD != 0 ? _plainHead(r) : r);
                ++k;
            }
            (st[k], rc[k]) = (start, data);
            ++k;
            for (uint256 i = 0; i < n; ++i) {
                (uint256 s, uint256 e, uint256 r) = (oldStart[i], oldStart[i + 1], oldRec[i]);
                if (e <= end) continue;
                if (s < end) (s, r) = (end, r & _BITMASK_HEAD != 0 ? r & ~(_BITMASK_HEAD | _BITMASK_AUX) : r);
                (st[k], rc[k]) = (s, r);
                ++k;
            }
        }
        uint256 m = _joinAll(st, rc, k);
        if (m == 1) {
            lot.leaf[0] = rc[0] << 64;
            return true;
        }
        if (m > 2 || st[1] < 64 || st[1] >= 128 * 64) return false;
        lot.leaf[0] = (rc[0] << 64) | _SMALL | (st[1] << 129) | (rc[1] << 192);
        return true;
    }

    /**
     * @dev The merges of {write} on the `k` runs `st`/`rc` in memory, in place: a run equal to the one before goes; a
     * head run whose head continues the run before starts one pack on. Returns the number of runs left.
     */
    function _joinAll(uint256[4] memory st, uint256[4] memory rc, uint256 k) private pure returns (uint256 m) {
        m = 1;
        // (unchecked: at most four runs, packs below 2^32)
        unchecked {
            for (uint256 j = 1; j < k; ++j) {
                (uint256 s, uint256 r) = (st[j], rc[j]);
                uint256 left = rc[m - 1];
                if (joins(left, r)) continue;
                if (r & _BITMASK_HEAD != 0 && joins(left, _plainHead(r))) {
                    (s, r) = (s + 1, r & ~(_BITMASK_HEAD | _BITMASK_AUX));
                }
                (st[m], rc[m]) = (s, r);
                ++m;
            }
        }
    }

    /**
     * @dev The common case of {write}, done with fewer reads: `[start, end)` lies strictly inside one run, or is the
     * first part of the lot's first run (`end < units`, and neither `end` nor a pack between `start` and `end`
     * starts a run; `start` neither, unless it is 0), and `data` joins neither the run's part before the range nor its
     * part after it. Two new starts (one when `start` is 0), in one leaf write when they share a leaf. Returns false,
     * having written nothing, when the case does not apply.
     */
    function _writeInside(
        Lot storage lot,
        uint256 start,
        uint256 end,
        uint256 units,
        uint256 data
    ) private returns (bool) {
        uint256 runStart = startOf(lot, end - 1, units);
        if (runStart > start || (runStart == start && start != 0)) return false;
        return _writeInsideRun(lot, start, end, units, data, runStart, recordAt(lot, runStart));
    }

    /// @dev {_writeInside} once the run holding `end - 1` is known to start at `runStart` (before `start`, or 0) with
    /// record `run`.
    function _writeInsideRun(
        Lot storage lot,
        uint256 start,
        uint256 end,
        uint256 units,
        uint256 data,
        uint256 runStart,
        uint256 run
    ) private returns (bool) {
        if (isStart(lot, end)) return false;
        uint256 rest = run & _BITMASK_HEAD != 0 ? run & ~(_BITMASK_HEAD | _BITMASK_AUX) : run;
        if (joins(data, rest)) return false;
        if (start == 0) {
            _insert(lot, end, rest, units);
            _set(lot, 0, data);
            return true;
        }
        // The part before keeps the run's record, normalised when it is a head run of one pack.
        uint256 before = start == runStart + 1 && run & _BITMASK_HEAD != 0 ? _plainHead(run) : run;
        if (joins(before, data)) return false;
        if (before != run) _set(lot, runStart, before);
        uint256 b = start >> 6;
        if (end >> 6 != b) {
            _insert(lot, end, rest, units);
            _insert(lot, start, data, units);
            return true;
        }
        // Both in leaf `b` (no start between them): the records of the starts after `end` move up by two.
        uint256 leaf = _leaf(lot, b);
        uint256 bits = leaf & _MASK64;
        uint256 rank = _popcount(bits & ((1 << (start & 63)) - 1));
        for (uint256 k = _popcount(bits) + 1; k > rank + 1; --k) {
            leaf = _setRec(lot, b, leaf, k, _getRec(lot, b, leaf, k - 2));
        }
        leaf = _setRec(lot, b, leaf, rank, data);
        leaf = _setRec(lot, b, leaf, rank + 1, rest) | (1 << (start & 63)) | (1 << (end & 63));
        _store(lot, b, leaf);
        if (bits == 0) _mark(lot, b, true, units);
        return true;
    }

    /// @dev A head run's record as a one-pack run: the head's state, no head.
    function _plainHead(uint256 r) private pure returns (uint256) {
        return (r & ~(_BITMASK_HEAD | (uint256(0xf) << 24))) | (((r >> 28) & 0xf) << 24);
    }

    /// @dev Merges the run starting at `p` (`p > 0`) into the run before it when it, or its head pack, continues it.
    function _mergeAt(Lot storage lot, uint256 p, uint256 units) private {
        if (!isStart(lot, p)) return;
        _mergeWith(lot, p, recordAt(lot, startOf(lot, p - 1, units)), recordAt(lot, p), units);
    }

    /// @dev {_mergeAt} for the run starting at `p` (record `r`), the run before it having the record `left`.
    function _mergeWith(Lot storage lot, uint256 p, uint256 left, uint256 r, uint256 units) private {
        if (joins(left, r)) {
            _remove(lot, p, units);
        } else if (r & _BITMASK_HEAD != 0) {
            if (joins(left, _plainHead(r))) {
                // A head run has two packs at least: its rest is not empty.
                _remove(lot, p, units);
                _insert(lot, p + 1, r & ~(_BITMASK_HEAD | _BITMASK_AUX), units);
            }
        }
    }

    /// @dev The run at `runStart` now ends at `end`: a one-pack head run becomes a plain run in the head's state.
    function _normalize(Lot storage lot, uint256 runStart, uint256 end) private {
        if (end != runStart + 1) return;
        uint256 r = recordAt(lot, runStart);
        if (r & _BITMASK_HEAD == 0) return;
        _set(lot, runStart, _plainHead(r));
    }

    /// @dev Sets the record of the run starting at `p`.
    function _set(Lot storage lot, uint256 p, uint256 r) private {
        uint256 b = p >> 6;
        uint256 leaf = _leaf(lot, b);
        leaf = _setRec(lot, b, leaf, _popcount(leaf & ((1 << (p & 63)) - 1)), r);
        _store(lot, b, leaf);
    }

    /// @dev Makes `p` (not a start) a run start with record `r`, shifting the leaf's later records up.
    function _insert(Lot storage lot, uint256 p, uint256 r, uint256 units) private {
        uint256 b = p >> 6;
        uint256 leaf = _leaf(lot, b);
        uint256 bits = leaf & _MASK64;
        uint256 rank = _popcount(bits & ((1 << (p & 63)) - 1));
        for (uint256 k = _popcount(bits); k > rank; --k) leaf = _setRec(lot, b, leaf, k, _getRec(lot, b, leaf, k - 1));
        leaf = _setRec(lot, b, leaf, rank, r) | (1 << (p & 63));
        _store(lot, b, leaf);
        if (bits == 0) _mark(lot, b, true, units);
    }

    /// @dev Makes `p` (`p > 0`, a start) no longer one, shifting the leaf's later records down.
    function _remove(Lot storage lot, uint256 p, uint256 units) private {
        uint256 b = p >> 6;
        uint256 leaf = _leaf(lot, b);
        uint256 bits = leaf & _MASK64;
        uint256 rank = _popcount(bits & ((1 << (p & 63)) - 1));
        uint256 n = _popcount(bits);
        for (uint256 k = rank; k + 1 < n; ++k) leaf = _setRec(lot, b, leaf, k, _getRec(lot, b, leaf, k + 1));
        leaf = _setRec(lot, b, leaf, n - 1, 0) & ~uint256(1 << (p & 63));
        _store(lot, b, leaf);
        if (leaf & _MASK64 == 0) _mark(lot, b, false, units);
    }

    // ------------------------------------------------------------------ internals: leaves

    /// @dev Records a leaf holds in its own word: leaf 0 keeps one, its other 128 bits are `l1`'s bits of leaves 1-127.
    function _inLeaf(uint256 b) private pure returns (uint256) {
        return b == 0 ? 1 : 3;
    }

    /// @dev Leaf `b`'s word, with pack 0's start bit when `b` is 0 (in place of {_HIGH}, which {_store} keeps).
    function _leaf(Lot storage lot, uint256 b) private view returns (uint256) {
        return b == 0 ? _word(lot, 0) | 1 : _word(lot, b);
    }

    /// @dev The record of rank `rank` of leaf `b`, whose word is `leaf`.
    function _getRec(Lot storage lot, uint256 b, uint256 leaf, uint256 rank) private view returns (uint256) {
        uint256 inLeaf = _inLeaf(b);
        if (rank < inLeaf) return (leaf >> (64 + 64 * rank)) & _MASK64;
        rank -= inLeaf;
        return (lot.more[(b << 4) | (rank >> 2)] >> (64 * (rank & 3))) & _MASK64;
    }

    /// @dev Sets the record of rank `rank` of leaf `b`; returns the leaf's word (a record past it is stored now).
    function _setRec(Lot storage lot, uint256 b, uint256 leaf, uint256 rank, uint256 r) private returns (uint256) {
        uint256 inLeaf = _inLeaf(b);
        if (rank < inLeaf) {
            uint256 shift = 64 + 64 * rank;
            return (leaf & ~(_MASK64 << shift)) | (r << shift);
        }
        rank -= inLeaf;
        uint256 key = (b << 4) | (rank >> 2);
        uint256 shift2 = 64 * (rank & 3);
        uint256 w = lot.more[key];
        uint256 nw = (w & ~(_MASK64 << shift2)) | (r << shift2);
        if (nw != w) lot.more[key] = nw;
        return leaf;
    }

    // ------------------------------------------------------------------ internals: small mode

    /**
     * @dev Leaf `b`'s word as the layout describes it, whether the lot is in small mode or not. In small mode (leaf
     * 0's bit 128 set), a lot of exactly two runs whose second start `s` is in leaves 1 to 127 (packs 64 to 8,191)
     * keeps both runs in leaf 0's word alone: run 0's record in bits 64-127 as usual, `s` in bits 129-160, the second
     * run's record in bits 192-255; leaf `s / 64`'s word and every summary word are zero. Leaf 0 then reads as having
     * no start but pack 0 and the summary bit of leaf `s / 64`, and leaf `s / 64` as having one start, `s`, of rank 0.
     * An empty leaf of 1 to 127 costs a read of leaf 0 more, which every search from such a leaf reads anyway. Leaf
     * 0's word has the {_HIGH} bit as stored, in either mode.
     */
    function _word(Lot storage lot, uint256 b) private view returns (uint256 w) {
        if (b == 0) {
            w = lot.leaf[0];
            if (w & _SMALL != 0) w = (w & ((_MASK64 << 64) | _HIGH)) | (1 << (128 + ((w >> 135) & 0x3ffffff)));
            return w;
        }
        w = lot.leaf[b];
        if (w != 0 || b >= 128) return w;
        uint256 l0 = lot.leaf[0];
        if (l0 & _SMALL != 0 && (l0 >> 135) & 0x3ffffff == b) w = (1 << ((l0 >> 129) & 63)) | ((l0 >> 192) << 64);
    }

    /**
     * @dev Stores leaf `b`'s word `w` (as {_word} reads it), in small mode when the lot then has two runs whose second
     * start is in leaves 1 to 127: a lot enters small mode at its first split (one new word, leaf 0's, where the
     * leaves would write two), leaves it when a third run appears (leaf 0's word as in the layout, and the second
     * run's leaf written out) or when it is one run again, and enters it again when a write leaves it two runs of
     * that shape (the second run's leaf cleared). Bit 0 of leaf 0's `w` is ignored: leaf 0 keeps its {_HIGH} bit
     * as stored ({_mark} alone changes it).
     */
    function _store(Lot storage lot, uint256 b, uint256 w) private {
        if (b >= 128) {
            lot.leaf[b] = w;
            return;
        }
        uint256 l0 = lot.leaf[0];
        if (b == 0) w = (w & ~_HIGH) | (l0 & _HIGH);
        if (l0 & _SMALL != 0) {
            _storeSmall(lot, l0, b, w);
            return;
        }
        if (b == 0) {
            // leaf 0 changes: back to small mode when the lot is now two runs, the second in a leaf of 1 to 127
            uint256 top = w >> 129;
            if (w & (_MASK64 - 1) == 0 && top != 0 && top & (top - 1) == 0) {
                uint256 sb = Math.log2(top) + 1;
                uint256 ws = lot.leaf[sb];
                if (_smallShape(w, sb, ws) && _highEmpty(l0)) {
                    lot.leaf[sb] = 0;
                    lot.leaf[0] = _packSmall(w, sb, ws);
                    return;
                }
            }
            lot.leaf[0] = w;
            return;
        }
        // leaf `b` of 1 to 127 changes: into small mode when it has the lot's only start but pack 0
        if (w != 0 && _popcount(w & _MASK64) == 1) {
            uint256 w0 = l0 | 1;
            if (w0 & (_MASK64 - 1) == 0 && (w0 >> 129) == (lot.leaf[b] == 0 ? 0 : 1 << (b - 1)) && _highEmpty(l0)) {
                if (lot.leaf[b] != 0) lot.leaf[b] = 0;
                lot.leaf[0] = _packSmall(l0 | (1 << (128 + b)), b, w);
                return;
            }
        }
        lot.leaf[b] = w;
    }

    /**
     * @dev {_store} of leaf `b` (below 128) as `w` in a lot in small mode, whose leaf 0 is `l0` (`w` has `l0`'s
     * {_HIGH} bit when `b` is 0). The flag may be set: leaves from 128 on are written without leaving the mode, which
     * describes leaves 0 to 127 only; it is kept in either word.
     */
    function _storeSmall(Lot storage lot, uint256 l0, uint256 b, uint256 w) private {
        uint256 sb = (l0 >> 135) & 0x3ffffff;
        uint256 w0 = (l0 & ((_MASK64 << 64) | _HIGH)) | (1 << (128 + sb));
        uint256 ws = (1 << ((l0 >> 129) & 63)) | ((l0 >> 192) << 64);
        if (b == 0) w0 = w;
        else if (b == sb) ws = w;
        else if (w == 0) return;
        if (b != 0 && b != sb) {
            // a leaf other than the second run's gets a start: a third run
            lot.leaf[b] = w;
        } else if (_smallShape(w0, sb, ws)) {
            lot.leaf[0] = _packSmall(w0, sb, ws);
            return;
        }
        // out of small mode: leaf 0 and the second run's leaf as the layout has them
        lot.leaf[0] = w0;
        if (ws & _MASK64 != 0) lot.leaf[sb] = ws;
    }

    /// @dev Whether leaf 0's word `w0` and leaf `sb`'s word `ws` are a small lot's: no start in leaf 0 but pack 0's,
    /// leaf `sb` the only other non-empty leaf below 128, with one start.
    function _smallShape(uint256 w0, uint256 sb, uint256 ws) private pure returns (bool) {
        return
            sb != 0 &&
            w0 & (_MASK64 - 1) == 0 &&
            w0 >> 128 == 1 << sb &&
            ws & _MASK64 != 0 &&
            _popcount(ws & _MASK64) == 1;
    }

    /// @dev Leaf 0's word in small mode, from the words the layout would have (`w0`'s {_HIGH} bit kept).
    function _packSmall(uint256 w0, uint256 sb, uint256 ws) private pure returns (uint256) {
        uint256 s = (sb << 6) | Math.log2(ws & _MASK64);
        return (w0 & ((_MASK64 << 64) | _HIGH)) | _SMALL | (s << 129) | (((ws >> 64) & _MASK64) << 192);
    }

    /// @dev Whether no leaf from 128 on has a start, from leaf 0's stored word `l0` (its {_HIGH} bit).
    function _highEmpty(uint256 l0) private pure returns (bool) {
        return l0 & _HIGH == 0;
    }

    /// @dev Whether none of the summary words of leaves from 128 on is set (no such leaf has a start).
    function _summariesEmpty(Lot storage lot, uint256 units) private view returns (bool) {
        if (units <= 128 * 64) return true;
        if (lot.l1[0] != 0) return false;
        if (units <= 256 * 64) return true;
        if (lot.l2[0] != 0) return false;
        if (units <= 65_536 * 64) return true;
        for (uint256 k = 0; k < _L3_WORDS; ++k) if (lot.l3[k] != 0) return false;
        return true;
    }

    /**
     * @dev Leaf `b` (`b >= 1`) became non-empty (`on`) or empty: its summary bits, and leaf 0's {_HIGH} bit when the
     * change reaches the top of `b`'s summary words (below it, another of their bits was set and stays so). Then the
     * flag is set when clear, or cleared when every summary word is zero (read where the flips have not: rarely).
     */
    function _mark(Lot storage lot, uint256 b, bool on, uint256 units) private {
        if (b < 128) {
            // In leaf 0's word: bit 128 + b.
            uint256 w = _word(lot, 0);
            _store(lot, 0, on ? w | (1 << (128 + b)) : w & ~(uint256(1) << (128 + b)));
            return;
        }
        if (!_flip(lot.l1, b, on)) return;
        if (b >> 8 != 0) {
            if (!_flip(lot.l2, b >> 8, on)) return;
            if (b >> 16 != 0 && !_flip(lot.l3, b >> 16, on)) return;
        }
        uint256 l0 = lot.leaf[0];
        if (on) {
            if (l0 & _HIGH == 0) lot.leaf[0] = l0 | _HIGH;
        } else if (_summariesEmpty(lot, units)) {
            lot.leaf[0] = l0 & ~_HIGH;
        }
    }

    /// @dev Sets or clears bit `i % 256` of `level[i / 256]`; whether that word became, or stopped being, zero.
    function _flip(mapping(uint256 => uint256) storage level, uint256 i, bool on) private returns (bool) {
        uint256 w = level[i >> 8];
        uint256 bit = 1 << (i & 255);
        uint256 nw = on ? w | bit : w & ~bit;
        level[i >> 8] = nw;
        return (w == 0) != (nw == 0);
    }

    function _bits(Lot storage lot, uint256 b) private view returns (uint256) {
        return (_word(lot, b) & _MASK64) | (b == 0 ? 1 : 0);
    }

    /**
     * @dev `l1[0]` as read, leaf 0's word being `w0` ({_word}): the bits of leaves 1 to 127 are in `w0`, and
     * `l1[0]` itself is read only when `w0`'s {_HIGH} bit is set.
     */
    function _l1Low(Lot storage lot, uint256 w0) private view returns (uint256) {
        uint256 low = w0 >> 128;
        return w0 & _HIGH != 0 ? low | lot.l1[0] : low;
    }

    // ------------------------------------------------------------------ internals: summary searches

    /**
     * @dev The greatest leaf in `[1, q]` with a start, or 0. Leaf 0's word first: when no leaf from 128 on has a
     * start, no summary word is read.
     */
    function _prevLeaf(Lot storage lot, uint256 q) private view returns (uint256) {
        uint256 i1 = q >> 8;
        uint256 w;
        if (i1 != 0) {
            w = lot.l1[i1] & _upTo(q & 255);
            if (w != 0) return (i1 << 8) | Math.log2(w);
        }
        uint256 w0 = _word(lot, 0);
        if (i1 == 0 || w0 & _HIGH == 0) {
            w = _l1Low(lot, w0) & _upTo(i1 == 0 ? q : 255);
            return w == 0 ? 0 : Math.log2(w);
        }
        uint256 j = _prev(lot.l2, lot.l3, i1 - 1);
        w = j == 0 ? _l1Low(lot, w0) : lot.l1[j];
        return w == 0 ? 0 : (j << 8) | Math.log2(w);
    }

    /// @dev The greatest index in `[1, q]` of a non-zero word of the level summarised by `lo` (itself by `hi`), or 0.
    function _prev(
        mapping(uint256 => uint256) storage lo,
        mapping(uint256 => uint256) storage hi,
        uint256 q
    ) private view returns (uint256) {
        uint256 i = q >> 8;
        uint256 w = lo[i] & _upTo(q & 255);
        if (w != 0) return (i << 8) | Math.log2(w);
        if (i == 0) return 0;
        // `hi` is l3: a few words, scanned.
        for (uint256 k = i - 1; ; --k) {
            uint256 top = hi[k >> 8] & _upTo(k & 255);
            if (top != 0) {
                uint256 t = ((k >> 8) << 8) | Math.log2(top);
                return (t << 8) | Math.log2(lo[t]);
            }
            if (k >> 8 == 0) break;
            k = ((k >> 8) << 8);
        }
        w = lo[0];
        return w == 0 ? 0 : Math.log2(w);
    }

    /**
     * @dev The least leaf at or after `q` (`q >= 1`) with a start, or {_NONE}; none is looked for past leaf `last`.
     * Leaf 0's word first: when no leaf from 128 on has a start, no summary word is read.
     */
    function _nextLeaf(Lot storage lot, uint256 q, uint256 last) private view returns (uint256) {
        uint256 i1 = q >> 8;
        uint256 w;
        uint256 w0;
        if (i1 == 0) {
            w0 = _word(lot, 0);
            w = _l1Low(lot, w0) & _from(q);
            if (w != 0) return _lsb(w);
        } else {
            w = lot.l1[i1] & _from(q & 255);
            if (w != 0) return (i1 << 8) | _lsb(w);
        }
        uint256 lastWord = last >> 8;
        if (i1 >= lastWord || (i1 == 0 ? w0 : lot.leaf[0]) & _HIGH == 0) return _NONE;
        uint256 j = _next(lot.l2, lot.l3, i1 + 1, lastWord);
        if (j == _NONE) return _NONE;
        return (j << 8) | _lsb(lot.l1[j]);
    }

    /**
     * @dev The least index in `[q, last]` (`q >= 1`) of a non-zero word of the level `lo` summarises (itself
     * summarised by `hi`, l3: a few words, scanned), or {_NONE}.
     */
    function _next(
        mapping(uint256 => uint256) storage lo,
        mapping(uint256 => uint256) storage hi,
        uint256 q,
        uint256 last
    ) private view returns (uint256) {
        uint256 i = q >> 8;
        uint256 w = lo[i] & _from(q & 255);
        if (w != 0) return (i << 8) | _lsb(w);
        uint256 lastWord = last >> 8;
        for (uint256 k = i + 1; k <= lastWord && k >> 8 < _L3_WORDS; k = ((k >> 8) + 1) << 8) {
            uint256 top = hi[k >> 8] & _from(k & 255);
            if (top != 0) {
                uint256 t = ((k >> 8) << 8) | _lsb(top);
                return (t << 8) | _lsb(lo[t]);
            }
        }
        return _NONE;
    }

    // ------------------------------------------------------------------ internals: bits

    /// @dev Bits `0..i`.
    function _upTo(uint256 i) private pure returns (uint256) {
        return i == 255 ? type(uint256).max : (uint256(2) << i) - 1;
    }

    /// @dev Bits `i..255`.
    function _from(uint256 i) private pure returns (uint256) {
        return type(uint256).max << i;
    }

    /// @dev The index of the lowest set bit of `x` (non-zero).
    function _lsb(uint256 x) private pure returns (uint256) {
        unchecked {
            return Math.log2(x & (~x + 1));
        }
    }

    /// @dev The number of set bits of the 64-bit `x`.
    function _popcount(uint256 x) private pure returns (uint256) {
        unchecked {
            x = x - ((x >> 1) & 0x5555555555555555);
            x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
            return ((x * 0x0101010101010101) >> 56) & 0xff;
        }
    }
}
