// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackState} from "../Common.sol";

/**
 * @title Per-pack custody and verification
 * @author PharmaChain
 * @notice Packs are addressed as `(lotId, index)`, the index being the pack's place in the lot's manifest. Every pack
 * has one holder (its owning party) and one state. Operations take index ranges `[start, end)` of any length: the
 * caller's range may span any number of the runs of consecutive packs the contract stores, and costs O(runs touched),
 * never O(packs). The contract finds the run holding any pack by reading a few words of an index over run starts
 * (a bitmap with summary levels), never by walking runs, so no hint is needed: the `hint` fields of {PackRange},
 * {PackProof} and {PackQuery} are kept in the ABI for compatibility and ignored. A refusal names the custody rule broken and the first
 * pack that breaks it. Neighbouring runs left with the same holder and state merge, so a lot's run count reflects
 * real differences in custody, not its history.
 *
 * Receipt, rejection and cancellation settle a shipment in O(1), whatever its size: runs shipped in it keep pointing
 * at the shipment and take their new holder from its final status when they are next read or changed.
 */
interface IPackCustody {
    enum ShipmentStatus {
        None,
        Created,
        PickedUp,
        HandedOver,
        Received,
        Rejected,
        Cancelled,
        Voided
    }

    /// @dev The normative verification verdict (docs/ARCHITECTURE.md section 7), in the order the checks are made.
    enum Verdict {
        Verified,
        UnknownProduct,
        UnknownLot,
        UnknownSerial,
        LotOrExpiryMismatch,
        LotNotReleased,
        Recalled,
        Expired,
        Illegitimate,
        Suspect,
        Decommissioned
    }

    /// @dev A range of packs `[start, end)` of one lot, across any number of runs.
    struct PackRange {
        bytes32 lotId;
        uint32 start;
        uint32 end;
        /// @dev ignored (kept for compatibility: the contract finds runs without hints).
        uint32 hint;
    }

    /// @dev One pack named by its place and its serial, with the Merkle proof that the serial is at `index`.
    struct PackProof {
        bytes32 lotId;
        uint32 index;
        /// @dev ignored (kept for compatibility: the contract finds runs without hints).
        uint32 hint;
        string serial;
        bytes32[] proof;
    }

    struct Shipment {
        address buyer;
        ShipmentStatus status;
        bool viaTransporter;
        uint64 packCount;
    }

    struct PackStatus {
        PackState state;
        address holder;
        /// @dev the shipment carrying the pack while `InTransit`, else 0.
        uint64 shipmentId;
        /// @dev when the pack was decommissioned, else 0.
        uint64 decommissionedAt;
        /// @dev the start of the run holding the pack.
        uint32 runStart;
    }

    /**
     * @dev One pack to verify. `gtin` and `expiresAt` are what the scanner read (0: not checked). `hint` is ignored
     * (kept for compatibility: the contract finds runs without hints).
     */
    struct PackQuery {
        bytes32 lotId;
        uint32 index;
        string serial;
        bytes32[] proof;
        uint64 gtin;
        uint64 expiresAt;
        uint32 hint;
    }

    struct Verification {
        Verdict verdict;
        PackState state;
        address holder;
        uint64 shipmentId;
        uint64 decommissionedAt;
        address manufacturer;
        address manufacturerSigner;
        address regulatorSigner;
        uint64 commissionedAt;
        uint64 releasedAt;
        uint64 recalledAt;
        uint64 expiresAt;
    }

    struct RunView {
        uint32 start;
        uint32 end;
        address holder;
        PackState state;
        /// @dev the individual state of the run's first pack, `Active` when it has none.
        PackState head;
        uint48 aux;
    }

    /**
     * @notice A shipment was created: its packs are `InTransit`, still the seller's.
     * @param shipmentId the shipment.
     * @param seller the seller, which holds the packs.
     * @param buyer the buyer.
     * @param transporter the transporter, 0 for none.
     * @param noticeHash the hash of the dispatch notice.
     * @param packCount the number of packs shipped.
     */
    event ShipmentCreated(
        uint64 indexed shipmentId,
        address indexed seller,
        address indexed buyer,
        address transporter,
        bytes32 noticeHash,
        uint64 packCount
    );

    /**
     * @notice A range of packs of a lot was shipped in a shipment.
     * @param lotId the lot.
     * @param shipmentId the shipment.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     */
    event PacksShipped(bytes32 indexed lotId, uint64 indexed shipmentId, uint32 start, uint32 end);

