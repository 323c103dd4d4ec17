// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPackCustody} from "./IPackCustody.sol";
import {IProductLots} from "./IProductLots.sol";

/**
 * @title The trade behind the shipments: purchase orders, price negotiation, primary distributors, inventory
 * @author PharmaChain
 * @notice The paper's trade operations (PharmaChain, Heliyon 2023, section 4.4) on top of custody.
 *
 * - **Orders.** A buyer places a purchase order with a seller: a product (GTIN), a quantity of packs, a requested
 *   delivery date and the hash of its order document, and may amend it until the seller answers. The seller declines
 *   it, or confirms it naming the quantity and price it confirms, so that an amendment landing first makes the
 *   confirmation fail. Orders follow the trade path manufacturer → distributor → distributor → dispenser, and returns
 *   go backwards (dispenser → distributor → manufacturer); both parties must be authorised. A confirmed order is filled
 *   by shipments made with {IPackCustody-shipForOrder}: each must come from the order's seller, go to its buyer, carry
 *   only packs of its product and no more than its open quantity. Its status (partly shipped, shipped, delivered)
 *   follows those shipments and is never set by hand: custody reports each linked shipment's creation and settlement
 *   here; a rejected, cancelled or voided shipment gives its packs back to the order's open quantity.
 * - **Prices.** A seller offers a price per pack (in millionths of the currency unit) in an ISO 4217 currency, valid
 *   until a time; the buyer accepts, declines or counters, and so on in turns, each round an offer of its own. An
 *   accepted offer is the contract price of (seller, buyer, product) for orders placed before its `validUntil`, and the
 *   order records it. Prices are recorded only: no money moves on-chain, payment settles elsewhere.
 * - **Primary distributors.** A manufacturer names the central distributor for a product, for a region (the buyer's
 *   licensing jurisdiction), or for all; an order from another distributor with that manufacturer is refused with an
 *   error naming the central distributor, to which the buyer then turns.
 * - **Inventory** is custody read another way, not a second ledger: a holder's packs per lot (with the lot's GTIN and
 *   expiry) and state, computed from custody's runs at call time, over a list of lots the caller names, in pages.
 */
interface ITradeOrders {
    /// @dev `Placed`, `Confirmed`, `Declined` and `Cancelled` are set by the parties; the shipping statuses are derived
    /// from the order's shipped and received packs.
    enum OrderStatus {
        None,
        Placed,
        Confirmed,
        PartlyShipped,
        Shipped,
        Delivered,
        Declined,
        Cancelled
    }

    /// @dev `Expired` is never stored: it is how an `Open` offer reads once its `validUntil` has passed.
    enum OfferStatus {
        None,
        Open,
        Countered,
        Accepted,
        Declined,
        Withdrawn,
        Expired
    }

    struct Order {
        address seller;
        address buyer;
        uint64 gtin;
        /// @dev packs ordered.
        uint32 quantity;
        /// @dev packs in linked shipments that are on their way or received (not rejected, cancelled or voided).
        uint32 shipped;
        /// @dev packs in linked shipments the buyer received.
        uint32 received;
        OrderStatus status;
        /// @dev the accepted offer whose price applies, 0 when none did at placement; then the price fields are 0.
        uint64 offerId;
        uint64 pricePerPack;
        bytes3 currency;
    }

    struct Offer {
        address seller;
        address buyer;
        uint64 gtin;
        /// @dev in millionths of the currency unit (1.25 USD is 1,250,000).
        uint64 pricePerPack;
        /// @dev ISO 4217 alphabetic code, for example "USD" or "BDT".
        bytes3 currency;
        /// @dev unix seconds; the offer can be accepted, and its price applies, while `block.timestamp < validUntil`.
        uint64 validUntil;
        OfferStatus status;
        /// @dev made by the seller (an opening offer or the seller's counter), else by the buyer.
        bool bySeller;
    }

    /// @dev A holder's packs of one lot, by state. A line may be split over two pages (see {inventory}): add them up.
    struct InventoryLine {
        bytes32 lotId;
        uint64 gtin;
        uint64 expiresAt;
        bool recalled;
        /// @dev `Active`: saleable stock.
        uint64 available;
        /// @dev shipped by the holder and not yet received, rejected, cancelled or voided: still the holder's.
        uint64 inTransit;
        uint64 suspect;
        uint64 illegitimate;
        /// @dev dispensed, destroyed, exported, sample, free sample, stolen or locked.
        uint64 decommissioned;
    }

