/**
 * The client: one object over the three protocol contracts and custody's order book, for any ethers signer (to
 * write) or provider (to read). Every write is a typed method that returns what the caller wants (a lot id, a
 * shipment id, an order id) with its transaction's hash, block and gas; `method.dryRun(...)` runs the same call as a
 * static call and a gas estimate, sending nothing. Every refusal of the contracts is thrown as a `ContractRevertError`
 * with a readable sentence.
 *
 * The methods live in four domain clients (`./clients/`: {@link RegistryClient}, {@link LotsClient},
 * {@link CustodyClient}, {@link TradeClient}) over one shared {@link ClientContext}; `PharmaChainClient` keeps every
 * method as a delegate, so code written against it does not change.
 */
import { ContractRunner, Provider, TypedDataDomain } from "ethers";
import type { DeploymentAddresses, PackCustody, ProductLots, StakeholderRegistry, TradeOrders } from "./contracts";
import type { HistoryReader } from "./history";
import { ClientContext, ContextBound, DomainClient } from "./clients/context";
import { RegistryClient } from "./clients/registry";
import { LotsClient } from "./clients/lots";
import { CustodyClient } from "./clients/custody";
import { TradeClient } from "./clients/trade";
import type { ClientOptions } from "./clients/shared";

export * from "./clients/shared";
export { ClientContext, ContextBound, DomainClient, RegistryClient, LotsClient, CustodyClient, TradeClient };

/** The domain clients of one `PharmaChainClient`, over its context. */
export interface DomainClients {
  /** Stakeholders and products. */
  readonly registry: RegistryClient;
  /** Lots, their attestations and recalls. */
  readonly lots: LotsClient;
  /** Shipments, decommissioning, quarantine, illegitimacy; shipments', packs' and runs' reads. */
  readonly custody: CustodyClient;
  /** Orders, price offers, primary distributors, inventory. */
  readonly trade: TradeClient;
}

/**
 * The methods of `PharmaChainClient` that belong to no single domain (each is its context's: the connection, the
 * signer, the EIP-712 domain, the event history); every other method is a delegate to a domain client's (a test checks
 * both by reflection).
 */
export const CLIENT_CROSS_DOMAIN_METHODS = ["withRunner", "domain", "account", "history"] as const;

/**
 * The whole protocol in one object: every method of the domain clients ({@link DomainClients}, under `domains`), each
 * a thin delegate, over one shared {@link ClientContext}. `registry`, `lots`, `custody` and `orders` stay the typed
 * contract bindings they have always been; the domain clients are `client.domains.registry` and so on.
 */
export class PharmaChainClient extends ContextBound {
  readonly registry: StakeholderRegistry = this.context.registry;
  readonly lots: ProductLots = this.context.lots;
  readonly custody: PackCustody = this.context.custody;
  /** Custody's order book (orders, price offers, primary distributors, inventory). */
  readonly orders: TradeOrders = this.context.orders;
  readonly provider: Provider = this.context.provider;
  readonly runner: ContractRunner = this.context.runner;
  readonly chainId: bigint = this.context.chainId;
  readonly addresses: DeploymentAddresses = this.context.addresses;
  /** The order book's address, read from `custody.orderBook()` when connecting. */
  readonly ordersAddress: string = this.context.ordersAddress;
  /** The domain clients, sharing this client's context. */
  readonly domains: DomainClients = Object.freeze({
    registry: new RegistryClient(this.context),
    lots: new LotsClient(this.context),
    custody: new CustodyClient(this.context),
    trade: new TradeClient(this.context),
  });

  private constructor(context: ClientContext) {
    super(context);
  }

  /**
   * Connects to a deployment: checks that the network is the deployment's chain and that each address holds code, so
   * a wrong `--rpc` or `--deployment` fails here with a clear message rather than later with an opaque one; reads the
   * order book's address from custody (and refuses an `orders` address in the deployment that differs from it).
   */
  static async connect(options: ClientOptions): Promise<PharmaChainClient> {
    return new PharmaChainClient(await ClientContext.connect(options));
  }

  /** The same client with another signer or provider (for example another party's wallet); reads nothing. */
  withRunner(runner: ContractRunner): PharmaChainClient {
    return new PharmaChainClient(this.context.withRunner(runner));
  }

  /** The EIP-712 domain the lots contract checks attestations against. */
  domain(): TypedDataDomain {
    return this.context.domain();
  }