    /**
     * @notice The transporter picked the shipment up.
     * @param shipmentId the shipment.
     * @param transporter the transporter.
     * @param gln where (a GS1 Global Location Number), 0 if not given.
     */
    event ShipmentPickedUp(uint64 indexed shipmentId, address indexed transporter, uint64 gln);

    /**
     * @notice The transporter handed the shipment over to the buyer.
     * @param shipmentId the shipment.
     * @param transporter the transporter.
     * @param gln where (a GS1 Global Location Number), 0 if not given.
     */
    event ShipmentHandedOver(uint64 indexed shipmentId, address indexed transporter, uint64 gln);

    /**
     * @notice The buyer received the shipment: it holds the packs, `Active`.
     * @param shipmentId the shipment.
     * @param buyer the buyer.
     */
    event ShipmentReceived(uint64 indexed shipmentId, address indexed buyer);

    /**
     * @notice The buyer refused the shipment: the packs are back with the seller, `Active`.
     * @param shipmentId the shipment.
     * @param buyer the buyer.
     * @param reasonHash the hash of the reason document.
     */
    event ShipmentRejected(uint64 indexed shipmentId, address indexed buyer, bytes32 reasonHash);

    /**
     * @notice The seller withdrew the shipment before pick-up: the packs are `Active` again.
     * @param shipmentId the shipment.
     * @param seller the seller.
     */
    event ShipmentCancelled(uint64 indexed shipmentId, address indexed seller);

    /**
     * @notice A regulator voided an open shipment: the packs are back with the seller, `Active`.
     * @param shipmentId the shipment.
     * @param regulator the regulator.
     * @param reasonHash the hash of the reason document.
     */
    event ShipmentVoided(uint64 indexed shipmentId, address indexed regulator, bytes32 reasonHash);

    /**
     * @notice Packs left the supply chain (EU FMD decommission).
     * @dev For one pack (proven by its serial, which the manifest maps to `start`) and for ranges alike.
     * @param lotId the lot.
     * @param by the holder that decommissioned them.
     * @param state the decommission state.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     */
    event PacksDecommissioned(
        bytes32 indexed lotId,
        address indexed by,
        PackState indexed state,
        uint32 start,
        uint32 end
    );

    /**
     * @notice A decommission was undone: the packs are `Active` again.
     * @param lotId the lot.
     * @param by the holder that undid it.
     * @param previous the decommission state undone.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     */
    event DecommissionUndone(
        bytes32 indexed lotId,
        address indexed by,
        PackState indexed previous,
        uint32 start,
        uint32 end
    );

    /**
     * @notice Packs were quarantined as suspect. One event per run of packs the range touches (consecutive packs of
     * one holder in one stored state), so that each holder finds what concerns it by its indexed address.
     * @param lotId the lot.
     * @param holder the packs' holder, who keeps them.
     * @param by the stakeholder that quarantined them: the holder or a regulator.
     * @param start the first pack of this part of the range.
     * @param end the pack after its last.
     * @param evidenceHash the hash of the evidence.
     */
    event PacksQuarantined(
        bytes32 indexed lotId,
        address indexed holder,
        address indexed by,
        uint32 start,
        uint32 end,
        bytes32 evidenceHash
    );

    /**
     * @notice A stakeholder that may not quarantine packs (it does not hold them) reported a suspicion about them, for
     * their holder and the regulators; no state changed. One event per holder of the range's packs.
     * @param lotId the lot.
     * @param holder the packs' holder, whom the alert is for (with the regulators).
     * @param reporter the stakeholder that reported it.
     * @param start the first pack of this holder's part of the range.
     * @param end the pack after its last.
     * @param evidenceHash the hash of the evidence.
     */
    event SuspicionReported(
        bytes32 indexed lotId,
        address indexed holder,
        address indexed reporter,
        uint32 start,
        uint32 end,
        bytes32 evidenceHash
    );

    /**
     * @notice A regulator cleared suspect packs: they are `Active` again.
     * @param lotId the lot.
     * @param regulator the regulator.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     * @param decisionHash the hash of the decision document.
     */
    event PacksCleared(
        bytes32 indexed lotId,
        address indexed regulator,
        uint32 start,
        uint32 end,
        bytes32 decisionHash
    );