    /**
     * @notice A buyer placed a purchase order.
     * @param orderId the order.
     * @param seller the seller.
     * @param buyer the buyer, which placed it.
     * @param gtin the product's GTIN-14 value.
     * @param quantity the packs ordered.
     * @param deliverBy the requested delivery date (unix seconds).
     * @param documentHash the hash of the order document.
     * @param offerId the accepted offer whose price the order records, 0 for none.
     */
    event OrderPlaced(
        uint64 indexed orderId,
        address indexed seller,
        address indexed buyer,
        uint64 gtin,
        uint32 quantity,
        uint64 deliverBy,
        bytes32 documentHash,
        uint64 offerId
    );

    /**
     * @notice The buyer changed its order before the seller answered.
     * @param orderId the order.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param quantity the new quantity of packs.
     * @param deliverBy the new requested delivery date (unix seconds).
     * @param documentHash the hash of the new order document.
     */
    event OrderAmended(
        uint64 indexed orderId,
        address indexed seller,
        address indexed buyer,
        uint32 quantity,
        uint64 deliverBy,
        bytes32 documentHash
    );

    /**
     * @notice The seller confirmed the order.
     * @param orderId the order.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param confirmationHash the hash of the seller's acknowledgement.
     */
    event OrderConfirmed(
        uint64 indexed orderId,
        address indexed seller,
        address indexed buyer,
        bytes32 confirmationHash
    );

    /**
     * @notice The seller declined the order.
     * @param orderId the order.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param reasonHash the hash of the reason document.
     */
    event OrderDeclined(uint64 indexed orderId, address indexed seller, address indexed buyer, bytes32 reasonHash);

    /**
     * @notice A party cancelled the order's open quantity.
     * @param orderId the order.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param by the party that cancelled it.
     * @param reasonHash the hash of the reason document.
     */
    event OrderCancelled(
        uint64 indexed orderId,
        address indexed seller,
        address indexed buyer,
        address by,
        bytes32 reasonHash
    );

    /**
     * @notice Custody reported a shipment made for the order.
     * @dev A shipment made for the order; `status` is the order's status after it.
     * @param orderId the order.
     * @param shipmentId the shipment.
     * @param packs the packs in the shipment.
     * @param status the order's status after it.
     */
    event OrderShipped(uint64 indexed orderId, uint64 indexed shipmentId, uint64 packs, OrderStatus status);

    /**
     * @notice Custody reported the settlement of a shipment made for the order.
     * @dev A linked shipment was received, rejected, cancelled or voided; `status` is the order's status after it.
     * @param orderId the order.
     * @param shipmentId the shipment.
     * @param shipmentStatus the shipment's final status: `Received`, `Rejected`, `Cancelled` or `Voided`.
     * @param packs the packs in the shipment.
     * @param status the order's status after it.
     */
    event OrderShipmentSettled(
        uint64 indexed orderId,
        uint64 indexed shipmentId,
        IPackCustody.ShipmentStatus shipmentStatus,
        uint64 packs,
        OrderStatus status
    );

    /**
     * @notice A price was offered.
     * @dev One round of a negotiation: an opening offer (`previousOfferId` 0) or a counter-offer.
     * @param offerId the new offer.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param gtin the product's GTIN-14 value.
     * @param pricePerPack the price of a pack, in millionths of the currency unit.
     * @param currency the ISO 4217 alphabetic currency code.
     * @param validUntil when the offer lapses (unix seconds).
     * @param termsHash the hash of the offer's terms.
     * @param previousOfferId the offer countered, 0 for an opening offer.
     * @param bySeller whether the seller made the offer, else the buyer.
     */
    event PriceOffered(
        uint64 indexed offerId,
        address indexed seller,
        address indexed buyer,
        uint64 gtin,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash,
        uint64 previousOfferId,
        bool bySeller
    );

    /**
     * @notice An offer was accepted.
     * @dev The offer is now the contract price of (seller, buyer, gtin).
     * @param offerId the offer.
     * @param seller the seller.
     * @param buyer the buyer.
     * @param gtin the product's GTIN-14 value.
     * @param pricePerPack the price of a pack, in millionths of the currency unit.
     * @param currency the ISO 4217 alphabetic currency code.
     * @param validUntil until when the price applies to new orders (unix seconds).
     */
    event OfferAccepted(
        uint64 indexed offerId,
        address indexed seller,
        address indexed buyer,
        uint64 gtin,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil
    );

