/**
 * The trade test world: the shared world (test/helpers/fixture.ts), custody's order book, a third product of
 * `manufacturer`, a distributor licensed in another jurisdiction, and three released lots; with helpers for orders,
 * offers and shipments made for orders.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { TradeOrders } from "../../typechain-types";
import { Manifest } from "../../sdk/src/manifest";
import { gtinToUint64 } from "../../sdk/src/gs1";
import { DAY, GTIN, GTIN2, Role, World, bytes32, commission, range, serialsFor, worldFixture } from "./fixture";

export { OfferStatus, OrderStatus } from "../../sdk/src/enums";

/** A third product of `manufacturer` (GS1's example GTIN-14 with a valid check digit). */
export const GTIN3 = gtinToUint64("10614141000415");
/** ISO 4217 codes and ISO 3166-1 regions as the contract takes them (bytes3, bytes2). */
export const USD = ethers.hexlify(ethers.toUtf8Bytes("USD"));
export const BDT = ethers.hexlify(ethers.toUtf8Bytes("BDT"));
export const BD = "0x4244";
export const US = "0x5553";
/** `assignPrimaryDistributor`'s GTIN for all of a manufacturer's products. */
export const ANY_PRODUCT = 0n;
/** 1.25 in millionths of the currency unit. */
export const PRICE = 1_250_000n;
export const TRADE_UNITS = 20;
const ZERO = ethers.ZeroAddress;

export interface TradeLot {
  lotId: string;
  lotNumber: string;
  gtin: bigint;
  units: number;
  manifest: Manifest;
  expiresAt: bigint;
}

export interface TradeWorld extends World {
  orders: TradeOrders;
  /** A distributor licensed in the US (everyone else is licensed in BD). */
  distributorUs: HardhatEthersSigner;
  /** Two lots of GTIN and one of GTIN3 by `manufacturer`, one of GTIN2 by `manufacturer2`; 20 packs each by default. */
  lotA: TradeLot;
  lotB: TradeLot;
  lot3: TradeLot;
  lot2: TradeLot;
}

async function tradeLot(
  w: World,
  gtin: bigint,
  lotNumber: string,
  units: number,
  manufacturer = w.manufacturer,
): Promise<TradeLot> {
  const manifest = Manifest.fromSerials(serialsFor(`${lotNumber}-`, units));
  const { lotId, att } = await commission(w, manifest, { gtin, lotNumber, manufacturer });
  return { lotId, lotNumber, gtin, units, manifest, expiresAt: att.expiresAt };
}

/** The fixture for `loadFixture`: lots of 20 packs. */
export function tradeFixture(): Promise<TradeWorld> {
  return tradeWorld(TRADE_UNITS);
}

/** The trade world with lots of `units` packs. */
export async function tradeWorld(units: number): Promise<TradeWorld> {
  const w = await worldFixture();
  const orders = await ethers.getContractAt("TradeOrders", await w.custody.orderBook());
  const distributorUs = (await ethers.getSigners())[11];
  await w.registry
    .connect(distributorUs)
    .applyForRole(Role.Distributor, bytes32("licence:us"), 0, US, bytes32("meta:us"));
  await w.registry.connect(w.regulator).approve(distributorUs.address, w.licenceUntil);
  await w.lots.connect(w.manufacturer).registerProduct(GTIN3, bytes32("product:3"));
  await w.lots.connect(w.regulator).approveProduct(GTIN3);
  const lotA = await tradeLot(w, GTIN, "TR-A", units);
  const lotB = await tradeLot(w, GTIN, "TR-B", units);
  const lot3 = await tradeLot(w, GTIN3, "TR-3", units);
  const lot2 = await tradeLot(w, GTIN2, "TR-2", units, w.manufacturer2);
  return { ...w, orders, distributorUs, lotA, lotB, lot3, lot2 };
}

export async function later(seconds: bigint = 30n * DAY): Promise<bigint> {
  return BigInt(await time.latest()) + seconds;
}

export interface OrderTerms {
  gtin?: bigint;
  quantity?: number;
  deliverBy?: bigint;
  documentHash?: string;
}

/** `buyer` orders from `seller`; returns the order id. */
export async function placeOrder(
  w: TradeWorld,
  buyer: HardhatEthersSigner,
  seller: HardhatEthersSigner,
  t: OrderTerms = {},
): Promise<bigint> {
  await w.orders
    .connect(buyer)
    .placeOrder(
      seller.address,
      t.gtin ?? GTIN,
      t.quantity ?? 10,
      t.deliverBy ?? (await later()),
      t.documentHash ?? bytes32("purchase order"),
    );
  return w.orders.orderCount();
}

/** An order placed and confirmed, naming the quantity and price it was placed with. */
export async function confirmedOrder(
  w: TradeWorld,
  buyer: HardhatEthersSigner,
  seller: HardhatEthersSigner,
  t: OrderTerms = {},
): Promise<bigint> {
  const id = await placeOrder(w, buyer, seller, t);
  const { quantity, pricePerPack } = await w.orders.order(id);
  await w.orders.connect(seller).confirmOrder(id, quantity, pricePerPack, bytes32("order acknowledgement"));
  return id;
}

/** `[start, end)` of a lot with its lot number, for {shipForOrder}. */
export interface OrderRange {
  lot: TradeLot;
  start: number;
  end: number;
  hint?: number;
}

/** `seller` ships ranges against order `orderId` to `buyer` (no transporter unless given). */
export function shipForOrder(
  w: TradeWorld,
  seller: HardhatEthersSigner,
  orderId: bigint | number,
  buyer: string,
  ranges: OrderRange[],
  transporter: string = ZERO,
): Promise<ContractTransactionResponse> {
  return w.custody.connect(seller).shipForOrder(
    orderId,
    buyer,
    transporter,
    bytes32("shipping notice"),
    ranges.map((r) => range(r.lot.lotId, r.start, r.end, r.hint ?? 0)),
    ranges.map((r) => r.lot.lotNumber),
  );
}

/** The whole of `lot` goes from its manufacturer to `to` (received). */
export async function deliverLot(
  w: TradeWorld,
  lot: TradeLot,
  to: HardhatEthersSigner,
  from = w.manufacturer,
): Promise<void> {
  await w.custody.connect(from).ship(to.address, ZERO, bytes32("notice"), [range(lot.lotId, 0, lot.units, 0)]);
  await w.custody.connect(to).receiveShipment(await w.custody.shipmentCount());
}

/** The lots' ids in increasing order, as {inventory} takes them. */
export function sortedLotIds(lots: readonly { lotId: string }[]): string[] {
  return lots.map((l) => l.lotId).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}
