// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackRunsDense} from "./PackRunsDense.sol";
import {PackState} from "../Common.sol";

/**
 * @title PackRunsStore: PackCustody's run store, as a linked library
 * @author PharmaChain
 * @notice The dense run store ({PackRunsDense}) behind external functions, so that its code lives in an account of
 * its own and PackCustody stays under the contract size limit (EIP-170): PackCustody calls it with `DELEGATECALL`,
 * passing the lot's storage as a slot, so every word it reads and writes is PackCustody's. It has no state of its
 * own and no function that may be called directly to any effect (a direct call would reach the library's own, empty
 * storage; Solidity refuses non-view calls that are not delegated).
 *
 * Calls are coarse, one per range: each costs about 800 gas besides its work (3,250 the first in a transaction,
 * which opens the library's account). Writes that give a whole range one record ({rewrite}) return the runs the
 * range covered *before* the write: the caller checks them against its custody rules and reverts, undoing the
 * write, when one is broken. Writes that keep each run's own holder read first ({runsIn}), then write per run
 * ({writeRuns}).
 */
library PackRunsStore {
    /**
     * @notice The run holding pack `index` (`index < unitCount`): bounded by words, not runs, and needs no hint.
     * @param lot the lot's runs.
     * @param h the interned holders.
     * @param index the pack.
     * @param unitCount the lot's packs.
     * @param manufacturer the lot's manufacturer (holder id 0).
     * @return run the run, as stored (a shipment's run is not settled).
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

    /**
     * @notice The start and the record of the run holding pack `index` (`index < unitCount`), as stored.
     * @param lot the lot's runs.
     * @param index the pack.
     * @param unitCount the lot's packs.
     * @return start the run's first pack.
     * @return end the run's end (exclusive).
     * @return record the run's record.
     */
    function locate(
        PackRunsDense.Lot storage lot,
        uint32 index,
        uint32 unitCount
    ) external view returns (uint32 start, uint32 end, uint256 record) {
        uint256 s = PackRunsDense.startOf(lot, index, unitCount);
        return (
            uint32(s),
            uint32(PackRunsDense.nextStart(lot, uint256(index) + 1, unitCount, unitCount)),
            PackRunsDense.recordAt(lot, s)
        );
    }

    /**
     * @notice The runs that hold the packs of `[start, end)` (`start < end <= unitCount`), in order, each packed as
     * `start << 64 | record`: the first (it starts at or before `start`) apart, the others in `more`. Each ends where
     * the next starts, the last at or after `end`.
     * @param lot the lot's runs.
     * @param start the range's first pack.
     * @param end the range's end (exclusive).
     * @param unitCount the lot's packs.
     * @return first the run holding `start`, as stored.
     * @return more the runs after it that hold packs of the range, as stored.
     */
    function runsIn(
        PackRunsDense.Lot storage lot,
        uint32 start,
        uint32 end,
        uint32 unitCount
    ) external view returns (uint256 first, uint256[] memory more) {
        return _runsIn(lot, start, end, unitCount);
    }

    /**
     * @notice The runs of `[start, end)` before the write (as {runsIn}, each packed as `start << 64 | record`: the
     * first apart, the others in `more`, empty in the common case of a range in one run), then every pack of
     * `[start, end)` given the record `data`, merged with equal neighbours ({PackRunsDense-write}).
     * @param lot the lot's runs.
     * @param start the range's first pack.
     * @param end the range's end (exclusive).
     * @param unitCount the lot's packs.
     * @param data the record every pack of the range takes.
     * @return first the run holding `start`, as it was stored.
     * @return more the runs after it that the range covered, as they were stored.
     */
    function rewrite(
        PackRunsDense.Lot storage lot,
        uint32 start,
        uint32 end,
        uint32 unitCount,
        uint256 data
    ) external returns (uint256 first, uint256[] memory more) {
        if (PackRunsDense.nextStart(lot, uint256(start) + 1, end, unitCount) >= end) {
            // The common case: the range lies in one run.
            uint256 runStart = PackRunsDense.startOf(lot, start, unitCount);
            uint256 run = PackRunsDense.recordAt(lot, runStart);
            PackRunsDense.writeInRun(lot, start, end, unitCount, data, runStart, run);
            return ((runStart << 64) | run, more);
        }
        (first, more) = _runsIn(lot, start, end, unitCount);
        PackRunsDense.write(lot, start, end, unitCount, data);
    }

    /**
     * @notice Writes a range part by part: part `i`, packed `start << 64 | record`, runs from its start to the next
     * part's (the last to `end`) and takes its record. The parts' starts ascend; the first is the range's start.
     * @param lot the lot's runs.
     * @param end the range's end (exclusive).
     * @param unitCount the lot's packs.
     * @param parts the parts.
     */
    function writeRuns(PackRunsDense.Lot storage lot, uint32 end, uint32 unitCount, uint256[] calldata parts) external {
        uint256 n = parts.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 b = i + 1 < n ? parts[i + 1] >> 64 : end;
            PackRunsDense.write(lot, uint32(parts[i] >> 64), uint32(b), unitCount, parts[i] & ((1 << 64) - 1));
        }
    }

    /**
     * @notice Gives pack `index` alone the state `state` at time `aux`, the packs after it in its run held by
     * `holderId`, `Active` ({PackRunsDense-setHeadAs}).
     * @param lot the lot's runs.
     * @param index the pack.
     * @param unitCount the lot's packs.
     * @param holderId the holder the pack's run is written with.
     * @param state the pack's state.
     * @param aux the time of the change.
     * @return runStart the start of the run that held the pack before the write.
     * @return record that run's record, as it was stored.
     */
    function setHead(
        PackRunsDense.Lot storage lot,
        uint32 index,
        uint32 unitCount,
        uint256 holderId,
        PackState state,
        uint48 aux
    ) external returns (uint256 runStart, uint256 record) {
        return PackRunsDense.setHeadAs(lot, index, unitCount, holderId, state, aux);
    }

    /**
     * @notice Up to `maxRuns` runs from the run starting at `fromStart` (a run start), as stored.
     * @param lot the lot's runs.
     * @param h the interned holders.
     * @param fromStart the first run's start.
     * @param maxRuns the most runs returned.
     * @param unitCount the lot's packs.
     * @param manufacturer the lot's manufacturer (holder id 0).
     * @return runs the runs.
     */
    function page(
        PackRunsDense.Lot storage lot,
        PackRunsDense.Holders storage h,
        uint32 fromStart,
        uint32 maxRuns,
        uint32 unitCount,
        address manufacturer
    ) external view returns (PackRunsDense.Run[] memory runs) {
        // No more runs than packs left: a page asked for with a huge maximum is not allocated at that size.
        if (fromStart < unitCount && maxRuns > unitCount - fromStart) maxRuns = unitCount - fromStart;
        runs = new PackRunsDense.Run[](maxRuns);
        uint256 n;
        uint32 next = fromStart;
        while (n < maxRuns && next < unitCount) {
            runs[n] = PackRunsDense.find(lot, h, next, unitCount, manufacturer);
            next = runs[n].end;
            ++n;
        }
        // Shortens the page to the runs read: a memory array's length can only be set in assembly.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(runs, n)
        }
    }

    function _runsIn(
        PackRunsDense.Lot storage lot,
        uint32 start,
        uint32 end,
        uint32 unitCount
    ) private view returns (uint256 first, uint256[] memory more) {
        uint256 s = PackRunsDense.startOf(lot, start, unitCount);
        first = (s << 64) | PackRunsDense.recordAt(lot, s);
        uint256 second = PackRunsDense.nextStart(lot, uint256(start) + 1, end, unitCount);
        uint256 n;
        for (uint256 p = second; p < end; ++n) p = PackRunsDense.nextStart(lot, p + 1, end, unitCount);
        more = new uint256[](n);
        s = second;
        for (uint256 i = 0; i < n; ++i) {
            more[i] = (s << 64) | PackRunsDense.recordAt(lot, s);
            s = PackRunsDense.nextStart(lot, s + 1, end, unitCount);
        }
    }
}