    /**
     * @notice The addressee declined an offer, ending the negotiation.
     * @param offerId the offer.
     * @param by the party that declined it.
     * @param reasonHash the hash of the reason document.
     */
    event OfferDeclined(uint64 indexed offerId, address indexed by, bytes32 reasonHash);

    /**
     * @notice The party that made an offer withdrew it.
     * @param offerId the offer.
     * @param by the party that withdrew it.
     */
    event OfferWithdrawn(uint64 indexed offerId, address indexed by);

    /**
     * @notice A manufacturer assigned or removed a primary distributor.
     * @dev For a product (`region` 0), for a region (`gtin` 0) or for all (both 0); `distributor` 0: removed.
     * @param manufacturer the manufacturer.
     * @param gtin the product's GTIN-14 value, 0 for a region or for all products.
     * @param region the buyers' region (ISO 3166-1 alpha-2), 0 for a product or for all.
     * @param distributor the primary distributor, 0 when removed.
     */
    event PrimaryDistributorAssigned(
        address indexed manufacturer,
        uint64 indexed gtin,
        bytes2 region,
        address indexed distributor
    );

    error TradeZeroAddress();
    /// @dev Only custody reports shipments.
    error TradeNotCustody(address caller);
    /// @dev The counterparty is the zero address or the caller itself.
    error TradeInvalidCounterparty(address account);
    /// @dev Orders and offers go manufacturer → distributor → distributor → dispenser, returns backwards.
    error TradePathNotAllowed(address seller, address buyer);
    error TradeProductNotApproved(uint64 gtin, IProductLots.ProductStatus status);
    /// @dev A manufacturer trades only its own products.
    error TradeNotProductManufacturer(uint64 gtin, address account);
    /// @dev The manufacturer sells this product in the buyer's region through `primaryDistributor`: order from it.
    error TradeRoutedToPrimaryDistributor(address manufacturer, uint64 gtin, address primaryDistributor);
    error TradeZeroQuantity();
    error TradeInvalidDeliveryDate(uint64 deliverBy);
    error TradeUnknownOrder(uint64 orderId);
    error TradeNotOrderParty(uint64 orderId, address account);
    error TradeInvalidOrderStatus(uint64 orderId, OrderStatus status);
    /**
     * @dev The seller confirmed `expectedQuantity` packs at `expectedPricePerPack`, but the order is for `quantity`
     * packs at `pricePerPack`: the buyer amended it after the seller read it. Read it again, then confirm or decline.
     */
    error TradeOrderChanged(
        uint64 orderId,
        uint32 expectedQuantity,
        uint64 expectedPricePerPack,
        uint32 quantity,
        uint64 pricePerPack
    );
    /// @dev The shipment goes to another buyer than the order's.
    error TradeWrongBuyer(uint64 orderId, address buyer);
    /// @dev One lot number per range, to prove each range's lot is of the order's product.
    error TradeLotNumbersMismatch(uint256 ranges, uint256 lotNumbers);
    /// @dev The lot is not of the order's product: `lotId` does not derive from the order's GTIN and the lot number.
    error TradeWrongProduct(uint64 orderId, bytes32 lotId);
    /// @dev The shipment has more packs than the order has open (ordered and not on the way or received).
    error TradeQuantityExceeded(uint64 orderId, uint64 packs, uint64 open);
    error TradeUnknownOffer(uint64 offerId);
    error TradeNotOfferParty(uint64 offerId, address account);
    error TradeInvalidOfferStatus(uint64 offerId, OfferStatus status);
    error TradeOfferExpired(uint64 offerId, uint64 validUntil);
    /// @dev An offer must be valid until a time in the future, before 2^40 seconds.
    error TradeInvalidValidity(uint64 validUntil);
    /// @dev A currency must be three upper-case letters (ISO 4217).
    error TradeInvalidCurrency(bytes3 currency);
    /// @dev A region must be two upper-case letters (ISO 3166-1 alpha-2).
    error TradeInvalidRegion(bytes2 region);
    /// @dev Inventory lot lists are strictly increasing, so that no lot is counted twice.
    error TradeUnsortedLots(uint256 index);
    error TradeZeroPageSize();

    // ------------------------------------------------------------------ orders