    /**
     * @notice A first key (a regulator, or the council) proposed to confirm suspect packs illegitimate; a second,
     * different key completes it by the same call ({confirmIllegitimate}). No state changed yet.
     * @param lotId the lot.
     * @param proposalId the proposal: see {confirmIllegitimate}.
     * @param proposer the first key.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     * @param decisionHash the hash of the decision document.
     */
    event IllegitimacyProposed(
        bytes32 indexed lotId,
        bytes32 indexed proposalId,
        address indexed proposer,
        uint32 start,
        uint32 end,
        bytes32 decisionHash
    );

    /**
     * @notice Suspect packs were confirmed illegitimate, for good, by a second key (see {IllegitimacyProposed}).
     * @param lotId the lot.
     * @param regulator the second key: a regulator or the council.
     * @param start the range's first pack.
     * @param end the pack after the range's last.
     * @param decisionHash the hash of the decision document.
     */
    event PacksIllegitimate(
        bytes32 indexed lotId,
        address indexed regulator,
        uint32 start,
        uint32 end,
        bytes32 decisionHash
    );

    /**
     * @notice A scan of a pack that already left the supply chain was reported.
     * @dev A decommissioned or illegitimate pack's code was scanned again: the sign of a cloned code.
     * @param lotId the lot.
     * @param reporter the stakeholder that reported it.
     * @param index the pack.
     * @param serial the pack's serial.
     * @param state the pack's state (a decommission state or `Illegitimate`).
     * @param holder the pack's holder.
     */
    event CloneReported(
        bytes32 indexed lotId,
        address indexed reporter,
        uint32 index,
        string serial,
        PackState state,
        address holder
    );

    error CustodyZeroAddress();
    error CustodyInvalidRange(bytes32 lotId, uint32 start, uint32 end);
    error CustodyUnknownPack(bytes32 lotId, uint32 index);
    error CustodyUnknownLot(bytes32 lotId);
    error CustodyLotNotReleased(bytes32 lotId);
    error CustodyLotRecalled(bytes32 lotId);
    error CustodyLotExpired(bytes32 lotId, uint64 expiresAt);
    error CustodyNotHolder(bytes32 lotId, uint32 index, address holder);
    error CustodyPackNotActive(bytes32 lotId, uint32 index, PackState state);
    /// @dev The pack left the supply chain already: a second dispense is the sign of a cloned code.
    error CustodyAlreadyDecommissioned(bytes32 lotId, uint32 index, PackState state);
    error CustodyInvalidBuyer(address buyer);
    error CustodyPathNotAllowed(address seller, address buyer);
    error CustodyEmptyShipment();
    error CustodyUnknownShipment(uint64 shipmentId);
    error CustodyInvalidShipmentStatus(uint64 shipmentId, ShipmentStatus status);
    error CustodyNotParty(uint64 shipmentId, address account);
    error CustodyNotInShipment(uint64 shipmentId, bytes32 lotId, uint32 index);
    error CustodyInvalidDecommission(PackState state);
    error CustodyUnknownSerial(bytes32 lotId, uint32 index, string serial);
    error CustodyUndoNotAllowed(bytes32 lotId, uint32 index, PackState state);
    error CustodyUndoWindowClosed(bytes32 lotId, uint32 index, uint64 closedAt);
    error CustodyNotSuspect(bytes32 lotId, uint32 index, PackState state);
    error CustodyNotDecommissioned(bytes32 lotId, uint32 index, PackState state);
    /// @dev A location must be 0 (none given) or a 13-digit GLN with a valid check digit.
    error CustodyInvalidGln(uint64 gln);
    error CustodySameApprover(bytes32 proposalId, address account);
    error CustodyNotIllegitimate(bytes32 lotId, uint32 index, PackState state);
    error CustodyCloneAlreadyReported(bytes32 lotId, uint32 index, address reporter);
    /// @notice `index` is not the first pack of a run (a page of runs starts at one).
    error CustodyNotRunStart(bytes32 lotId, uint32 index);
    /// @notice Every shipment id a run's record can hold (2^32 - 1) is taken.
    error CustodyShipmentIdsExhausted();
    /// @notice Every 24-bit holder id is taken (16,777,215 accounts have held packs).
    error CustodyHoldersExhausted();