  /** The address of the connected signer. */
  account(): Promise<string> {
    return this.context.account();
  }

  /** A reader of this deployment's event history (the order book's too). */
  history(): HistoryReader {
    return this.context.history();
  }

  // ------------------------------------------------------------------ registry: stakeholders and products

  /** The council appoints a regulator directly (admin only). */
  readonly appointRegulator = this.domains.registry.appointRegulator;

  /** The signer applies for a role with its licence, GLN and jurisdiction; a regulator then approves it. */
  readonly applyForRole = this.domains.registry.applyForRole;

  /** A regulator approves an applicant's licence until `validUntil` (unix seconds). */
  readonly approveStakeholder = this.domains.registry.approveStakeholder;

  readonly suspendStakeholder = this.domains.registry.suspendStakeholder;

  readonly reinstateStakeholder = this.domains.registry.reinstateStakeholder;

  readonly renewLicence = this.domains.registry.renewLicence;

  /**
   * Revokes a stakeholder for good, with two keys: a regulator's first call only proposes the revocation, which takes
   * effect when a different regulator, or the council, calls again for the same account (the council revokes a
   * regulator alone). `revoked` tells which happened: false for a proposal, true when the record is now revoked.
   */
  readonly revokeStakeholder = this.domains.registry.revokeStakeholder;

  readonly updateMetadata = this.domains.registry.updateMetadata;

  readonly pause = this.domains.registry.pause;

  readonly unpause = this.domains.registry.unpause;

  /** The registry's record of `account`. */
  stakeholder(...args: Parameters<RegistryClient["stakeholder"]>): ReturnType<RegistryClient["stakeholder"]> {
    return this.domains.registry.stakeholder(...args);
  }

  /** Whether `account` is active, licensed and in `role` now. */
  isAuthorised(...args: Parameters<RegistryClient["isAuthorised"]>): ReturnType<RegistryClient["isAuthorised"]> {
    return this.domains.registry.isAuthorised(...args);
  }

  readonly registerProduct = this.domains.registry.registerProduct;

  readonly approveProduct = this.domains.registry.approveProduct;

  readonly rejectProduct = this.domains.registry.rejectProduct;

  /** The council moves a revoked manufacturer's product to a successor manufacturer; recorded lots are unaffected. */
  readonly transferProduct = this.domains.registry.transferProduct;

  product(...args: Parameters<RegistryClient["product"]>): ReturnType<RegistryClient["product"]> {
    return this.domains.registry.product(...args);
  }

  // ------------------------------------------------------------------ lots

  /** A manufacturer authorises (or withdraws) an account to sign lot attestations for it. */
  readonly setSigner = this.domains.lots.setSigner;

  /**
   * Records a lot from its attestation and one or both signatures (either may be omitted: a lot with only the
   * manufacturer's is `Pending` until a regulator cosigns). Anyone may submit. Returns the lot id and whether the lot
   * is released.
   */
  readonly commissionLot = this.domains.lots.commissionLot;

  /** Adds the missing signature to a pending lot; with both it is released. */
  readonly cosignLot = this.domains.lots.cosignLot;

  readonly recallLot = this.domains.lots.recallLot;

  readonly voidLot = this.domains.lots.voidLot;

  /** The council lifts a mistaken recall (also while the protocol is paused). */
  readonly liftRecall = this.domains.lots.liftRecall;

  /** The lot's record; throws `NotFoundError` for an unknown lot. */
  lot(...args: Parameters<LotsClient["lot"]>): ReturnType<LotsClient["lot"]> {
    return this.domains.lots.lot(...args);
  }

  // ------------------------------------------------------------------ custody

  /**
   * Ships index ranges of one or more lots to `buyer`, optionally through a transporter, with the off-chain shipping
   * notice's hash. Returns the shipment id.
   */
  readonly ship = this.domains.custody.ship;

  /** The named transporter picks the shipment up at a location (GLN). */
  readonly pickUp = this.domains.custody.pickUp;

  readonly handOver = this.domains.custody.handOver;

  /** The buyer receives: custody and ownership of every pack of the shipment move to it. */
  readonly receiveShipment = this.domains.custody.receiveShipment;

  /** The buyer rejects: the packs return to the seller. */
  readonly rejectShipment = this.domains.custody.rejectShipment;

  /** The seller cancels before pick-up; one range of the shipment (found from its events) witnesses the seller. */
  readonly cancelShipment = this.domains.custody.cancelShipment;