    /**
     * @notice Places a purchase order with `seller` (the paper's PlaceOrderRequest): `quantity` packs of `gtin`,
     * wanted by `deliverBy`, with the hash of the order document. The contract price of (seller, caller, gtin), if
     * one applies now, is recorded on the order.
     * Requirements: the protocol is not paused; the caller (the buyer) and `seller` are authorised, and the trade path
     * from seller to buyer is allowed; the product is approved and, if either party is a manufacturer, it is that
     * party's product; a distributor ordering from a manufacturer is the primary distributor that applies, if one
     * does (see {assignPrimaryDistributor}); `quantity` > 0; `deliverBy` is in the future.
     * Emits an {OrderPlaced} event.
     * @param seller the seller.
     * @param gtin the product's GTIN-14 value.
     * @param quantity the packs ordered.
     * @param deliverBy the requested delivery date (unix seconds).
     * @param documentHash the hash of the order document.
     * @return orderId the new order's id.
     */
    function placeOrder(
        address seller,
        uint64 gtin,
        uint32 quantity,
        uint64 deliverBy,
        bytes32 documentHash
    ) external returns (uint64 orderId);

    /**
     * @notice The buyer changes its order's quantity, delivery date and document before the seller answers.
     * Requirements: the caller is the order's buyer and authorised; the order is `Placed`; `quantity` > 0;
     * `deliverBy` is in the future.
     * Emits an {OrderAmended} event.
     * @param orderId the order.
     * @param quantity the new quantity of packs.
     * @param deliverBy the new requested delivery date (unix seconds).
     * @param documentHash the hash of the new order document.
     */
    function amendOrder(uint64 orderId, uint32 quantity, uint64 deliverBy, bytes32 documentHash) external;

    /**
     * @notice The seller confirms the order (the paper's ConfirmOrderManu) as it read it, `quantity` packs at
     * `pricePerPack`, with the hash of its acknowledgement. Naming them binds the confirmation to what the seller saw:
     * an amendment by the buyer that lands first, by chance or by front-running, makes it fail instead of confirming
     * other terms. The price is the one the order recorded when it was placed (`order(orderId).pricePerPack`, 0 when
     * none applied), which stays the order's when its offer later lapses for new orders. The delivery date and the
     * order document are not stored, so not compared: the acknowledgement names the document it answers.
     * Requirements: the caller is the order's seller and authorised; the order is `Placed`; `quantity` and
     * `pricePerPack` are the order's.
     * Emits an {OrderConfirmed} event.
     * @param orderId the order.
     * @param quantity the packs confirmed: the order's quantity as the seller read it.
     * @param pricePerPack the price of a pack confirmed, in millionths of the currency unit: the order's as the seller
     * read it, 0 for an order without a contract price.
     * @param confirmationHash the hash of the seller's acknowledgement.
     */
    function confirmOrder(uint64 orderId, uint32 quantity, uint64 pricePerPack, bytes32 confirmationHash) external;

    /**
     * @notice The seller declines the order.
     * Requirements: the caller is the order's seller and authorised; the order is `Placed`.
     * Emits an {OrderDeclined} event.
     * @param orderId the order.
     * @param reasonHash the hash of the reason document.
     */
    function declineOrder(uint64 orderId, bytes32 reasonHash) external;

    /**
     * @notice Either party cancels the order's open quantity: no shipment can be linked to it any more. Shipments
     * already on the way still settle and are counted.
     * Requirements: the caller is a party and authorised; the order is `Placed`, `Confirmed` or `PartlyShipped` (not
     * every pack is on the way or received).
     * Emits an {OrderCancelled} event.
     * @param orderId the order.
     * @param reasonHash the hash of the reason document.
     */
    function cancelOrder(uint64 orderId, bytes32 reasonHash) external;

    /**
     * @notice Custody reports a shipment made for `orderId` by `seller` to `buyer` (see {IPackCustody-shipForOrder}).
     * Requirements: the caller is custody; the order exists, `seller` and `buyer` are its parties, it is `Confirmed`
     * or `PartlyShipped`; one lot number per range, and each range's lot is `keccak256(abi.encode(gtin, lotNumber))`
     * of the order's GTIN; `packs` does not exceed the open quantity.
     * Emits an {OrderShipped} event.
     * @param orderId the order.
     * @param shipmentId the shipment.
     * @param seller the shipment's seller.
     * @param buyer the shipment's buyer.
     * @param packs the packs in the shipment.
     * @param ranges the shipment's ranges.
     * @param lotNumbers the lot number of each range's lot.
     */
    function onShipped(
        uint64 orderId,
        uint64 shipmentId,
        address seller,
        address buyer,
        uint64 packs,
        IPackCustody.PackRange[] calldata ranges,
        string[] calldata lotNumbers
    ) external;