    /**
     * @notice Ships ranges of one or more lots to `buyer`, optionally through `transporter`; the packs are then in
     * transit and still the seller's.
     * Requirements: the caller is an authorised manufacturer, distributor or dispenser and holds every pack, all
     * `Active`; each lot is released, not expired, and not recalled unless the buyer is its manufacturer; the buyer is
     * authorised and the trade path allowed (manufacturer → distributor or dispenser; distributor → distributor,
     * dispenser or back to the lot's manufacturer; dispenser → distributor or back to the lot's manufacturer); a
     * transporter, if named, is authorised.
     * Emits a {ShipmentCreated} event and a {PacksShipped} event per range.
     * @param buyer the buyer.
     * @param transporter the transporter, 0 for none (the buyer then receives from `Created`).
     * @param noticeHash the hash of the dispatch notice.
     * @param ranges the ranges (see {PackRange}).
     * @return shipmentId the new shipment's id.
     */
    function ship(
        address buyer,
        address transporter,
        bytes32 noticeHash,
        PackRange[] calldata ranges
    ) external returns (uint64 shipmentId);

    /**
     * @notice Ships as {ship} does, to fill order `orderId` of the {orderBook}, which records the shipment against
     * the order and follows its settlement (the order's status, its open quantity).
     * Requirements: those of {ship}; and the order book's ({ITradeOrders-onShipped}): the order is confirmed and not
     * fully shipped, the caller is its seller and `buyer` its buyer, `lotNumbers[i]` is the lot number of
     * `ranges[i].lotId` and that lot is of the order's product, and the packs do not exceed the order's open quantity.
     * Emits the events of {ship} and the order book's {ITradeOrders-OrderShipped}. Receiving, rejecting, cancelling or
     * voiding the shipment also emits the order book's {ITradeOrders-OrderShipmentSettled}.
     * @param orderId the order the shipment fills.
     * @param buyer the buyer, the order's.
     * @param transporter the transporter, 0 for none.
     * @param noticeHash the hash of the dispatch notice.
     * @param ranges the ranges (see {PackRange}).
     * @param lotNumbers the lot number of each range's lot, in the order of `ranges`.
     * @return shipmentId the new shipment's id.
     */
    function shipForOrder(
        uint64 orderId,
        address buyer,
        address transporter,
        bytes32 noticeHash,
        PackRange[] calldata ranges,
        string[] calldata lotNumbers
    ) external returns (uint64 shipmentId);

    /**
     * @notice The named transporter confirms it picked the shipment up, at location `gln` (0 if none).
     * Requirements: the caller is the shipment's transporter and authorised; the shipment is `Created`.
     * Emits a {ShipmentPickedUp} event.
     * @param shipmentId the shipment.
     * @param gln where (a GS1 Global Location Number with a valid check digit), 0 for none.
     */
    function pickUp(uint64 shipmentId, uint64 gln) external;

    /**
     * @notice The transporter confirms it handed the shipment over to the buyer, at location `gln` (0 if none).
     * Requirements: the caller is the shipment's transporter and authorised; the shipment is `PickedUp`.
     * Emits a {ShipmentHandedOver} event.
     * @param shipmentId the shipment.
     * @param gln where (a GS1 Global Location Number with a valid check digit), 0 for none.
     */
    function handOver(uint64 shipmentId, uint64 gln) external;

    /**
     * @notice The buyer receives the shipment: custody and ownership of all its packs move to the buyer.
     * Requirements: the caller is the buyer and authorised; the shipment is `Created` (no transporter) or picked up or
     * handed over (with one). A lot recalled or expired while its packs were in transit does not stop the receipt,
     * which records where the goods physically are; then, as for every recalled pack, the packs can only go back to
     * the lot's manufacturer or be destroyed, and, as for every expired pack, only be destroyed.
     * Emits a {ShipmentReceived} event.
     * @param shipmentId the shipment.
     */
    function receiveShipment(uint64 shipmentId) external;

    /**
     * @notice The buyer refuses the shipment: its packs return to the seller, `Active`.
     * Requirements: the caller is the buyer and authorised; the shipment is not yet received, rejected or cancelled.
     * Emits a {ShipmentRejected} event.
     * @param shipmentId the shipment.
     * @param reasonHash the hash of the reason document.
     */
    function rejectShipment(uint64 shipmentId, bytes32 reasonHash) external;