  /** A regulator voids an open shipment: the packs return to the seller. */
  readonly voidShipment = this.domains.custody.voidShipment;

  /** Decommissions one pack, proven by its serial, into an EU FMD state. */
  readonly decommission = this.domains.custody.decommission;

  /** Dispenses one pack to a patient (decommission as `Dispensed`). */
  readonly dispense = this.domains.custody.dispense;

  /** Decommissions a range the caller holds (destruction, export, samples...). */
  readonly decommissionRange = this.domains.custody.decommissionRange;

  /** Undoes a decommission within its window, by the account that made it. */
  readonly undoDecommission = this.domains.custody.undoDecommission;

  /**
   * Quarantines ranges as suspect, with the evidence's hash: the holder of the packs, or a regulator. Anyone else
   * reports a suspicion ({@link reportSuspicion}).
   */
  readonly quarantine = this.domains.custody.quarantine;

  /**
   * Reports a suspicion about packs the caller does not hold, with the evidence's hash: an event for their holder and
   * the regulators; no state changes.
   */
  readonly reportSuspicion = this.domains.custody.reportSuspicion;

  /** A regulator clears suspect packs. */
  readonly clearSuspect = this.domains.custody.clearSuspect;

  /**
   * Confirms suspect packs illegitimate (final), with two keys: the first call (a regulator or the council) proposes,
   * the same call with the same ranges and decision by a different regulator or the council completes it.
   * `confirmed` says which happened; `proposalId` names the proposal (see {@link illegitimacyProposalId}).
   */
  readonly confirmIllegitimate = this.domains.custody.confirmIllegitimate;

  /** Who proposed the ruling of illegitimacy `proposalId` that awaits its second key (null: none). */
  illegitimacyProposer(
    ...args: Parameters<CustodyClient["illegitimacyProposer"]>
  ): ReturnType<CustodyClient["illegitimacyProposer"]> {
    return this.domains.custody.illegitimacyProposer(...args);
  }

  /**
   * The holder destroys packs confirmed illegitimate (their disposition): they become `Destroyed` and leave its stock,
   * also in a recalled or expired lot.
   */
  readonly destroyIllegitimate = this.domains.custody.destroyIllegitimate;

  /** Reports the second scan of a decommissioned pack's code (a clone) to the regulator. */
  readonly reportClone = this.domains.custody.reportClone;

  shipment(...args: Parameters<CustodyClient["shipment"]>): ReturnType<CustodyClient["shipment"]> {
    return this.domains.custody.shipment(...args);
  }

  packStatus(...args: Parameters<CustodyClient["packStatus"]>): ReturnType<CustodyClient["packStatus"]> {
    return this.domains.custody.packStatus(...args);
  }

  /** Every run of the lot (consecutive packs sharing holder and state), read page by page. */
  runs(...args: Parameters<CustodyClient["runs"]>): ReturnType<CustodyClient["runs"]> {
    return this.domains.custody.runs(...args);
  }

  // ------------------------------------------------------------------ trade: orders, prices, distributors, inventory

  /**
   * The signer (the buyer) orders `quantity` packs of `gtin` from `seller`, wanted by `deliverBy` (unix seconds;
   * default {@link DEFAULT_DELIVERY_DAYS} days after the latest block), with the order document's hash. The contract
   * price of (seller, buyer, gtin), if one applies, is recorded on the order. Returns the order id.
   */
  readonly placeOrder = this.domains.trade.placeOrder;

  /** The buyer changes its order's quantity, delivery date (default as for `placeOrder`) and document before the seller answers. */
  readonly amendOrder = this.domains.trade.amendOrder;

  /**
   * The seller confirms a placed order, with its acknowledgement's hash, naming the quantity and the price per pack it
   * confirms (`pricePerPack` as `"1.25"` in currency units or a bigint in millionths, as {@link OrderRecord} has it;
   * 0 for an order without a contract price). The contract refuses the confirmation with `TradeOrderChanged` when the
   * order is not for those any more: an amendment by the buyer that lands first cannot make the seller confirm other
   * terms.
   *
   * What `terms` leaves out is read from the order just before sending, so the confirmation binds to that read, not
   * to what the seller looked at earlier: an amendment made before the read is confirmed. To confirm what a person
   * reviewed, pass the quantity and price they were shown.
   */
  readonly confirmOrder = this.domains.trade.confirmOrder;