    /**
     * @notice Custody reports that a linked shipment was received (its packs count as received) or rejected, cancelled
     * or voided (its packs are open again). Never refused for a shipment custody linked.
     * Requirements: the caller is custody.
     * Emits an {OrderShipmentSettled} event.
     * @param orderId the order.
     * @param shipmentId the shipment.
     * @param status the shipment's final status.
     * @param packs the packs in the shipment.
     */
    function onShipmentSettled(
        uint64 orderId,
        uint64 shipmentId,
        IPackCustody.ShipmentStatus status,
        uint64 packs
    ) external;

    // ------------------------------------------------------------------ prices

    /**
     * @notice The seller (the caller) offers `buyer` a price per pack for `gtin`, valid until `validUntil`
     * (the paper's NewPriceContract), with the hash of its terms. Opens a negotiation.
     * Requirements: the protocol is not paused; both parties are authorised and the trade path from the caller to
     * `buyer` is allowed; the product is approved and, if either party is a manufacturer, its own; `currency` is three
     * upper-case letters; `validUntil` is in the future.
     * Emits a {PriceOffered} event.
     * @param buyer the buyer.
     * @param gtin the product's GTIN-14 value.
     * @param pricePerPack the price of a pack, in millionths of the currency unit.
     * @param currency the ISO 4217 alphabetic currency code, for example "USD".
     * @param validUntil when the offer lapses (unix seconds), before 2^40.
     * @param termsHash the hash of the offer's terms.
     * @return offerId the new offer's id.
     */
    function offerPrice(
        address buyer,
        uint64 gtin,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash
    ) external returns (uint64 offerId);

    /**
     * @notice The party an open offer is addressed to answers with its own (the paper's NegotiateContract): the offer
     * is `Countered` and the new one is addressed to the other party.
     * Requirements: the caller is authorised and the offer's addressee; the offer is `Open` and not expired; `currency`
     * and `validUntil` as for {offerPrice}.
     * Emits a {PriceOffered} event naming the countered offer.
     * @param offerId the offer countered.
     * @param pricePerPack the price of a pack, in millionths of the currency unit.
     * @param currency the ISO 4217 alphabetic currency code.
     * @param validUntil when the counter-offer lapses (unix seconds), before 2^40.
     * @param termsHash the hash of the counter-offer's terms.
     * @return counterOfferId the counter-offer's id.
     */
    function counterOffer(
        uint64 offerId,
        uint64 pricePerPack,
        bytes3 currency,
        uint64 validUntil,
        bytes32 termsHash
    ) external returns (uint64 counterOfferId);

    /**
     * @notice The addressee accepts an open offer (the paper's ConfirmNewContract): it becomes the contract price of
     * (seller, buyer, gtin) for orders placed before its `validUntil`, replacing any earlier one.
     * Requirements: the caller is authorised and the offer's addressee; the offer is `Open` and not expired.
     * Emits an {OfferAccepted} event.
     * @param offerId the offer.
     */
    function acceptOffer(uint64 offerId) external;

    /**
     * @notice The addressee declines an open offer, ending the negotiation.
     * Requirements: the caller is authorised and the offer's addressee; the offer is `Open` and not expired.
     * Emits an {OfferDeclined} event.
     * @param offerId the offer.
     * @param reasonHash the hash of the reason document.
     */
    function declineOffer(uint64 offerId, bytes32 reasonHash) external;

    /**
     * @notice The party that made an open offer withdraws it.
     * Requirements: the caller is authorised and made the offer; the offer is `Open` and not expired.
     * Emits an {OfferWithdrawn} event.
     * @param offerId the offer.
     */
    function withdrawOffer(uint64 offerId) external;

    // ------------------------------------------------------------------ primary distributors

    /**
     * @notice The manufacturer (the caller) names `distributor` the primary (central) distributor of its product
     * `gtin`, or of all its products with `gtin` 0, or removes the assignment with the zero address (the paper's
     * AssignPrimaryDistributer). A distributor ordering from the manufacturer must be the one that applies: the
     * product's, else the one of the buyer's region ({assignRegionalDistributor}), else the one for all products.
     * Requirements: the caller is an authorised manufacturer; a non-zero `gtin` is its product; a non-zero
     * `distributor` is an authorised distributor.
     * Emits a {PrimaryDistributorAssigned} event.
     * @param gtin the product's GTIN-14 value, 0 for all the caller's products.
     * @param distributor the primary distributor, 0 to remove the assignment.
     */
    function assignPrimaryDistributor(uint64 gtin, address distributor) external;