    /**
     * @notice The seller withdraws the shipment before pick-up: its packs are `Active` again.
     * Requirements: the caller is authorised and is the seller, shown by `witness`, any one range of the shipment
     * (the seller is not stored, to keep shipping cheap); the shipment is `Created`.
     * Emits a {ShipmentCancelled} event.
     * @param shipmentId the shipment.
     * @param witness any one range shipped in it.
     */
    function cancelShipment(uint64 shipmentId, PackRange calldata witness) external;

    /**
     * @notice A regulator voids an open shipment that its parties cannot settle (say the buyer lost its licence while
     * the goods were on the road): its packs return to the seller, `Active`, where the regulator can quarantine them.
     * Requirements: the caller is an authorised regulator; the shipment is `Created`, `PickedUp` or `HandedOver`.
     * Emits a {ShipmentVoided} event.
     * @param shipmentId the shipment.
     * @param reasonHash the hash of the reason document.
     */
    function voidShipment(uint64 shipmentId, bytes32 reasonHash) external;

    /**
     * @notice Decommissions one pack, proven by its serial, into `state` (EU FMD): `Dispensed` by a dispenser;
     * `Destroyed`, `Exported`, `Sample`, `FreeSample`, `Stolen`, `Locked` by any holder.
     * Requirements: the caller is authorised and holds the pack, which is `Active`; the proof puts `serial` at `index`;
     * the lot is released; if it is recalled or expired, only `Destroyed` is allowed.
     * Emits a {PacksDecommissioned} event for `[index, index + 1)` (the serial is not repeated in it: the lot's manifest
     * maps the index to it, and the proof was checked).
     * @param pack the pack, with its serial and the Merkle proof of it.
     * @param state the decommission state.
     */
    function decommission(PackProof calldata pack, PackState state) external;

    /**
     * @notice Decommissions a range of packs, as {decommission} does one.
     * Requirements: those of {decommission} for every pack; the first pack that is not `Active`, or not the caller's,
     * is named in the error.
     * Emits a {PacksDecommissioned} event.
     * @param range the packs (see {PackRange}).
     * @param state the decommission state.
     */
    function decommissionRange(PackRange calldata range, PackState state) external;

    /**
     * @notice Undoes a decommission within 10 days, by the account that made it (`Locked`: no time limit).
     * Requirements: the caller is authorised and holds the packs, each decommissioned (not `Stolen` or `Destroyed`)
     * within its undo window; the lot neither recalled nor expired. The first pack that fails is named in the error.
     * The packs become `Active` again and merge with equal neighbours.
     * Emits a {DecommissionUndone} event for each run of packs undone (one state and time each).
     * @param range the packs (see {PackRange}).
     */
    function undoDecommission(PackRange calldata range) external;

    /**
     * @notice Quarantines `Active` packs as suspect, with the evidence's hash: they cannot move until cleared. Their
     * holder keeps them.
     * Requirements: the caller is an authorised regulator, or an authorised stakeholder holding every pack (anyone
     * else reports a suspicion with {reportSuspicion}: nobody can freeze another party's stock); every pack is
     * `Active`; the lot is released.
     * Emits a {PacksQuarantined} event per holder's run of packs in each range.
     * @param ranges the ranges (see {PackRange}).
     * @param evidenceHash the hash of the evidence.
     */
    function quarantine(PackRange[] calldata ranges, bytes32 evidenceHash) external;

    /**
     * @notice Reports a suspicion about packs the caller does not hold (a seal seen broken, a price too good), for
     * their holder and the regulators, who may quarantine them. Changes no state.
     * Requirements: the caller is any authorised stakeholder; the lot is released; each range lies in the lot.
     * Emits a {SuspicionReported} event per holder of each range's packs.
     * @param ranges the ranges (see {PackRange}).
     * @param evidenceHash the hash of the evidence.
     */
    function reportSuspicion(PackRange[] calldata ranges, bytes32 evidenceHash) external;

    /**
     * @notice A regulator clears suspect packs: they are `Active` again.
     * Emits a {PacksCleared} event per range.
     * @param ranges the ranges (see {PackRange}).
     * @param decisionHash the hash of the decision document.
     */
    function clearSuspect(PackRange[] calldata ranges, bytes32 decisionHash) external;