  /** The seller declines a placed order. */
  readonly declineOrder = this.domains.trade.declineOrder;

  /** Either party cancels the order's open quantity (shipments already on their way still settle). */
  readonly cancelOrder = this.domains.trade.cancelOrder;

  /**
   * The seller ships ranges to fill order `orderId` (custody's `shipForOrder`): as `ship`, and the order book checks
   * the shipment against the order. `buyer` defaults to the order's buyer (read from the order); a range's `lotNumber` (which proves its lot is of the ordered product) is read from the lot's
   * `LotCommissioned` event when omitted, which scans the chain's logs: give it to spare that. Returns the shipment id.
   */
  readonly shipForOrder = this.domains.trade.shipForOrder;

  /** The order, its status (derived from its shipments) by name, its open quantity and price; `NotFoundError` if unknown. */
  order(...args: Parameters<TradeClient["order"]>): ReturnType<TradeClient["order"]> {
    return this.domains.trade.order(...args);
  }

  /** How many orders the order book has (ids run from 1). */
  orderCount(...args: Parameters<TradeClient["orderCount"]>): ReturnType<TradeClient["orderCount"]> {
    return this.domains.trade.orderCount(...args);
  }

  /**
   * The seller (the signer) offers `buyer` a price per pack of `gtin` (`"1.25"` in `currency` units, or millionths as
   * a bigint), valid until `validUntil` (unix seconds), with its terms' hash: it opens a negotiation. Returns the offer id.
   */
  readonly offerPrice = this.domains.trade.offerPrice;

  /**
   * The party an open offer is addressed to answers with its own price (`currency` defaults to the countered offer's,
   * read from it). Returns the counter-offer's id.
   */
  readonly counterOffer = this.domains.trade.counterOffer;

  /** The addressee accepts an open offer: it becomes the contract price of (seller, buyer, gtin) until its `validUntil`. */
  readonly acceptOffer = this.domains.trade.acceptOffer;

  /** The addressee declines an open offer, ending the negotiation. */
  readonly declineOffer = this.domains.trade.declineOffer;

  /** The party that made an open offer withdraws it. */
  readonly withdrawOffer = this.domains.trade.withdrawOffer;

  /** The offer (an `Open` one past its `validUntil` reads `Expired`); `NotFoundError` if unknown. */
  offer(...args: Parameters<TradeClient["offer"]>): ReturnType<TradeClient["offer"]> {
    return this.domains.trade.offer(...args);
  }

  /** The accepted offer an order of (seller, buyer, gtin) placed now would record; undefined when none applies. */
  contractPrice(...args: Parameters<TradeClient["contractPrice"]>): ReturnType<TradeClient["contractPrice"]> {
    return this.domains.trade.contractPrice(...args);
  }

  /** The manufacturer names the primary distributor of its product `gtin` (0: of all its products); the zero address removes it. */
  readonly assignPrimaryDistributor = this.domains.trade.assignPrimaryDistributor;

  /** The manufacturer names the primary distributor for buyers licensed in `region` (`"US"`); the zero address removes it. */
  readonly assignRegionalDistributor = this.domains.trade.assignRegionalDistributor;

  /** The primary distributor a distributor licensed in `region` must order `gtin` from; undefined when none applies. */
  primaryDistributor(
    ...args: Parameters<TradeClient["primaryDistributor"]>
  ): ReturnType<TradeClient["primaryDistributor"]> {
    return this.domains.trade.primaryDistributor(...args);
  }

  /**
   * `holder`'s packs in `lotIds` by state, per lot, from the order book's `inventory` view over custody: the lots are
   * sorted and made unique, every page is read at one block (the latest, unless `blockTag`), lines split over pages
   * are added up. Lots where the holder has no pack give no line.
   */
  inventory(...args: Parameters<TradeClient["inventory"]>): ReturnType<TradeClient["inventory"]> {
    return this.domains.trade.inventory(...args);
  }

  /**
   * `holder`'s whole inventory: the lots it may hold are found from events ({@link HistoryReader.lotsHeldBy}: lots it
   * commissioned, lots of shipments made to it), then read as {@link PharmaChainClient.inventory} does. `fromBlock`
   * (the deployment's block) shortens the event scan on a long chain.
   */
  inventoryOf(...args: Parameters<TradeClient["inventoryOf"]>): ReturnType<TradeClient["inventoryOf"]> {
    return this.domains.trade.inventoryOf(...args);
  }
}