    /**
     * @notice The manufacturer (the caller) names `distributor` the primary distributor for buyers licensed in
     * `region`, for its products that have no primary distributor of their own, or removes it with the zero address.
     * Requirements: the caller is an authorised manufacturer; `region` is two upper-case letters; a non-zero
     * `distributor` is an authorised distributor.
     * Emits a {PrimaryDistributorAssigned} event with `gtin` 0.
     * @param region the buyers' region (ISO 3166-1 alpha-2).
     * @param distributor the primary distributor, 0 to remove the assignment.
     */
    function assignRegionalDistributor(bytes2 region, address distributor) external;

    // ------------------------------------------------------------------ views

    /**
     * @notice The order, its status derived from its shipments, and the price recorded on it.
     * @param orderId the order.
     * @return The order (all zero when there is none).
     */
    function order(uint64 orderId) external view returns (Order memory);

    /**
     * @notice The number of orders placed, which is the id of the latest.
     * @return The number of orders.
     */
    function orderCount() external view returns (uint64);

    /**
     * @notice The offer; an `Open` offer past its `validUntil` reads `Expired`.
     * @param offerId the offer.
     * @return The offer (all zero when there is none).
     */
    function offer(uint64 offerId) external view returns (Offer memory);

    /**
     * @notice The number of offers made (counter-offers included), which is the id of the latest.
     * @return The number of offers.
     */
    function offerCount() external view returns (uint64);

    /**
     * @notice The accepted offer that an order of (seller, buyer, gtin) placed now would record (0 and an empty offer
     * when none applies).
     * @param seller the seller.
     * @param buyer the buyer.
     * @param gtin the product's GTIN-14 value.
     * @return offerId the accepted offer, 0 for none.
     * @return accepted the accepted offer (empty when none applies).
     */
    function contractPrice(
        address seller,
        address buyer,
        uint64 gtin
    ) external view returns (uint64 offerId, Offer memory accepted);

    /**
     * @notice The primary distributor that applies to an order of `gtin` from a distributor licensed in `region`
     * (0: none): the product's, else the region's, else the manufacturer's for all products.
     * @param manufacturer the manufacturer.
     * @param gtin the product's GTIN-14 value.
     * @param region the buyer's region (ISO 3166-1 alpha-2).
     * @return The primary distributor, 0 for none.
     */
    function primaryDistributor(address manufacturer, uint64 gtin, bytes2 region) external view returns (address);

    /**
     * @notice `holder`'s packs in the lots `lotIds` (strictly increasing), per lot and state, from custody's runs now.
     * Pages: starts at lot `lotIds[fromLot]`, at its run starting at `fromRun` (0 for the first), reads at most
     * `maxRuns` runs (an unknown or voided lot, which has no packs, counts as one), and returns the cursor to pass
     * next (`nextLot == lotIds.length`: done). Lots where `holder` has no pack give no line; a lot with more runs than
     * the page allows gives a line on each page that reads part of it. Read every page at the same block for a
     * consistent picture. A holder's packs can only be in lots it commissioned or was shipped
     * ({IProductLots-LotCommissioned}, {IPackCustody-ShipmentCreated} and {IPackCustody-PacksShipped} events).
     * Gas: about 31,000 a lot of one run and 7,000 a further run, so that a page of 250 runs takes about 8 million:
     * well within the call gas cap of a node (and within one transaction's 2^24 since Osaka).
     * @param holder the holder.
     * @param lotIds the lots to read, strictly increasing.
     * @param fromLot the index in `lotIds` of the first lot to read.
     * @param fromRun the start of the first run to read in that lot.
     * @param maxRuns the most runs to read (at least 1).
     * @return lines the holder's packs per lot read.
     * @return nextLot the `fromLot` of the next page (`lotIds.length`: done).
     * @return nextRun the `fromRun` of the next page.
     */
    function inventory(
        address holder,
        bytes32[] calldata lotIds,
        uint256 fromLot,
        uint32 fromRun,
        uint32 maxRuns
    ) external view returns (InventoryLine[] memory lines, uint256 nextLot, uint32 nextRun);

    /**
     * @notice The registry, the lots contract and custody this contract relies on.
     * @return registry the stakeholder registry.
     * @return lots the products and lots contract.
     * @return custody the custody contract.
     */
    function dependencies() external view returns (address registry, address lots, address custody);
}
