// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPackCustody} from "./interfaces/IPackCustody.sol";
import {IProductLots} from "./interfaces/IProductLots.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {ITradeOrders} from "./interfaces/ITradeOrders.sol";
import {TradeOrders} from "./TradeOrders.sol";
import {AccessGate} from "./AccessGate.sol";
import {Role, PackState, UnauthorisedAccount} from "./Common.sol";
import {TradePaths} from "./libraries/TradePaths.sol";
import {PackRunsDense} from "./libraries/PackRunsDense.sol";
import {PackRunsStore} from "./libraries/PackRunsStore.sol";
import {Gs1} from "./libraries/Gs1.sol";
import {LotWords} from "./libraries/LotWords.sol";

/**
 * @title PackCustody
 * @author PharmaChain
 * @notice Shipments, receipt, decommissioning, quarantine and verification of serialised packs, one run of
 * consecutive packs at a time, stored densely ({PackRunsDense}: run starts as bits with summary levels, 64-bit run
 * records by rank) through the linked library {PackRunsStore}. Every lookup is bounded by words, not runs, and needs
 * no hint: the `hint` fields of the ABI's structs are ignored. Roles, licences and the pause switch come from the
 * registry; lots from ProductLots. Holds no ether.
 *
 * Holders are interned to 24-bit ids (an account's id is taken at its first write of custody records, a one-off of
 * two new words; the lot's manufacturer is id 0 in its own lots), so that a run's record fits 64 bits.
 *
 * A shipped run stays stored as `InTransit` with the shipment's id after the shipment is settled; every read
 * resolves it through the shipment's status (received: the buyer holds it; rejected or cancelled: the seller), and the
 * next change of the run stores the resolved state. So settling a shipment costs the same for one pack or a million.
 *
 * Custody deploys its order book ({TradeOrders}) and reports to it every shipment made for an order and that
 * shipment's settlement, so that orders follow their shipments; other shipments never call it.
 */