    /**
     * @notice Confirms suspect packs illegitimate, for good, with two keys: the first call (by an authorised
     * regulator or the council) proposes, the same call by a different one completes. The proposal is named by
     * `proposalId`: `decisionHash` folded with each range, `id = keccak256(abi.encode(id, lotId, start, end))` from
     * `id = decisionHash` (hints are not part of it). A proposal whose proposer is no longer authorised has lapsed: the call
     * proposes again, as its caller's.
     * Requirements: the caller is an authorised regulator or the council, not the proposer; every pack is `Suspect`
     * (checked when proposed and when completed); the protocol is not paused.
     * Emits an {IllegitimacyProposed} event per range when proposing, a {PacksIllegitimate} event per range when
     * completing.
     * @param ranges the ranges (see {PackRange}).
     * @param decisionHash the hash of the decision document.
     */
    function confirmIllegitimate(PackRange[] calldata ranges, bytes32 decisionHash) external;

    /**
     * @notice The holder destroys packs confirmed illegitimate (their disposition): they become `Destroyed` and leave
     * its stock, also in a recalled or expired lot. Final.
     * Requirements: the caller is an authorised stakeholder holding every pack; every pack is `Illegitimate`.
     * Emits a {PacksDecommissioned} event (state `Destroyed`) per range.
     * @param ranges the ranges (see {PackRange}).
     */
    function destroyIllegitimate(PackRange[] calldata ranges) external;

    /**
     * @notice Who proposed a ruling of illegitimacy not yet completed (see {confirmIllegitimate}).
     * @param proposalId the proposal.
     * @return The proposer, or the zero address when there is none.
     */
    function illegitimacyProposer(bytes32 proposalId) external view returns (address);

    /**
     * @notice Reports a scan of a pack that already left the supply chain (a cloned code), for the regulator. This is
     * a separate call because the refused second dispense keeps no event.
     * Requirements: the caller is any authorised stakeholder that has not reported this pack before (one report per
     * pack and reporter: the reports cannot flood); the proof puts `serial` at `index`; the pack is decommissioned or
     * illegitimate.
     * Emits a {CloneReported} event.
     * @param pack the pack, with its serial and the Merkle proof of it.
     */
    function reportClone(PackProof calldata pack) external;

    /**
     * @notice The normative verdict for one pack (docs/ARCHITECTURE.md section 7).
     * @param query the pack and what the scanner read.
     * @return The verdict, with the pack's state and holder and the lot's signers, times and expiry.
     */
    function verify(PackQuery calldata query) external view returns (Verification memory);

    /**
     * @notice The verdicts for many packs.
     * @param queries the packs.
     * @return The verifications, in the order of `queries`.
     */
    function verifyBatch(PackQuery[] calldata queries) external view returns (Verification[] memory);

    /**
     * @notice The state and holder of one pack.
     * @param lotId the lot.
     * @param index the pack.
     * @return The pack's state, holder, shipment or decommission time, and run start.
     */
    function packStatus(bytes32 lotId, uint32 index) external view returns (PackStatus memory);

    /**
     * @notice The start of the run holding `index`.
     * @param lotId the lot.
     * @param index the pack.
     * @return The start of its run.
     */
    function findRun(bytes32 lotId, uint32 index) external view returns (uint32);

    /**
     * @notice Up to `maxRuns` (at least 1) runs of a lot from the run starting at `fromStart` (0 for the first; a pack
     * inside a run is refused, {CustodyNotRunStart}), and the start of the next run (0 when there is none).
     * @param lotId the lot.
     * @param fromStart the start of the first run to read.
     * @param maxRuns the most runs to read.
     * @return page the runs read.
     * @return next the start of the next run, 0 when there is none.
     */
    function runs(
        bytes32 lotId,
        uint32 fromStart,
        uint32 maxRuns
    ) external view returns (RunView[] memory page, uint32 next);

    /**
     * @notice A shipment and its transporter.
     * @param shipmentId the shipment.
     * @return The shipment (all zero when there is none).
     * @return transporter the transporter, 0 for none.
     */
    function shipment(uint64 shipmentId) external view returns (Shipment memory, address transporter);

    /**
     * @notice The number of shipments made, which is the id of the latest.
     * @return The number of shipments.
     */
    function shipmentCount() external view returns (uint64);

    /**
     * @notice The order a shipment fills (see {shipForOrder}), 0 when none.
     * @param shipmentId the shipment.
     * @return orderId the order.
     */
    function shipmentOrder(uint64 shipmentId) external view returns (uint64 orderId);

    /**
     * @notice The order book ({ITradeOrders}) custody deployed, and reports shipments made for its orders to.
     * @return The order book's address.
     */
    function orderBook() external view returns (address);
}
