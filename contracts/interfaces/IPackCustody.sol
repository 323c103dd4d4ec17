// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PackState} from "../Common.sol";

/**
 * @title Per-pack custody and verification
 * @notice Packs are addressed as `(lotId, index)`, the index being the pack's place in the lot's manifest. Every pack
 * has one holder (its owning party) and one state. Operations take index ranges `[start, end)` with a `hint`: the
 * start of the run of consecutive packs that holds the range (see {findRun} and {runs}); the contract checks it, so
 * gas does not depend on the number of packs.
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

    /// @dev The normative verification verdict (DESIGN.md section 6), in the order the checks are made.
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

    struct PackRange {
        bytes32 lotId;
        uint32 start;
        uint32 end;
        /// @dev the start of the run that holds `[start, end)`.
        uint32 hint;
    }

    /// @dev One pack named by its place and its serial, with the Merkle proof that the serial is at `index`.
    struct PackProof {
        bytes32 lotId;
        uint32 index;
        /// @dev the start of the run that holds the pack.
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
        /// @dev the start of the run holding the pack: a valid hint.
        uint32 runStart;
    }

    /**
     * @dev One pack to verify. `gtin` and `expiresAt` are what the scanner read (0: not checked). `hint` is the start
     * of the pack's run if the caller knows it; a wrong hint costs only a walk over the lot's runs.
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

    event ShipmentCreated(
        uint64 indexed shipmentId,
        address indexed seller,
        address indexed buyer,
        address transporter,
        bytes32 noticeHash,
        uint64 packCount
    );
    event PacksShipped(bytes32 indexed lotId, uint64 indexed shipmentId, uint32 start, uint32 end);
    event ShipmentPickedUp(uint64 indexed shipmentId, address indexed transporter, uint64 gln);
    event ShipmentHandedOver(uint64 indexed shipmentId, address indexed transporter, uint64 gln);
    event ShipmentReceived(uint64 indexed shipmentId, address indexed buyer);
    event ShipmentRejected(uint64 indexed shipmentId, address indexed buyer, bytes32 reasonHash);
    event ShipmentCancelled(uint64 indexed shipmentId, address indexed seller);
    event ShipmentVoided(uint64 indexed shipmentId, address indexed regulator, bytes32 reasonHash);
    /// @dev For one pack (proven by its serial, which the manifest maps to `start`) and for ranges alike.
    event PacksDecommissioned(bytes32 indexed lotId, address indexed by, PackState indexed state, uint32 start, uint32 end);
    event DecommissionUndone(bytes32 indexed lotId, address indexed by, PackState indexed previous, uint32 start, uint32 end);
    event PacksQuarantined(bytes32 indexed lotId, address indexed by, uint32 start, uint32 end, bytes32 evidenceHash);
    event PacksCleared(bytes32 indexed lotId, address indexed regulator, uint32 start, uint32 end, bytes32 decisionHash);
    event PacksIllegitimate(bytes32 indexed lotId, address indexed regulator, uint32 start, uint32 end, bytes32 decisionHash);
    /// @dev A decommissioned or illegitimate pack's code was scanned again: the sign of a cloned code.
    event CloneReported(
        bytes32 indexed lotId, address indexed reporter, uint32 index, string serial, PackState state, address holder
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

    /**
     * @notice Ships ranges of one or more lots to `buyer`, optionally through `transporter`; the packs are then in
     * transit and still the seller's.
     * Requirements: the caller is an authorised manufacturer, distributor or dispenser and holds every pack, all
     * `Active`; each lot is released, not expired, and not recalled unless the buyer is its manufacturer; the buyer is
     * authorised and the trade path allowed (manufacturer → distributor or dispenser; distributor → distributor,
     * dispenser or back to the lot's manufacturer; dispenser → distributor or back to the lot's manufacturer); a
     * transporter, if named, is authorised.
     * Emits a {ShipmentCreated} event and a {PacksShipped} event per range.
     */
    function ship(address buyer, address transporter, bytes32 noticeHash, PackRange[] calldata ranges)
        external
        returns (uint64 shipmentId);

    /**
     * @notice Ships as {ship} does, to fill order `orderId` of the {orderBook}, which records the shipment against
     * the order and follows its settlement (the order's status, its open quantity).
     * Requirements: those of {ship}; and the order book's ({ITradeOrders-onShipped}): the order is confirmed and not
     * fully shipped, the caller is its seller and `buyer` its buyer, `lotNumbers[i]` is the lot number of
     * `ranges[i].lotId` and that lot is of the order's product, and the packs do not exceed the order's open quantity.
     * Emits the events of {ship} and the order book's {ITradeOrders-OrderShipped}. Receiving, rejecting, cancelling or
     * voiding the shipment also emits the order book's {ITradeOrders-OrderShipmentSettled}.
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
     */
    function pickUp(uint64 shipmentId, uint64 gln) external;

    /**
     * @notice The transporter confirms it handed the shipment over to the buyer, at location `gln` (0 if none).
     * Requirements: the caller is the shipment's transporter and authorised; the shipment is `PickedUp`.
     * Emits a {ShipmentHandedOver} event.
     */
    function handOver(uint64 shipmentId, uint64 gln) external;

    /**
     * @notice The buyer receives the shipment: custody and ownership of all its packs move to the buyer.
     * Requirements: the caller is the buyer and authorised; the shipment is `Created` (no transporter) or picked up or
     * handed over (with one). A lot recalled or expired while its packs were in transit does not stop the receipt,
     * which records where the goods physically are; then, as for every recalled pack, the packs can only go back to
     * the lot's manufacturer or be destroyed, and, as for every expired pack, only be destroyed.
     * Emits a {ShipmentReceived} event.
     */
    function receiveShipment(uint64 shipmentId) external;

    /**
     * @notice The buyer refuses the shipment: its packs return to the seller, `Active`.
     * Requirements: the caller is the buyer and authorised; the shipment is not yet received, rejected or cancelled.
     * Emits a {ShipmentRejected} event.
     */
    function rejectShipment(uint64 shipmentId, bytes32 reasonHash) external;

    /**
     * @notice The seller withdraws the shipment before pick-up: its packs are `Active` again.
     * Requirements: the caller is authorised and is the seller, shown by `witness`, any one range of the shipment
     * (the seller is not stored, to keep shipping cheap); the shipment is `Created`.
     * Emits a {ShipmentCancelled} event.
     */
    function cancelShipment(uint64 shipmentId, PackRange calldata witness) external;

    /**
     * @notice A regulator voids an open shipment that its parties cannot settle (say the buyer lost its licence while
     * the goods were on the road): its packs return to the seller, `Active`, where the regulator can quarantine them.
     * Requirements: the caller is an authorised regulator; the shipment is `Created`, `PickedUp` or `HandedOver`.
     * Emits a {ShipmentVoided} event.
     */
    function voidShipment(uint64 shipmentId, bytes32 reasonHash) external;

    /**
     * @notice Decommissions one pack, proven by its serial, into `state` (EU FMD): `Dispensed` by a dispenser;
     * `Destroyed`, `Exported`, `Sample`, `FreeSample`, `Stolen`, `Locked` by any holder.
     * Requirements: the caller is authorised and holds the pack, which is `Active`; the proof puts `serial` at `index`;
     * the lot is released; if it is recalled or expired, only `Destroyed` is allowed.
     * Emits a {PacksDecommissioned} event for `[index, index + 1)` (the serial is not repeated in it: the lot's manifest
     * maps the index to it, and the proof was checked).
     */
    function decommission(PackProof calldata pack, PackState state) external;

    /**
     * @notice Decommissions a range of packs, as {decommission} does one.
     * Emits a {PacksDecommissioned} event.
     */
    function decommissionRange(PackRange calldata range, PackState state) external;

    /**
     * @notice Undoes a decommission within 10 days, by the account that made it (`Locked`: no time limit).
     * Requirements: the caller is authorised and holds the packs, all in the same decommission state made at the same
     * time; not `Stolen` or `Destroyed`; the lot neither recalled nor expired.
     * Emits a {DecommissionUndone} event.
     */
    function undoDecommission(PackRange calldata range) external;

    /**
     * @notice Quarantines `Active` packs as suspect, with the evidence's hash: they cannot move until cleared.
     * Requirements: the caller is any authorised stakeholder; the lot is released.
     * Emits a {PacksQuarantined} event per range.
     */
    function quarantine(PackRange[] calldata ranges, bytes32 evidenceHash) external;

    /**
     * @notice A regulator clears suspect packs: they are `Active` again.
     * Emits a {PacksCleared} event per range.
     */
    function clearSuspect(PackRange[] calldata ranges, bytes32 decisionHash) external;

    /**
     * @notice A regulator confirms suspect packs illegitimate, for good.
     * Emits a {PacksIllegitimate} event per range.
     */
    function confirmIllegitimate(PackRange[] calldata ranges, bytes32 decisionHash) external;

    /**
     * @notice Reports a scan of a pack that already left the supply chain (a cloned code), for the regulator. This is
     * a separate call because the refused second dispense keeps no event.
     * Requirements: the caller is any authorised stakeholder; the proof puts `serial` at `index`; the pack is
     * decommissioned or illegitimate.
     * Emits a {CloneReported} event.
     */
    function reportClone(PackProof calldata pack) external;

    /// @notice The normative verdict for one pack (DESIGN.md section 6).
    function verify(PackQuery calldata query) external view returns (Verification memory);

    /// @notice The verdicts for many packs.
    function verifyBatch(PackQuery[] calldata queries) external view returns (Verification[] memory);

    /// @notice The state and holder of one pack.
    function packStatus(bytes32 lotId, uint32 index) external view returns (PackStatus memory);

    /// @notice The start of the run holding `index`: the hint to pass for it.
    function findRun(bytes32 lotId, uint32 index) external view returns (uint32);

    /// @notice Up to `maxRuns` (at least 1) runs of a lot from the run starting at `fromStart` (0 for the first), and
    /// the start of the next run (0 when there is none).
    function runs(bytes32 lotId, uint32 fromStart, uint32 maxRuns)
        external
        view
        returns (RunView[] memory page, uint32 next);

    function shipment(uint64 shipmentId) external view returns (Shipment memory, address transporter);

    function shipmentCount() external view returns (uint64);

    /// @notice The order a shipment fills (see {shipForOrder}), 0 when none.
    function shipmentOrder(uint64 shipmentId) external view returns (uint64 orderId);

    /// @notice The order book ({ITradeOrders}) custody deployed, and reports shipments made for its orders to.
    function orderBook() external view returns (address);
}
