// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITradeOrders} from "./interfaces/ITradeOrders.sol";
import {IPackCustody} from "./interfaces/IPackCustody.sol";
import {IProductLots} from "./interfaces/IProductLots.sol";
import {IStakeholderRegistry} from "./interfaces/IStakeholderRegistry.sol";
import {AccessGate} from "./AccessGate.sol";
import {Role, PackState, UnauthorisedAccount} from "./Common.sol";
import {TradePaths} from "./libraries/TradePaths.sol";

/**
 * @title TradeOrders
 * @author PharmaChain
 * @notice Purchase orders filled by custody's shipments, price negotiation, primary distributors, and inventory as a
 * view over custody. Deployed by {PackCustody}, which is the only contract that may report shipments here; roles,
 * licences and the pause switch come from the registry, products and lots from ProductLots. Records prices, moves no
 * money, holds no ether.
 *
 * An order's shipped and received packs are counters that custody keeps current: it reports each linked shipment when
 * it is made and when it settles, in O(1), so an order's status is read without looking at its shipments.
 */
contract TradeOrders is ITradeOrders, AccessGate {
    /**
     * @dev Runs read from custody per call when tallying a lot's inventory: custody allocates every run asked for, so
     * the first call of a lot asks for a few (most lots have few runs) and each next one for twice as many.
     */
    uint256 private constant _FIRST_RUNS_PER_CALL = 4;
    uint256 private constant _MAX_RUNS_PER_CALL = 64;

    IProductLots private immutable _LOTS;
    IPackCustody private immutable _CUSTODY;

    /**
     * @dev An order in two words. The first holds what shipments change (with the seller, which they are checked
     * against), so linking or settling a shipment reads two words and writes one. The requested delivery date and the
     * documents' hashes live in the events.
     */
    struct OrderRecord {
        address seller;
        uint32 quantity;
        uint32 shipped;
        uint32 received;
        address buyer;
        /// @dev a GTIN-14 value is below 10^14 < 2^47.
        uint48 gtin;
        /// @dev `Placed`, `Confirmed`, `Declined` or `Cancelled`; the rest is derived.
        OrderStatus status;
        uint40 offerId;
    }

    /// @dev An offer in two words.
    struct OfferRecord {
        address seller;
        uint64 pricePerPack;
        bytes3 currency;
        OfferStatus status;
        address buyer;
        uint48 gtin;
        uint40 validUntil;
        bool bySeller;
    }

    /// @dev The accepted offer of (seller, buyer, gtin) and until when it applies, in one word.
    struct AgreedPrice {
        uint40 offerId;
        uint40 validUntil;
    }

    /**
     * @dev A manufacturer's primary distributor for all its products and regions, and how many regions have one of
     * their own: an order reads the buyer's region from the registry only when some region has.
     */
    struct Routing {
        address primary;
        uint32 regions;
    }

    mapping(uint64 orderId => OrderRecord) private _orders;
    mapping(uint64 offerId => OfferRecord) private _offers;
    mapping(address seller => mapping(address buyer => mapping(uint64 gtin => AgreedPrice))) private _prices;
    mapping(address manufacturer => Routing) private _routing;
    mapping(address manufacturer => mapping(uint64 gtin => address)) private _primaryByProduct;
    mapping(address manufacturer => mapping(bytes2 region => address)) private _primaryByRegion;
    /// @dev 40 bits each, as custody stores an order id: 10^12 orders are out of reach of any chain's gas.
    uint40 private _orderCount;
    uint40 private _offerCount;

    /**
     * @notice An order book over the lots of `lots_`, with roles and the pause switch from `registry_`.
     * @dev Deployed by custody, which becomes the only reporter of shipments.
     * @param registry_ the stakeholder registry.
     * @param lots_ the products and lots contract.
     */
    // Constructors take no visibility since Solidity 0.7: `public` would only draw a compiler warning.
    // solhint-disable-next-line func-visibility
    constructor(IStakeholderRegistry registry_, IProductLots lots_) AccessGate(registry_) {
        if (address(registry_) == address(0) || address(lots_) == address(0)) revert TradeZeroAddress();
        _LOTS = lots_;
        _CUSTODY = IPackCustody(msg.sender);
    }

    modifier onlyCustody() {
        if (msg.sender != address(_CUSTODY)) revert TradeNotCustody(msg.sender);
        _;
    }

    // ------------------------------------------------------------------ orders

    /// @inheritdoc ITradeOrders
    function placeOrder(
        address seller,
        uint64 gtin,
        uint32 quantity,
        uint64 deliverBy,
        bytes32 documentHash
    ) external returns (uint64 orderId) {
        (Role sellerRole, Role buyerRole) = _checkParties(seller, msg.sender);
        _checkOrderTerms(quantity, deliverBy);
        _checkProduct(gtin, seller, sellerRole, msg.sender, buyerRole);
        if (sellerRole == Role.Manufacturer && buyerRole == Role.Distributor) _checkRoute(seller, gtin, msg.sender);
        AgreedPrice memory price = _prices[seller][msg.sender][gtin];
        uint40 offerId = block.timestamp < price.validUntil ? price.offerId : 0;

        uint40 id = ++_orderCount;
        orderId = id;
        _orders[id] = OrderRecord({
            seller: seller,
            quantity: quantity,
            shipped: 0,
            received: 0,
            buyer: msg.sender,
            gtin: uint48(gtin), // approved, so a GTIN-14 value (see OrderRecord)
            status: OrderStatus.Placed,
            offerId: offerId
        });
        emit OrderPlaced(id, seller, msg.sender, gtin, quantity, deliverBy, documentHash, offerId);
    }

    /// @inheritdoc ITradeOrders
    function amendOrder(uint64 orderId, uint32 quantity, uint64 deliverBy, bytes32 documentHash) external {
        _requireTrader(msg.sender);
        OrderRecord storage o = _order(orderId);
        if (msg.sender != o.buyer) revert TradeNotOrderParty(orderId, msg.sender);
        if (o.status != OrderStatus.Placed) revert TradeInvalidOrderStatus(orderId, _statusOf(o));
        _checkOrderTerms(quantity, deliverBy);
        o.quantity = quantity;
        emit OrderAmended(orderId, o.seller, msg.sender, quantity, deliverBy, documentHash);
    }

    /// @inheritdoc ITradeOrders
    function confirmOrder(uint64 orderId, uint32 quantity, uint64 pricePerPack, bytes32 confirmationHash) external {
        OrderRecord storage o = _placedOrderOfSeller(orderId);
        // The order's terms now, which an amendment may have changed since the seller read them. Its price is that
        // of the offer it recorded when placed, valid then: no later lapse of the offer changes it.
        uint32 orderQuantity = o.quantity;
        uint40 offerId = o.offerId;
        uint64 orderPrice = offerId == 0 ? 0 : _offers[offerId].pricePerPack;
        if (quantity != orderQuantity || pricePerPack != orderPrice) {
            revert TradeOrderChanged(orderId, quantity, pricePerPack, orderQuantity, orderPrice);
        }
        o.status = OrderStatus.Confirmed;
        emit OrderConfirmed(orderId, msg.sender, o.buyer, confirmationHash);
    }

    /// @inheritdoc ITradeOrders
    function declineOrder(uint64 orderId, bytes32 reasonHash) external {
        OrderRecord storage o = _placedOrderOfSeller(orderId);
        o.status = OrderStatus.Declined;
        emit OrderDeclined(orderId, msg.sender, o.buyer, reasonHash);
    }

    /// @inheritdoc ITradeOrders
    function cancelOrder(uint64 orderId, bytes32 reasonHash) external {
        _requireTrader(msg.sender);
        OrderRecord storage o = _order(orderId);
        address seller = o.seller;
        address buyer = o.buyer;
        if (msg.sender != seller && msg.sender != buyer) revert TradeNotOrderParty(orderId, msg.sender);
        OrderStatus status = _statusOf(o);
        if (status != OrderStatus.Placed && status != OrderStatus.Confirmed && status != OrderStatus.PartlyShipped) {
            revert TradeInvalidOrderStatus(orderId, status);
        }
        o.status = OrderStatus.Cancelled;
        emit OrderCancelled(orderId, seller, buyer, msg.sender, reasonHash);
    }

    /// @inheritdoc ITradeOrders
    function onShipped(
        uint64 orderId,
        uint64 shipmentId,
        address seller,
        address buyer,
        uint64 packs,
        IPackCustody.PackRange[] calldata ranges,
        string[] calldata lotNumbers
    ) external onlyCustody {
        OrderRecord storage o = _order(orderId);
        if (seller != o.seller) revert TradeNotOrderParty(orderId, seller);
        if (buyer != o.buyer) revert TradeWrongBuyer(orderId, buyer);
        OrderStatus status = _statusOf(o);
        if (status != OrderStatus.Confirmed && status != OrderStatus.PartlyShipped) {
            revert TradeInvalidOrderStatus(orderId, status);
        }
        if (lotNumbers.length != ranges.length) revert TradeLotNumbersMismatch(ranges.length, lotNumbers.length);
        uint64 gtin = o.gtin;
        for (uint256 i = 0; i < ranges.length; ++i) {
            // The normative lot id (docs/ARCHITECTURE.md section 4), which ProductLots checked when it recorded the lot.
            if (keccak256(abi.encode(gtin, lotNumbers[i])) != ranges[i].lotId) {
                revert TradeWrongProduct(orderId, ranges[i].lotId);
            }
        }
        uint64 open = o.quantity - o.shipped;
        if (packs > open) revert TradeQuantityExceeded(orderId, packs, open);
        // packs <= open <= quantity, a uint32.
        o.shipped += uint32(packs);
        emit OrderShipped(orderId, shipmentId, packs, _statusOf(o));
    }

    /// @inheritdoc ITradeOrders
    function onShipmentSettled(
        uint64 orderId,
        uint64 shipmentId,
        IPackCustody.ShipmentStatus status,
        uint64 packs
    ) external onlyCustody {
        OrderRecord storage o = _orders[orderId];
        // The shipment was open, so its packs count in `shipped` and not in `received`: received + packs <= shipped
        // and shipped - packs >= received. Neither can fail: a settlement in custody is never refused here.
        if (status == IPackCustody.ShipmentStatus.Received) o.received += uint32(packs);
        else o.shipped -= uint32(packs);
        emit OrderShipmentSettled(orderId, shipmentId, status, packs, _statusOf(o));
    }

    // ------------------------------------------------------------------ prices

    /// @inheritdoc ITradeOrders
    function offerPrice(
        address buyer,
        uint64 gtin,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash
    ) external returns (uint64 offerId) {
        (Role sellerRole, Role buyerRole) = _checkParties(msg.sender, buyer);
        _checkProduct(gtin, msg.sender, sellerRole, buyer, buyerRole);
        offerId = _newOffer(msg.sender, buyer, gtin, pricePerPack, currency, validUntil, termsHash, 0, true);
    }

    /// @inheritdoc ITradeOrders
    function counterOffer(
        uint64 offerId,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash
    ) external returns (uint64 counterOfferId) {
        OfferRecord storage o = _openOffer(offerId, true);
        o.status = OfferStatus.Countered;
        counterOfferId = _newOffer(
            o.seller,
            o.buyer,
            o.gtin,
            pricePerPack,
            currency,
            validUntil,
            termsHash,
            offerId,
            !o.bySeller
        );
    }

    /// @inheritdoc ITradeOrders
    function acceptOffer(uint64 offerId) external {
        OfferRecord storage o = _openOffer(offerId, true);
        o.status = OfferStatus.Accepted;
        (address seller, address buyer, uint48 gtin, uint40 validUntil) = (o.seller, o.buyer, o.gtin, o.validUntil);
        // offerId <= _offerCount, a uint40.
        _prices[seller][buyer][gtin] = AgreedPrice(uint40(offerId), validUntil);
        emit OfferAccepted(offerId, seller, buyer, gtin, o.pricePerPack, o.currency, validUntil);
    }

    /// @inheritdoc ITradeOrders
    function declineOffer(uint64 offerId, bytes32 reasonHash) external {
        _openOffer(offerId, true).status = OfferStatus.Declined;
        emit OfferDeclined(offerId, msg.sender, reasonHash);
    }

    /// @inheritdoc ITradeOrders
    function withdrawOffer(uint64 offerId) external {
        _openOffer(offerId, false).status = OfferStatus.Withdrawn;
        emit OfferWithdrawn(offerId, msg.sender);
    }

    // ------------------------------------------------------------------ primary distributors

    /// @inheritdoc ITradeOrders
    function assignPrimaryDistributor(uint64 gtin, address distributor) external {
        _requireRole(msg.sender, Role.Manufacturer);
        if (gtin != 0 && _LOTS.product(gtin).manufacturer != msg.sender) {
            revert TradeNotProductManufacturer(gtin, msg.sender);
        }
        if (distributor != address(0)) _requireRole(distributor, Role.Distributor);
        if (gtin == 0) _routing[msg.sender].primary = distributor;
        else _primaryByProduct[msg.sender][gtin] = distributor;
        emit PrimaryDistributorAssigned(msg.sender, gtin, bytes2(0), distributor);
    }

    /// @inheritdoc ITradeOrders
    function assignRegionalDistributor(bytes2 region, address distributor) external {
        _requireRole(msg.sender, Role.Manufacturer);
        if (!_isUpper(region[0]) || !_isUpper(region[1])) revert TradeInvalidRegion(region);
        if (distributor != address(0)) _requireRole(distributor, Role.Distributor);
        mapping(bytes2 => address) storage byRegion = _primaryByRegion[msg.sender];
        bool had = byRegion[region] != address(0);
        // At most 26 * 26 regions: the count fits.
        if (!had && distributor != address(0)) ++_routing[msg.sender].regions;
        else if (had && distributor == address(0)) --_routing[msg.sender].regions;
        byRegion[region] = distributor;
        emit PrimaryDistributorAssigned(msg.sender, 0, region, distributor);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ITradeOrders
    function order(uint64 orderId) external view returns (Order memory v) {
        OrderRecord storage o = _orders[orderId];
        v.seller = o.seller;
        v.buyer = o.buyer;
        v.gtin = o.gtin;
        v.quantity = o.quantity;
        v.shipped = o.shipped;
        v.received = o.received;
        v.status = _statusOf(o);
        v.offerId = o.offerId;
        if (v.offerId != 0) {
            OfferRecord storage p = _offers[v.offerId];
            v.pricePerPack = p.pricePerPack;
            v.currency = p.currency;
        }
    }

    /// @inheritdoc ITradeOrders
    function orderCount() external view returns (uint64) {
        return _orderCount;
    }

    /// @inheritdoc ITradeOrders
    function offer(uint64 offerId) public view returns (Offer memory v) {
        OfferRecord storage o = _offers[offerId];
        v.seller = o.seller;
        v.buyer = o.buyer;
        v.gtin = o.gtin;
        v.pricePerPack = o.pricePerPack;
        v.currency = o.currency;
        v.validUntil = o.validUntil;
        v.status = _offerStatusOf(o);
        v.bySeller = o.bySeller;
    }

    /// @inheritdoc ITradeOrders
    function offerCount() external view returns (uint64) {
        return _offerCount;
    }

    /// @inheritdoc ITradeOrders
    function contractPrice(
        address seller,
        address buyer,
        uint64 gtin
    ) external view returns (uint64 offerId, Offer memory accepted) {
        AgreedPrice memory price = _prices[seller][buyer][gtin];
        if (block.timestamp < price.validUntil) {
            offerId = price.offerId;
            accepted = offer(offerId);
        }
    }

    /// @inheritdoc ITradeOrders
    function primaryDistributor(address manufacturer, uint64 gtin, bytes2 region) external view returns (address d) {
        d = _primaryByProduct[manufacturer][gtin];
        if (d == address(0)) d = _primaryByRegion[manufacturer][region];
        if (d == address(0)) d = _routing[manufacturer].primary;
    }

    /// @inheritdoc ITradeOrders
    function inventory(
        address holder,
        bytes32[] calldata lotIds,
        uint256 fromLot,
        uint32 fromRun,
        uint32 maxRuns
    ) external view returns (InventoryLine[] memory lines, uint256 nextLot, uint32 nextRun) {
        if (maxRuns == 0) revert TradeZeroPageSize();
        uint256 count = lotIds.length;
        nextLot = fromLot < count ? fromLot : count;
        // Each lot read takes at least one run of the budget: at most `maxRuns` lines.
        lines = new InventoryLine[](count - nextLot < maxRuns ? count - nextLot : maxRuns);
        uint256 n;
        uint256 budget = maxRuns;
        nextRun = fromRun;
        while (nextLot < count && budget > 0) {
            bytes32 lotId = lotIds[nextLot];
            if (nextLot > 0 && lotId <= lotIds[nextLot - 1]) revert TradeUnsortedLots(nextLot);
            IProductLots.Lot memory lotInfo = _LOTS.lot(lotId);
            bool done = true;
            if (lotInfo.status == IProductLots.LotStatus.None) {
                // Unknown, or voided while pending: no packs.
                --budget;
            } else {
                InventoryLine memory line;
                line.lotId = lotId;
                line.gtin = lotInfo.gtin;
                line.expiresAt = lotInfo.expiresAt;
                line.recalled = lotInfo.recalled;
                (done, nextRun, budget) = _tally(line, holder, nextRun, budget);
                if (line.available + line.inTransit + line.suspect + line.illegitimate + line.decommissioned != 0) {
                    // `lines[n] = line; ++n;` compiles to other bytecode (viaIR): kept, so as not to change gas.
                    // solhint-disable-next-line gas-increment-by-one
                    lines[n++] = line;
                }
            }
            if (!done) break;
            ++nextLot;
            nextRun = 0;
        }
        if (nextLot == count) nextRun = 0;
        // Shortens `lines` to the `n` lines filled: a memory array's length can only be set in assembly.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(lines, n)
        }
    }

    /// @inheritdoc ITradeOrders
    function dependencies() external view returns (address registry, address lots, address custody) {
        return (address(_REGISTRY), address(_LOTS), address(_CUSTODY));
    }

    // ------------------------------------------------------------------ internals: parties

    /**
     * @dev The checks of a new order or offer between `seller` and `buyer`, one of them the caller: the caller trades,
     * the other party is authorised, the path from seller to buyer is allowed.
     */
    function _checkParties(address seller, address buyer) private view returns (Role sellerRole, Role buyerRole) {
        bool callerSells = seller == msg.sender;
        address counterparty = callerSells ? buyer : seller;
        Role callerRole = _requireTrader(msg.sender);
        if (counterparty == address(0) || counterparty == msg.sender) revert TradeInvalidCounterparty(counterparty);
        (Role otherRole, bool authorised) = _standing(counterparty);
        if (!authorised) revert UnauthorisedAccount(counterparty, otherRole);
        (sellerRole, buyerRole) = callerSells ? (callerRole, otherRole) : (otherRole, callerRole);
        if (!TradePaths.maySell(sellerRole, buyerRole)) revert TradePathNotAllowed(seller, buyer);
    }

    /// @dev An approved product; a manufacturer on either side is the product's own.
    function _checkProduct(uint64 gtin, address seller, Role sellerRole, address buyer, Role buyerRole) private view {
        IProductLots.Product memory p = _LOTS.product(gtin);
        if (p.status != IProductLots.ProductStatus.Approved) revert TradeProductNotApproved(gtin, p.status);
        if (sellerRole == Role.Manufacturer && seller != p.manufacturer) {
            revert TradeNotProductManufacturer(gtin, seller);
        }
        if (buyerRole == Role.Manufacturer && buyer != p.manufacturer) revert TradeNotProductManufacturer(gtin, buyer);
    }

    /**
     * @dev A distributor ordering from a manufacturer must be the primary distributor that applies, if one does: the
     * product's, else its region's, else the manufacturer's for all. The buyer's region (its licensing jurisdiction)
     * is read from the registry only when the manufacturer assigned some region a distributor.
     */
    function _checkRoute(address manufacturer, uint64 gtin, address buyer) private view {
        address primary = _primaryByProduct[manufacturer][gtin];
        if (primary == address(0)) {
            Routing memory r = _routing[manufacturer];
            if (r.regions != 0) primary = _primaryByRegion[manufacturer][_REGISTRY.stakeholder(buyer).jurisdiction];
            if (primary == address(0)) primary = r.primary;
        }
        if (primary != address(0) && primary != buyer) {
            revert TradeRoutedToPrimaryDistributor(manufacturer, gtin, primary);
        }
    }

    // ------------------------------------------------------------------ internals: orders

    function _order(uint64 orderId) private view returns (OrderRecord storage o) {
        o = _orders[orderId];
        if (o.status == OrderStatus.None) revert TradeUnknownOrder(orderId);
    }

    function _placedOrderOfSeller(uint64 orderId) private view returns (OrderRecord storage o) {
        _requireTrader(msg.sender);
        o = _order(orderId);
        if (msg.sender != o.seller) revert TradeNotOrderParty(orderId, msg.sender);
        if (o.status != OrderStatus.Placed) revert TradeInvalidOrderStatus(orderId, _statusOf(o));
    }

    function _checkOrderTerms(uint32 quantity, uint64 deliverBy) private view {
        if (quantity == 0) revert TradeZeroQuantity();
        if (deliverBy <= block.timestamp) revert TradeInvalidDeliveryDate(deliverBy);
    }

    /// @dev A confirmed order's status follows its packs: all received, all on the way or received, some, none.
    function _statusOf(OrderRecord storage o) private view returns (OrderStatus status) {
        status = o.status;
        if (status != OrderStatus.Confirmed) return status;
        (uint32 quantity, uint32 shipped, uint32 received) = (o.quantity, o.shipped, o.received);
        if (received == quantity) return OrderStatus.Delivered;
        if (shipped == quantity) return OrderStatus.Shipped;
        if (shipped != 0) return OrderStatus.PartlyShipped;
    }

    // ------------------------------------------------------------------ internals: offers

    function _newOffer(
        address seller,
        address buyer,
        uint64 gtin,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash,
        uint64 previousOfferId,
        bool bySeller
    ) private returns (uint64 offerId) {
        if (!_isUpper(currency[0]) || !_isUpper(currency[1]) || !_isUpper(currency[2])) {
            revert TradeInvalidCurrency(currency);
        }
        if (validUntil <= block.timestamp || validUntil > type(uint40).max) revert TradeInvalidValidity(validUntil);
        uint40 id = ++_offerCount;
        offerId = id;
        _offers[id] = OfferRecord({
            seller: seller,
            pricePerPack: pricePerPack,
            currency: currency,
            status: OfferStatus.Open,
            buyer: buyer,
            gtin: uint48(gtin), // an approved product's GTIN-14 value, checked when the negotiation opened
            validUntil: uint40(validUntil),
            bySeller: bySeller
        });
        emit PriceOffered(
            id,
            seller,
            buyer,
            gtin,
            pricePerPack,
            currency,
            validUntil,
            termsHash,
            previousOfferId,
            bySeller
        );
    }

    /**
     * @dev An open, unexpired offer, if the caller is a trader and its addressee (`toCaller`) or its maker. The pause
     * is checked first, as everywhere.
     */
    function _openOffer(uint64 offerId, bool toCaller) private view returns (OfferRecord storage o) {
        _requireTrader(msg.sender);
        o = _offers[offerId];
        OfferStatus status = o.status;
        if (status == OfferStatus.None) revert TradeUnknownOffer(offerId);
        // The addressee of a seller's offer is the buyer, and of a buyer's counter the seller.
        bool sellerSide = o.bySeller != toCaller;
        if (msg.sender != (sellerSide ? o.seller : o.buyer)) revert TradeNotOfferParty(offerId, msg.sender);
        if (status != OfferStatus.Open) revert TradeInvalidOfferStatus(offerId, status);
        if (block.timestamp >= o.validUntil) revert TradeOfferExpired(offerId, o.validUntil);
    }

    function _offerStatusOf(OfferRecord storage o) private view returns (OfferStatus status) {
        status = o.status;
        if (status == OfferStatus.Open && block.timestamp >= o.validUntil) return OfferStatus.Expired;
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }

    // ------------------------------------------------------------------ internals: inventory

    /**
     * @dev Adds `holder`'s packs of `line.lotId`, from the run starting at `run`, to `line`, reading at most `budget`
     * runs. Returns whether the lot's last run was read, the next run's start otherwise, and the budget left.
     */
    function _tally(
        InventoryLine memory line,
        address holder,
        uint32 run,
        uint256 budget
    ) private view returns (bool done, uint32 next, uint256 left) {
        left = budget;
        next = run;
        uint256 chunk = _FIRST_RUNS_PER_CALL;
        while (left > 0) {
            uint256 freeMemory;
            // Reads the free memory pointer (only assembly can), to release the memory of custody's answer below.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                freeMemory := mload(0x40)
            }
            // left <= maxRuns, a uint32.
            (IPackCustody.RunView[] memory page, uint32 after_) = _CUSTODY.runs(
                line.lotId,
                next,
                uint32(left < chunk ? left : chunk)
            );
            for (uint256 i = 0; i < page.length; ++i) {
                IPackCustody.RunView memory r = page[i];
                if (r.holder != holder) continue;
                uint64 packs = r.end - r.start;
                if (r.head != PackState.Active) {
                    // The run's first pack has a decommission state of its own; the others have the run's.
                    _add(line, r.head, 1);
                    --packs;
                }
                _add(line, r.state, packs);
            }
            left -= page.length;
            // Nothing read from custody is kept: its memory is reused by the next call. Only assembly can reset the
            // free memory pointer.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
            if (after_ == 0) return (true, 0, left);
            next = after_;
            if (chunk < _MAX_RUNS_PER_CALL) chunk *= 2;
        }
    }

    function _add(InventoryLine memory line, PackState state, uint64 packs) private pure {
        if (state == PackState.Active) line.available += packs;
        else if (state == PackState.InTransit) line.inTransit += packs;
        else if (state == PackState.Suspect) line.suspect += packs;
        else if (state == PackState.Illegitimate) line.illegitimate += packs;
        else line.decommissioned += packs;
    }
}