contract PackCustody is IPackCustody, AccessGate {
    /// @notice How long the account that decommissioned a pack may undo it (EU FMD), except `Locked`: no limit.
    uint256 public constant UNDO_WINDOW = 10 days;

    IProductLots private immutable _LOTS;
    ITradeOrders private immutable _ORDER_BOOK;

    /**
     * @dev A shipment as stored: {Shipment} and the order it fills (0: none), in one word. 40 bits hold the packs of
     * 256 lots of the largest size (more is refused) and more orders than any chain's gas can place.
     */
    struct ShipmentRecord {
        address buyer;
        ShipmentStatus status;
        bool viaTransporter;
        uint40 packCount;
        uint40 orderId;
    }

    mapping(bytes32 lotId => PackRunsDense.Lot) private _runs;
    /// @dev Holders' ids, shared by all lots.
    PackRunsDense.Holders private _holders;
    mapping(uint64 shipmentId => ShipmentRecord) private _shipments;
    mapping(uint64 shipmentId => address) private _transporters;
    /// @dev A run's `aux` holds a shipment id in 32 bits: ids past 2^32 - 1 are refused by name.
    uint48 private _shipmentCount;
    /// @dev Rulings of illegitimacy proposed by a first key, awaiting the second (see {confirmIllegitimate}).
    mapping(bytes32 proposalId => address) private _illegitimacyProposers;
    /// @dev Clone reports taken: keccak256(lotId, index, reporter).
    mapping(bytes32 report => bool) private _cloneReports;

    /**
     * @notice Custody over the lots of `lots_`, with roles and the pause switch from `registry_`; deploys its order
     * book.
     * @param registry_ the stakeholder registry.
     * @param lots_ the products and lots contract.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(IStakeholderRegistry registry_, IProductLots lots_) AccessGate(registry_) {
        if (address(registry_) == address(0) || address(lots_) == address(0)) revert CustodyZeroAddress();
        _LOTS = lots_;
        _ORDER_BOOK = new TradeOrders(registry_, lots_);
    }

    // ------------------------------------------------------------------ shipments

    /// @inheritdoc IPackCustody
    function ship(
        address buyer,
        address transporter,
        bytes32 noticeHash,
        PackRange[] calldata ranges
    ) external returns (uint64 shipmentId) {
        (shipmentId, ) = _ship(buyer, transporter, noticeHash, ranges, 0);
    }

    /// @inheritdoc IPackCustody
    function shipForOrder(
        uint64 orderId,
        address buyer,
        address transporter,
        bytes32 noticeHash,
        PackRange[] calldata ranges,
        string[] calldata lotNumbers
    ) external returns (uint64 shipmentId) {
        uint64 packs;
        (shipmentId, packs) = _ship(buyer, transporter, noticeHash, ranges, orderId);
        _ORDER_BOOK.onShipped(orderId, shipmentId, msg.sender, buyer, packs, ranges, lotNumbers);
    }

    /// @dev A shipment by the caller, for `orderId` (0: none); returns its id and its number of packs.
    function _ship(
        address buyer,
        address transporter,
        bytes32 noticeHash,
        PackRange[] calldata ranges,
        uint64 orderId
    ) private returns (uint64 shipmentId, uint64 packs) {
        Role sellerRole = _requireTrader(msg.sender);
        if (buyer == address(0) || buyer == msg.sender) revert CustodyInvalidBuyer(buyer);
        (Role buyerRole, bool buyerAuthorised) = _standing(buyer);
        if (!buyerAuthorised) revert UnauthorisedAccount(buyer, buyerRole);
        if (!TradePaths.mayShip(sellerRole, buyerRole)) revert CustodyPathNotAllowed(msg.sender, buyer);
        if (transporter != address(0)) _requireRole(transporter, Role.Transporter);
        if (ranges.length == 0) revert CustodyEmptyShipment();

        uint48 id = ++_shipmentCount;
        if (id > type(uint32).max) revert CustodyShipmentIdsExhausted();
        shipmentId = id;
        packs = _shipRanges(ranges, buyer, buyerRole, id);
        _shipments[id] = ShipmentRecord({
            buyer: buyer,
            status: ShipmentStatus.Created,
            viaTransporter: transporter != address(0),
            packCount: SafeCast.toUint40(packs),
            // An id past 40 bits is no order: the order book refuses it, and the shipment with it.
            orderId: uint40(orderId)
        });
        if (transporter != address(0)) _transporters[id] = transporter;
        emit ShipmentCreated(id, msg.sender, buyer, transporter, noticeHash, packs);
    }

    /// @inheritdoc IPackCustody
    function pickUp(uint64 shipmentId, uint64 gln) external {
        _checkGln(gln);
        ShipmentRecord storage s = _transportedShipment(shipmentId, ShipmentStatus.Created);
        s.status = ShipmentStatus.PickedUp;
        emit ShipmentPickedUp(shipmentId, msg.sender, gln);
    }

    /// @inheritdoc IPackCustody
    function handOver(uint64 shipmentId, uint64 gln) external {
        _checkGln(gln);
        ShipmentRecord storage s = _transportedShipment(shipmentId, ShipmentStatus.PickedUp);
        s.status = ShipmentStatus.HandedOver;
        emit ShipmentHandedOver(shipmentId, msg.sender, gln);
    }

    /// @inheritdoc IPackCustody
    function receiveShipment(uint64 shipmentId) external {
        ShipmentRecord storage s = _buyersShipment(shipmentId);
        ShipmentStatus status = s.status;
        bool ready =
            s.viaTransporter
                ? (status == ShipmentStatus.PickedUp || status == ShipmentStatus.HandedOver)
                : status == ShipmentStatus.Created;
        if (!ready) revert CustodyInvalidShipmentStatus(shipmentId, status);
        s.status = ShipmentStatus.Received;
        emit ShipmentReceived(shipmentId, msg.sender);
        _reportSettlement(s, shipmentId, ShipmentStatus.Received);
    }

    /// @inheritdoc IPackCustody
    function rejectShipment(uint64 shipmentId, bytes32 reasonHash) external {
        ShipmentRecord storage s = _buyersShipment(shipmentId);
        if (!_isOpen(s.status)) revert CustodyInvalidShipmentStatus(shipmentId, s.status);
        s.status = ShipmentStatus.Rejected;
        emit ShipmentRejected(shipmentId, msg.sender, reasonHash);
        _reportSettlement(s, shipmentId, ShipmentStatus.Rejected);
    }

    /// @inheritdoc IPackCustody
    function cancelShipment(uint64 shipmentId, PackRange calldata witness) external {
        _requireAuthorised(msg.sender);
        ShipmentRecord storage s = _shipment(shipmentId);
        if (witness.start >= witness.end) revert CustodyInvalidRange(witness.lotId, witness.start, witness.end);
        IProductLots.LotStanding memory ls;
        LotWords.decode(_LOTS.lotWord(witness.lotId), ls);
        if (ls.status == IProductLots.LotStatus.None || witness.start >= ls.unitCount) {
            revert CustodyNotInShipment(shipmentId, witness.lotId, witness.start);
        }
        // A run of this shipment is stored with the seller as holder until the shipment settles.
        PackRunsDense.Run memory run = PackRunsStore.find(
            _runs[witness.lotId],
            _holders,
            witness.start,
            ls.unitCount,
            ls.manufacturer
        );
        if (run.state != PackState.InTransit || run.aux != shipmentId) {
            revert CustodyNotInShipment(shipmentId, witness.lotId, witness.start);
        }
        if (run.holder != msg.sender) revert CustodyNotParty(shipmentId, msg.sender);
        if (s.status != ShipmentStatus.Created) revert CustodyInvalidShipmentStatus(shipmentId, s.status);
        s.status = ShipmentStatus.Cancelled;
        emit ShipmentCancelled(shipmentId, msg.sender);
        _reportSettlement(s, shipmentId, ShipmentStatus.Cancelled);
    }

    /// @inheritdoc IPackCustody
    function voidShipment(uint64 shipmentId, bytes32 reasonHash) external {
        _requireRole(msg.sender, Role.Regulator);
        ShipmentRecord storage s = _shipment(shipmentId);
        if (!_isOpen(s.status)) revert CustodyInvalidShipmentStatus(shipmentId, s.status);
        s.status = ShipmentStatus.Voided;
        emit ShipmentVoided(shipmentId, msg.sender, reasonHash);
        _reportSettlement(s, shipmentId, ShipmentStatus.Voided);
    }

    // ------------------------------------------------------------------ decommissioning

    /// @inheritdoc IPackCustody
    function decommission(PackProof calldata pack, PackState state) external {
        _checkDecommissionState(state, _requireTrader(msg.sender));
        IProductLots.LotStanding memory ls = _provenLot(pack);
        _checkDecommissionable(pack.lotId, ls, state);
        uint256 callerId = _holderId(msg.sender, ls.manufacturer);
        // Written, then checked: a refusal reverts the write with it.
        (uint256 runStart, uint256 stored) = PackRunsStore.setHead(
            _runs[pack.lotId],
            pack.index,
            ls.unitCount,
            callerId,
            state,
            uint48(block.timestamp)
        );
        (uint256 run, address buyer) = _settled(stored);
        _requireActive(pack.lotId, run, runStart, pack.index);
        if (!_holds(run, buyer, callerId)) {
            revert CustodyNotHolder(pack.lotId, pack.index, _holderOf(run, buyer, ls.manufacturer));
        }
        emit PacksDecommissioned(pack.lotId, msg.sender, state, pack.index, pack.index + 1);
    }

    /// @inheritdoc IPackCustody
    function decommissionRange(PackRange calldata r, PackState state) external {
        _checkDecommissionState(state, _requireTrader(msg.sender));
        IProductLots.LotStanding memory ls = _lotStanding(r.lotId);
        _checkDecommissionable(r.lotId, ls, state);
        _rewrite(r, ls, Edit(Change.Decommission, state, uint48(block.timestamp), false, 0));
        emit PacksDecommissioned(r.lotId, msg.sender, state, r.start, r.end);
    }

    /// @inheritdoc IPackCustody
    function undoDecommission(PackRange calldata r) external {
        _requireAuthorised(msg.sender);
        IProductLots.LotStanding memory ls = _lotStanding(r.lotId);
        if (ls.recalled) revert CustodyLotRecalled(r.lotId);
        if (block.timestamp >= ls.expiresAt) revert CustodyLotExpired(r.lotId, ls.expiresAt);
        _rewrite(r, ls, Edit(Change.Undo, PackState.Active, 0, false, 0));
    }

    // ------------------------------------------------------------------ suspect product

    /// @inheritdoc IPackCustody
    function quarantine(PackRange[] calldata ranges, bytes32 evidenceHash) external {
        (Role role, bool authorised) = _standing(msg.sender);
        if (!authorised) revert UnauthorisedAccount(msg.sender, role);
        // {_change} emits {PacksQuarantined} for each run touched, with its holder.
        _rewriteAll(ranges, Edit(Change.Quarantine, PackState.Suspect, 0, role == Role.Regulator, evidenceHash), true);
    }

    /// @inheritdoc IPackCustody
    function reportSuspicion(PackRange[] calldata ranges, bytes32 evidenceHash) external {
        _requireAuthorised(msg.sender);
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRange calldata r = ranges[i];
            IProductLots.LotStanding memory ls = _lotStanding(r.lotId);
            if (ls.status != IProductLots.LotStatus.Released) revert CustodyLotNotReleased(r.lotId);
            if (r.start >= r.end || r.end > ls.unitCount) revert CustodyInvalidRange(r.lotId, r.start, r.end);
            (uint256 first, uint256[] memory more) = PackRunsStore.runsIn(_runs[r.lotId], r.start, r.end, ls.unitCount);
            uint32 from = r.start;
            address holder = _settledHolder(first & _RECORD, ls.manufacturer);
            // One event per holder: runs of the same holder one after the other are reported together.
            for (uint256 k = 0; k < more.length; ++k) {
                address next = _settledHolder(more[k] & _RECORD, ls.manufacturer);
                if (next != holder) {
                    uint32 at = uint32(more[k] >> 64);
                    emit SuspicionReported(r.lotId, holder, msg.sender, from, at, evidenceHash);
                    (from, holder) = (at, next);
                }
            }
            emit SuspicionReported(r.lotId, holder, msg.sender, from, r.end, evidenceHash);
        }
    }

    /// @inheritdoc IPackCustody
    function clearSuspect(PackRange[] calldata ranges, bytes32 decisionHash) external {
        _requireRole(msg.sender, Role.Regulator);
        _ruleOnSuspect(ranges, PackState.Active, decisionHash);
    }

    /// @inheritdoc IPackCustody
    function confirmIllegitimate(PackRange[] calldata ranges, bytes32 decisionHash) external {
        if (!_isRuler(msg.sender)) revert UnauthorisedAccount(msg.sender, Role.Regulator);
        bytes32 id = decisionHash;
        for (uint256 i = 0; i < ranges.length; ++i) {
            id = keccak256(abi.encode(id, ranges[i].lotId, ranges[i].start, ranges[i].end));
        }
        address proposer = _illegitimacyProposers[id];
        if (proposer == msg.sender) revert CustodySameApprover(id, msg.sender);
        if (proposer != address(0) && _isRuler(proposer)) {
            delete _illegitimacyProposers[id];
            _ruleOnSuspect(ranges, PackState.Illegitimate, decisionHash);
            return;
        }
        // A first key, or a lapsed proposal taken over: the packs must be suspect now too.
        _illegitimacyProposers[id] = msg.sender;
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRange calldata r = ranges[i];
            _requireSuspect(r, _lotStanding(r.lotId));
            emit IllegitimacyProposed(r.lotId, id, msg.sender, r.start, r.end, decisionHash);
        }
    }

    /// @inheritdoc IPackCustody
    function destroyIllegitimate(PackRange[] calldata ranges) external {
        _requireAuthorised(msg.sender);
        uint48 at = uint48(block.timestamp);
        _rewriteAll(ranges, Edit(Change.Destroy, PackState.Destroyed, at, false, 0), true);
        for (uint256 i = 0; i < ranges.length; ++i) {
            emit PacksDecommissioned(ranges[i].lotId, msg.sender, PackState.Destroyed, ranges[i].start, ranges[i].end);
        }
    }

    /// @inheritdoc IPackCustody
    function reportClone(PackProof calldata pack) external {
        _requireAuthorised(msg.sender);
        IProductLots.LotStanding memory ls = _provenLot(pack);
        PackRunsDense.Run memory run = _find(pack.lotId, pack.index, ls.unitCount, ls.manufacturer);
        (PackState state, ) = PackRunsDense.packState(run, pack.index);
        if (state < PackState.Dispensed && state != PackState.Illegitimate) {
            revert CustodyNotDecommissioned(pack.lotId, pack.index, state);
        }
        bytes32 report = keccak256(abi.encode(pack.lotId, pack.index, msg.sender));
        if (_cloneReports[report]) revert CustodyCloneAlreadyReported(pack.lotId, pack.index, msg.sender);
        _cloneReports[report] = true;
        emit CloneReported(pack.lotId, msg.sender, pack.index, pack.serial, state, run.holder);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPackCustody
    function verify(PackQuery calldata query) external view returns (Verification memory) {
        return _verify(query);
    }

    /// @inheritdoc IPackCustody
    function verifyBatch(PackQuery[] calldata queries) external view returns (Verification[] memory results) {
        results = new Verification[](queries.length);
        for (uint256 i = 0; i < queries.length; ++i) {
            results[i] = _verify(queries[i]);
        }
    }

    /// @inheritdoc IPackCustody
    function packStatus(bytes32 lotId, uint32 index) external view returns (PackStatus memory s) {
        IProductLots.LotStanding memory ls = _lotStanding(lotId);
        if (index >= ls.unitCount) revert CustodyUnknownPack(lotId, index);
        PackRunsDense.Run memory run = _find(lotId, index, ls.unitCount, ls.manufacturer);
        (PackState state, uint48 aux) = PackRunsDense.packState(run, index);
        s.state = state;
        s.holder = run.holder;
        s.runStart = run.start;
        if (state == PackState.InTransit) s.shipmentId = aux;
        else if (state >= PackState.Dispensed) s.decommissionedAt = aux;
    }

    /// @inheritdoc IPackCustody
    function findRun(bytes32 lotId, uint32 index) external view returns (uint32 start) {
        IProductLots.LotStanding memory ls = _lotStanding(lotId);
        if (index >= ls.unitCount) revert CustodyUnknownPack(lotId, index);
        (start, , ) = PackRunsStore.locate(_runs[lotId], index, ls.unitCount);
    }

    /// @inheritdoc IPackCustody
    function runs(
        bytes32 lotId,
        uint32 fromStart,
        uint32 maxRuns
    ) external view returns (RunView[] memory page, uint32 next) {
        IProductLots.LotStanding memory ls = _lotStanding(lotId);
        if (fromStart >= ls.unitCount) revert CustodyUnknownPack(lotId, fromStart);
        PackRunsDense.Lot storage lot = _runs[lotId];
        // A page starts at a run start (0, or a previous page's `next`): a cursor inside a run would count its packs
        // twice.
        (uint32 first, , ) = PackRunsStore.locate(lot, fromStart, ls.unitCount);
        if (first != fromStart) revert CustodyNotRunStart(lotId, fromStart);
        PackRunsDense.Run[] memory read = PackRunsStore.page(
            lot,
            _holders,
            first,
            maxRuns,
            ls.unitCount,
            ls.manufacturer
        );
        page = new RunView[](read.length);
        for (uint256 i = 0; i < read.length; ++i) {
            PackRunsDense.Run memory run = read[i];
            _resolve(run);
            page[i] = RunView(run.start, run.end, run.holder, run.state, run.head, run.aux);
        }
        if (read.length == 0) next = fromStart;
        else next = page[read.length - 1].end >= ls.unitCount ? 0 : page[read.length - 1].end;
    }

    /// @inheritdoc IPackCustody
    function shipment(uint64 shipmentId) external view returns (Shipment memory s, address transporter) {
        ShipmentRecord storage r = _shipments[shipmentId];
        s = Shipment({buyer: r.buyer, status: r.status, viaTransporter: r.viaTransporter, packCount: r.packCount});
        transporter = _transporters[shipmentId];
    }

    /// @inheritdoc IPackCustody
    function illegitimacyProposer(bytes32 proposalId) external view returns (address) {
        return _illegitimacyProposers[proposalId];
    }

    /// @inheritdoc IPackCustody
    function shipmentOrder(uint64 shipmentId) external view returns (uint64) {
        return _shipments[shipmentId].orderId;
    }

    /// @inheritdoc IPackCustody
    function orderBook() external view returns (address) {
        return address(_ORDER_BOOK);
    }

    /// @inheritdoc IPackCustody
    function shipmentCount() external view returns (uint64) {
        return _shipmentCount;
    }

    /**
     * @notice The registry and the lots contract this contract relies on.
     * @return registry the stakeholder registry.
     * @return lots the products and lots contract.
     */
    function dependencies() external view returns (address registry, address lots) {
        return (address(_REGISTRY), address(_LOTS));
    }

    // ------------------------------------------------------------------ internals: parties

    /// @dev An authorised regulator, or the council (the registry's `DEFAULT_ADMIN_ROLE`): a key that may rule.
    function _isRuler(address account) private view returns (bool) {
        (Role role, bool authorised) = _standing(account);
        return (authorised && role == Role.Regulator) || _isCouncil(account);
    }

    // ------------------------------------------------------------------ internals: lots and runs

    function _lotStanding(bytes32 lotId) private view returns (IProductLots.LotStanding memory) {
        return _decodeLot(lotId, _LOTS.lotWord(lotId));
    }

    /// @dev Decodes {IProductLots-lotWord}: one call and one storage read per lot.
    function _decodeLot(bytes32 lotId, uint256 word) private pure returns (IProductLots.LotStanding memory ls) {
        LotWords.decode(word, ls);
        if (ls.status == IProductLots.LotStatus.None) revert CustodyUnknownLot(lotId);
    }

    function _checkShippable(
        bytes32 lotId,
        IProductLots.LotStanding memory ls,
        address buyer,
        Role buyerRole
    ) private view {
        if (ls.status != IProductLots.LotStatus.Released) revert CustodyLotNotReleased(lotId);
        if (block.timestamp >= ls.expiresAt) revert CustodyLotExpired(lotId, ls.expiresAt);
        bool toItsManufacturer = buyer == ls.manufacturer;
        if (ls.recalled && !toItsManufacturer) revert CustodyLotRecalled(lotId);
        // Packs go back to their own manufacturer only.
        if (buyerRole == Role.Manufacturer && !toItsManufacturer) revert CustodyPathNotAllowed(msg.sender, buyer);
    }

    function _shipRanges(
        PackRange[] calldata ranges,
        address buyer,
        Role buyerRole,
        uint48 id
    ) private returns (uint64 packs) {
        bytes32 lastLotId;
        IProductLots.LotStanding memory ls;
        Edit memory edit = Edit(Change.Ship, PackState.InTransit, id, false, 0);
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRange calldata r = ranges[i];
            if (i == 0 || r.lotId != lastLotId) {
                ls = _lotStanding(r.lotId);
                lastLotId = r.lotId;
                _checkShippable(r.lotId, ls, buyer, buyerRole);
            }
            _rewrite(r, ls, edit);
            packs += r.end - r.start;
            emit PacksShipped(r.lotId, id, r.start, r.end);
        }
    }

    function _checkDecommissionState(PackState state, Role role) private view {
        if (state < PackState.Dispensed) revert CustodyInvalidDecommission(state);
        if (state == PackState.Dispensed && role != Role.Dispenser)
            revert UnauthorisedAccount(msg.sender, Role.Dispenser);
    }

    /// @dev Released lots only; once recalled or expired, packs can only be destroyed.
    function _checkDecommissionable(bytes32 lotId, IProductLots.LotStanding memory ls, PackState state) private view {
        if (ls.status != IProductLots.LotStatus.Released) revert CustodyLotNotReleased(lotId);
        if (state == PackState.Destroyed) return;
        if (ls.recalled) revert CustodyLotRecalled(lotId);
        if (block.timestamp >= ls.expiresAt) revert CustodyLotExpired(lotId, ls.expiresAt);
    }

    /// @dev The lot of a pack named by index and serial, checked against the lot's manifest root.
    function _provenLot(PackProof calldata p) private view returns (IProductLots.LotStanding memory ls) {
        (uint256 word, bytes32 root) = _LOTS.lotWords(p.lotId);
        ls = _decodeLot(p.lotId, word);
        ls.serialsRoot = root;
        if (p.index >= ls.unitCount || !MerkleProof.verifyCalldata(p.proof, ls.serialsRoot, _leaf(p.index, p.serial))) {
            revert CustodyUnknownSerial(p.lotId, p.index, p.serial);
        }
    }

    /// @dev The normative manifest leaf: OpenZeppelin StandardMerkleTree of `(uint32 index, string serial)`.
    function _leaf(uint32 index, string calldata serial) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, serial))));
    }

    /**
     * @dev Settles, in memory, a run shipped in a shipment that has since been received (the buyer holds it), rejected
     * or cancelled (the seller does). A run of an open shipment stays `InTransit`.
     */
    function _resolve(PackRunsDense.Run memory run) private view {
        if (run.state != PackState.InTransit) return;
        // One rule for settling, {_settled}'s (a run in transit has no head; the holder id is not needed here).
        (uint256 settled, address buyer) = _settled(PackRunsDense.record(0, run.state, run.aux));
        if (buyer != address(0)) run.holder = buyer;
        run.state = PackRunsDense.stateOf(settled);
        run.aux = PackRunsDense.auxOf(settled);
    }

    /// @dev The run holding pack `index` of a lot, settled.
    function _find(
        bytes32 lotId,
        uint32 index,
        uint32 unitCount,
        address manufacturer
    ) private view returns (PackRunsDense.Run memory run) {
        run = PackRunsStore.find(_runs[lotId], _holders, index, unitCount, manufacturer);
        _resolve(run);
    }

    /// @dev The state of pack `index` of a run whose (settled) record is `run` and whose first pack is `runStart`.
    function _stateAt(uint256 run, uint256 runStart, uint256 index) private pure returns (PackState, uint48) {
        PackState head = PackRunsDense.headOf(run);
        if (head != PackState.Active) {
            if (index == runStart) return (head, PackRunsDense.auxOf(run));
            return (PackRunsDense.stateOf(run), 0);
        }
        return (PackRunsDense.stateOf(run), PackRunsDense.auxOf(run));
    }

    /// @dev Pack `start` of `run` (a settled record; it starts at `runStart`) is `Active`.
    function _requireActive(bytes32 lotId, uint256 run, uint256 runStart, uint32 start) private pure {
        (PackState state, ) = _stateAt(run, runStart, start);
        if (state >= PackState.Dispensed) revert CustodyAlreadyDecommissioned(lotId, start, state);
        if (state != PackState.Active) revert CustodyPackNotActive(lotId, start, state);
    }

    /// @dev Every pack of `r` is `Suspect` (settled), else the first that is not is named. Reads only.
    function _requireSuspect(PackRange calldata r, IProductLots.LotStanding memory ls) private view {
        if (r.start >= r.end || r.end > ls.unitCount) revert CustodyInvalidRange(r.lotId, r.start, r.end);
        (uint256 first, uint256[] memory more) = PackRunsStore.runsIn(_runs[r.lotId], r.start, r.end, ls.unitCount);
        uint32 from = r.start;
        for (uint256 k = 0; ; ++k) {
            (uint256 run, ) = _settled(first & _RECORD);
            (PackState state, ) = _stateAt(run, first >> 64, from);
            if (state != PackState.Suspect) revert CustodyNotSuspect(r.lotId, from, state);
            if (k == more.length) return;
            first = more[k];
            from = uint32(first >> 64);
        }
    }

    /// @dev A ruling on suspect packs (the caller's right to rule is checked): cleared (`Active`) or `Illegitimate`.
    function _ruleOnSuspect(PackRange[] calldata ranges, PackState to, bytes32 decisionHash) private {
        Change change = to == PackState.Active ? Change.Clear : Change.Illegitimate;
        _rewriteAll(ranges, Edit(change, to, 0, true, 0), false);
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRange calldata r = ranges[i];
            if (to == PackState.Active) emit PacksCleared(r.lotId, msg.sender, r.start, r.end, decisionHash);
            else emit PacksIllegitimate(r.lotId, msg.sender, r.start, r.end, decisionHash);
        }
    }

    // ------------------------------------------------------------------ internals: range writes

    /// @dev What a range write does to the runs it touches.
    enum Change {
        Ship,
        Decommission,
        Undo,
        Quarantine,
        Clear,
        Illegitimate,
        Destroy
    }

    /// @dev A range write: the change, the state and aux it writes, whether the caller is a regulator, and the hash of
    /// the evidence the change's events carry (quarantine).
    struct Edit {
        Change change;
        PackState state;
        uint48 aux;
        bool byRegulator;
        bytes32 note;
    }

    /**
     * @dev Applies `edit` to `[r.start, r.end)`, across every run it touches: each run is settled, checked against the
     * change's custody rule (the error names the first pack that breaks it) and rewritten, merging with equal
     * neighbours. A change by the packs' holder gives the whole range one record, written first and checked after (a
     * refusal reverts the write); a regulator's keeps each run's holder, read first and written run by run.
     */
    function _rewrite(PackRange calldata r, IProductLots.LotStanding memory ls, Edit memory edit) private {
        if (r.start >= r.end || r.end > ls.unitCount) revert CustodyInvalidRange(r.lotId, r.start, r.end);
        PackRunsDense.Lot storage lot = _runs[r.lotId];
        bool byRegulator = edit.byRegulator;
        uint256 callerId = _NO_ID;
        // Each run of the range as it was before the write, `start << 64 | record`: the first, and the others.
        uint256 run;
        uint256[] memory more;
        if (!byRegulator) {
            callerId = _holderId(msg.sender, ls.manufacturer);
            (run, more) = PackRunsStore.rewrite(
                lot,
                r.start,
                r.end,
                ls.unitCount,
                PackRunsDense.record(callerId, edit.state, edit.aux)
            );
        } else {
            (run, more) = PackRunsStore.runsIn(lot, r.start, r.end, ls.unitCount);
        }
        uint256 m = more.length;
        // A regulator's edit: each part of the range, `start << 64 | its new record`.
        uint256[] memory parts = new uint256[](byRegulator ? m + 1 : 0);
        uint32 a = r.start;
        for (uint256 k = 0; ; ++k) {
            uint32 b = k < m ? uint32(more[k] >> 64) : r.end;
            uint256 written = _change(r.lotId, run >> 64, run & _RECORD, a, b, edit, callerId, ls.manufacturer);
            if (byRegulator) parts[k] = (uint256(a) << 64) | written;
            if (k == m) break;
            (a, run) = (b, more[k]);
        }
        if (byRegulator) PackRunsStore.writeRuns(lot, r.end, ls.unitCount, parts);
    }

    /// @dev A run record's bits in a packed `start << 64 | record`.
    uint256 private constant _RECORD = (1 << 64) - 1;

    /// @dev {_rewrite} for each range. `released`: the lot must be released (a pending lot has no custody records, so
    /// that voiding it leaves nothing behind).
    function _rewriteAll(PackRange[] calldata ranges, Edit memory edit, bool released) private {
        bytes32 lastLotId;
        IProductLots.LotStanding memory ls;
        for (uint256 i = 0; i < ranges.length; ++i) {
            PackRange calldata r = ranges[i];
            if (i == 0 || r.lotId != lastLotId) {
                ls = _lotStanding(r.lotId);
                if (released && ls.status != IProductLots.LotStatus.Released) revert CustodyLotNotReleased(r.lotId);
                lastLotId = r.lotId;
            }
            _rewrite(r, ls, edit);
        }
    }

    /**
     * @dev Checks that packs `[a, b)` of a run (its record `stored`, as stored; it starts at `runStart`) may take
     * `edit`, and returns the record they become when the run keeps its holder (a regulator's change; else 0: the
     * range's record is written already). Every pack of a run shares its holder and state, but for a head, its first
     * pack, which is decommissioned. `callerId`: the caller's holder id in the lot ({_NO_ID} for a regulator's change).
     */
    function _change(
        bytes32 lotId,
        uint256 runStart,
        uint256 stored,
        uint32 a,
        uint32 b,
        Edit memory edit,
        uint256 callerId,
        address manufacturer
    ) private returns (uint256) {
        (uint256 run, address buyer) = _settled(stored);
        (PackState first, uint48 at) = _stateAt(run, runStart, a);
        Change change = edit.change;
        bool mine = _holds(run, buyer, callerId);
        if (change == Change.Ship || change == Change.Quarantine) {
            if (!mine && !edit.byRegulator) revert CustodyNotHolder(lotId, a, _holderOf(run, buyer, manufacturer));
            _requireActive(lotId, run, runStart, a);
            if (change == Change.Quarantine) {
                address holder = mine ? msg.sender : _holderOf(run, buyer, manufacturer);
                emit PacksQuarantined(lotId, holder, msg.sender, a, b, edit.note);
            }
        } else if (change == Change.Destroy) {
            if (!mine) revert CustodyNotHolder(lotId, a, _holderOf(run, buyer, manufacturer));
            if (first != PackState.Illegitimate) revert CustodyNotIllegitimate(lotId, a, first);
        } else if (change == Change.Decommission) {
            _requireActive(lotId, run, runStart, a);
            if (!mine) revert CustodyNotHolder(lotId, a, _holderOf(run, buyer, manufacturer));
        } else if (change == Change.Undo) {
            if (!mine) revert CustodyNotHolder(lotId, a, _holderOf(run, buyer, manufacturer));
            _requireUndoable(lotId, a, first, at);
            // Only a head's first pack is decommissioned; the packs after it are `Active`.
            PackState rest = PackRunsDense.stateOf(run);
            if (b > a + 1 && rest != first) revert CustodyUndoNotAllowed(lotId, a + 1, rest);
            emit DecommissionUndone(lotId, msg.sender, first, a, b);
        } else if (first != PackState.Suspect) {
            revert CustodyNotSuspect(lotId, a, first);
        }
        if (!edit.byRegulator) return 0;
        uint256 holderId = buyer != address(0) ? _holderId(buyer, manufacturer) : PackRunsDense.holderIdOf(run);
        return PackRunsDense.record(holderId, edit.state, edit.aux);
    }

    /// @dev Pack `index`, in `state` since `at`, may be undone now by its holder.
    function _requireUndoable(bytes32 lotId, uint32 index, PackState state, uint48 at) private view {
        if (state < PackState.Dispensed || state == PackState.Destroyed || state == PackState.Stolen) {
            revert CustodyUndoNotAllowed(lotId, index, state);
        }
        if (state != PackState.Locked && block.timestamp >= uint256(at) + UNDO_WINDOW) {
            revert CustodyUndoWindowClosed(lotId, index, uint64(uint256(at) + UNDO_WINDOW));
        }
    }

    /**
     * @dev A stored record settled: a run shipped in a shipment that has since been received is held by the buyer
     * (returned as `buyer`, the record's holder id then meaningless), one rejected, cancelled or voided by the seller,
     * `Active` either way, aux 0; a run of an open shipment, and any other run, is as stored (`buyer` 0). A run in
     * transit has no head.
     */
    function _settled(uint256 stored) private view returns (uint256 run, address buyer) {
        if (PackRunsDense.stateOf(stored) != PackState.InTransit) return (stored, address(0));
        ShipmentRecord storage s = _shipments[uint64(PackRunsDense.auxOf(stored))];
        ShipmentStatus status = s.status;
        // Still open. (Rejected, Cancelled and Voided, the statuses after Received, return packs to the seller.)
        if (status < ShipmentStatus.Received) return (stored, address(0));
        run = PackRunsDense.record(PackRunsDense.holderIdOf(stored), PackState.Active, 0);
        if (status == ShipmentStatus.Received) buyer = s.buyer;
    }

    /// @dev Whether the caller, of holder id `callerId`, holds a run settled as `run` and `buyer` ({_settled}).
    function _holds(uint256 run, address buyer, uint256 callerId) private view returns (bool) {
        return buyer != address(0) ? buyer == msg.sender : PackRunsDense.holderIdOf(run) == callerId;
    }

    /// @dev The account holding a run settled as `run` and `buyer`, in a lot of `manufacturer`.
    function _holderOf(uint256 run, address buyer, address manufacturer) private view returns (address) {
        return
            buyer != address(0)
                ? buyer
                : PackRunsDense.accountOf(_holders, PackRunsDense.holderIdOf(run), manufacturer);
    }

    /// @dev The holder of a stored record, settled.
    function _settledHolder(uint256 stored, address manufacturer) private view returns (address) {
        (uint256 run, address buyer) = _settled(stored);
        return _holderOf(run, buyer, manufacturer);
    }

    // ------------------------------------------------------------------ internals: holders

    /// @dev Not a holder id: no account of a lot has it.
    uint256 private constant _NO_ID = type(uint256).max;

    /// @dev `account`'s holder id in a lot of `manufacturer`: 0 for the manufacturer, else its own, taken now if it has
    /// none.
    function _holderId(address account, address manufacturer) private returns (uint256) {
        return account == manufacturer ? 0 : _intern(account);
    }

    /// @dev `account`'s id, taken at its first use (two new words, once for all lots). Ids are 24 bits.
    function _intern(address account) private returns (uint256 id) {
        id = _holders.idOf[account];
        if (id != 0) return id;
        id = _holders.count + 1;
        if (id >= 1 << 24) revert CustodyHoldersExhausted();
        _holders.count = id;
        _holders.idOf[account] = id;
        _holders.accounts[id] = account;
    }

    // ------------------------------------------------------------------ internals: shipments

    function _checkGln(uint64 gln) private pure {
        if (gln != 0 && !Gs1.hasValidCheckDigit(gln, 13)) revert CustodyInvalidGln(gln);
    }

    /// @dev Tells the order book that a shipment made for an order settled, after the settlement is recorded.
    function _reportSettlement(ShipmentRecord storage s, uint64 shipmentId, ShipmentStatus status) private {
        uint40 orderId = s.orderId;
        if (orderId != 0) _ORDER_BOOK.onShipmentSettled(orderId, shipmentId, status, s.packCount);
    }

    function _isOpen(ShipmentStatus status) private pure returns (bool) {
        return
            status == ShipmentStatus.Created ||
            status == ShipmentStatus.PickedUp ||
            status == ShipmentStatus.HandedOver;
    }

    function _shipment(uint64 shipmentId) private view returns (ShipmentRecord storage s) {
        s = _shipments[shipmentId];
        if (s.status == ShipmentStatus.None) revert CustodyUnknownShipment(shipmentId);
    }

    /// @dev The shipment, if the caller is its buyer and authorised. The pause is checked first, as everywhere.
    function _buyersShipment(uint64 shipmentId) private view returns (ShipmentRecord storage s) {
        (Role role, bool authorised) = _standing(msg.sender);
        s = _shipment(shipmentId);
        if (s.buyer != msg.sender) revert CustodyNotParty(shipmentId, msg.sender);
        if (!authorised) revert UnauthorisedAccount(msg.sender, role);
    }

    /// @dev The shipment, if the caller is its authorised transporter and it is in the `expected` status.
    function _transportedShipment(
        uint64 shipmentId,
        ShipmentStatus expected
    ) private view returns (ShipmentRecord storage s) {
        (Role role, bool authorised) = _standing(msg.sender);
        s = _shipment(shipmentId);
        if (_transporters[shipmentId] != msg.sender) revert CustodyNotParty(shipmentId, msg.sender);
        // The transporter was authorised as one when named; an account's role never changes, only its standing.
        if (!authorised) revert UnauthorisedAccount(msg.sender, role);
        if (s.status != expected) revert CustodyInvalidShipmentStatus(shipmentId, s.status);
    }

    // ------------------------------------------------------------------ internals: verification

    function _verify(PackQuery calldata q) private view returns (Verification memory v) {
        if (q.gtin != 0 && _LOTS.product(q.gtin).status == IProductLots.ProductStatus.None) {
            v.verdict = Verdict.UnknownProduct;
            return v;
        }
        IProductLots.Lot memory lotInfo = _LOTS.lot(q.lotId);
        if (lotInfo.status == IProductLots.LotStatus.None) {
            v.verdict = Verdict.UnknownLot;
            return v;
        }
        v.manufacturer = lotInfo.manufacturer;
        v.manufacturerSigner = lotInfo.manufacturerSigner;
        v.regulatorSigner = lotInfo.regulatorSigner;
        v.commissionedAt = lotInfo.commissionedAt;
        v.releasedAt = lotInfo.releasedAt;
        v.recalledAt = lotInfo.recalledAt;
        v.expiresAt = lotInfo.expiresAt;
        if (
            q.index >= lotInfo.unitCount ||
            !MerkleProof.verifyCalldata(q.proof, lotInfo.serialsRoot, _leaf(q.index, q.serial))
        ) {
            v.verdict = Verdict.UnknownSerial;
            return v;
        }
        if ((q.gtin != 0 && q.gtin != lotInfo.gtin) || (q.expiresAt != 0 && q.expiresAt != lotInfo.expiresAt)) {
            v.verdict = Verdict.LotOrExpiryMismatch;
            return v;
        }

        PackRunsDense.Run memory run = _find(q.lotId, q.index, lotInfo.unitCount, lotInfo.manufacturer);
        (PackState state, uint48 aux) = PackRunsDense.packState(run, q.index);
        v.state = state;
        v.holder = run.holder;
        if (state == PackState.InTransit) v.shipmentId = aux;
        else if (state >= PackState.Dispensed) v.decommissionedAt = aux;

        if (lotInfo.status != IProductLots.LotStatus.Released) v.verdict = Verdict.LotNotReleased;
        else if (lotInfo.recalled) v.verdict = Verdict.Recalled;
        else if (block.timestamp >= lotInfo.expiresAt) v.verdict = Verdict.Expired;
        else if (state == PackState.Illegitimate) v.verdict = Verdict.Illegitimate;
        else if (state == PackState.Suspect) v.verdict = Verdict.Suspect;
        else if (state >= PackState.Dispensed) v.verdict = Verdict.Decommissioned;
        else v.verdict = Verdict.Verified;
    }
}
