/**
 * Contract errors, explained: finds the revert data wherever ethers 6 (or the node behind it) left it, decodes it
 * against one combined Interface of every error the protocol's contracts can raise, and renders a sentence a
 * pharmacist or an operator understands.
 *
 * - {@link decodeRevert}: the {@link ContractRevertError} for a known error, else `undefined`.
 * - {@link explainError}: always a {@link PharmaChainError}; use it in every `catch` around a contract call.
 * - {@link REVERT_MESSAGES}: the sentences, one per error name, kept in one table for review.
 * - {@link REVERT_ABIS}: the contracts whose errors are known (the registry, lots, custody and its order book). A new
 *   contract needs its ABI added there and its errors' sentences added to {@link REVERT_MESSAGES}; the completeness
 *   test then covers it.
 * - {@link formatPrice}: a price in millionths of a currency unit as people read it (`1.25 USD`).
 */
import { ErrorDescription, ErrorFragment, Interface, Result, getAddress, isHexString } from "ethers";
import type { JsonFragment } from "ethers";
import { PackCustody__factory } from "../../typechain-types/factories/contracts/PackCustody__factory";
import { ProductLots__factory } from "../../typechain-types/factories/contracts/ProductLots__factory";
import { StakeholderRegistry__factory } from "../../typechain-types/factories/contracts/StakeholderRegistry__factory";
import { TradeOrders__factory } from "../../typechain-types/factories/contracts/TradeOrders__factory";
import { ContractRevertError, PharmaChainError, TransactionError } from "./errors";
import { gtin14 } from "./gs1";

// ---------------------------------------------------------------------------------------------------------- the ABIs

/** An ABI as TypeChain's factories export it (`X__factory.abi`) or as a Hardhat artifact holds it. */
export type ContractAbi = ReadonlyArray<JsonFragment>;

/**
 * The ABIs whose errors {@link decodeRevert} knows. Each already lists the errors of `contracts/Common.sol` it uses and
 * those of the OpenZeppelin code it inherits (AccessControl, Pausable, EIP-712 short strings, SafeCast), and of the
 * libraries it calls. Add a contract's ABI here to know its errors.
 */
export const REVERT_ABIS: ReadonlyArray<ContractAbi> = [
  StakeholderRegistry__factory.abi,
  ProductLots__factory.abi,
  PackCustody__factory.abi,
  TradeOrders__factory.abi,
];

/** Solidity's built-in errors: `require(cond, "reason")` / `revert("reason")`, and `assert`, overflow and the like. */
const BUILTIN_ERRORS: ReadonlyArray<string> = ["error Error(string reason)", "error Panic(uint256 code)"];

/** One error of the combined Interface, with the ABI's internal types (which name the enums) of its inputs. */
interface KnownError {
  fragment: ErrorFragment;
  internalTypes: ReadonlyArray<string | undefined>;
}

/** The error fragments of `abis`, once each; throws if two different errors share a selector. */
function collectErrors(abis: ReadonlyArray<ContractAbi>): Map<string, KnownError> {
  const bySelector = new Map<string, KnownError>();
  for (const abi of abis) {
    for (const entry of abi) {
      if (entry.type !== "error") continue;
      const fragment = ErrorFragment.from(entry);
      const seen = bySelector.get(fragment.selector);
      if (seen) {
        if (seen.fragment.format("sighash") !== fragment.format("sighash")) {
          throw new Error(
            `errors ${seen.fragment.format("sighash")} and ${fragment.format("sighash")} share a selector`,
          );
        }
        continue;
      }
      bySelector.set(fragment.selector, {
        fragment,
        internalTypes: (entry.inputs ?? []).map((input) => input.internalType),
      });
    }
  }
  for (const signature of BUILTIN_ERRORS) {
    const fragment = ErrorFragment.from(signature);
    bySelector.set(fragment.selector, { fragment, internalTypes: [] });
  }
  return bySelector;
}

const KNOWN_ERRORS: ReadonlyMap<string, KnownError> = collectErrors(REVERT_ABIS);

/**
 * One Interface of every error in {@link REVERT_ABIS}, plus `Error(string)` and `Panic(uint256)`: decode with
 * `parseError`, or build test data with `encodeErrorResult`.
 */
export const REVERT_INTERFACE: Interface = new Interface([...KNOWN_ERRORS.values()].map((known) => known.fragment));

// ----------------------------------------------------------------------------------------------------- the enums

/** An enum's members in declaration order: the name, and how a sentence says it. */
type EnumTable = ReadonlyArray<readonly [name: string, words: string]>;

/** `Role` in `contracts/Common.sol`. */
const ROLE: EnumTable = [
  ["None", "stakeholder"],
  ["Regulator", "regulator"],
  ["Manufacturer", "manufacturer"],
  ["Distributor", "distributor"],
  ["Transporter", "transporter"],
  ["Dispenser", "dispenser (pharmacy)"],
];

/** `StakeholderStatus` in `contracts/Common.sol`. */
const STAKEHOLDER_STATUS: EnumTable = [
  ["None", "not registered"],
  ["Applied", "still awaiting approval"],
  ["Active", "active"],
  ["Suspended", "suspended"],
  ["Revoked", "revoked"],
];

/** `PackState` in `contracts/Common.sol`. */
const PACK_STATE: EnumTable = [
  ["Active", "active"],
  ["InTransit", "in transit"],
  ["Suspect", "quarantined as suspect"],
  ["Illegitimate", "confirmed illegitimate"],
  ["Dispensed", "dispensed"],
  ["Destroyed", "destroyed"],
  ["Exported", "exported"],
  ["Sample", "taken as a sample"],
  ["FreeSample", "given as a free sample"],
  ["Stolen", "reported stolen"],
  ["Locked", "locked"],
];

/** `IProductLots.ProductStatus`. */
const PRODUCT_STATUS: EnumTable = [
  ["None", "not registered"],
  ["Proposed", "still awaiting a regulator's approval"],
  ["Approved", "approved"],
  ["Rejected", "rejected"],
];

/** `IProductLots.LotStatus`. */
const LOT_STATUS: EnumTable = [
  ["None", "not recorded"],
  ["Pending", "awaiting its second signature"],
  ["Released", "released"],
];

/** `IPackCustody.ShipmentStatus`. */
const SHIPMENT_STATUS: EnumTable = [
  ["None", "unknown"],
  ["Created", "created and not yet picked up"],
  ["PickedUp", "picked up by the transporter"],
  ["HandedOver", "handed over to the buyer by the transporter"],
  ["Received", "already received"],
  ["Rejected", "rejected by the buyer"],
  ["Cancelled", "cancelled by the seller"],
  ["Voided", "voided by a regulator"],
];

/** `IPackCustody.Verdict`. */
const VERDICT: EnumTable = [
  ["Verified", "verified"],
  ["UnknownProduct", "unknown product"],
  ["UnknownLot", "unknown lot"],
  ["UnknownSerial", "unknown serial"],
  ["LotOrExpiryMismatch", "lot or expiry mismatch"],
  ["LotNotReleased", "lot not released"],
  ["Recalled", "recalled"],
  ["Expired", "expired"],
  ["Illegitimate", "illegitimate"],
  ["Suspect", "suspect"],
  ["Decommissioned", "decommissioned"],
];

/** `ITradeOrders.OrderStatus`: how a sentence says an order's status ("order 7 is ..."). */
const ORDER_STATUS: EnumTable = [
  ["None", "unknown"],
  ["Placed", "placed and awaiting the seller's answer"],
  ["Confirmed", "confirmed, with nothing shipped yet"],
  ["PartlyShipped", "partly shipped"],
  ["Shipped", "fully shipped, awaiting receipt"],
  ["Delivered", "delivered"],
  ["Declined", "declined by the seller"],
  ["Cancelled", "cancelled"],
];

/** `ITradeOrders.OfferStatus`: how a sentence says a price offer's status ("price offer 3 is ..."). */
const OFFER_STATUS: EnumTable = [
  ["None", "unknown"],
  ["Open", "open"],
  ["Countered", "already answered with a counter-offer"],
  ["Accepted", "already accepted"],
  ["Declined", "declined"],
  ["Withdrawn", "withdrawn by its maker"],
  ["Expired", "expired"],
];

/** The enums by the last part of their ABI internal type (`enum IPackCustody.ShipmentStatus` → `ShipmentStatus`). */
const ENUMS: Readonly<Record<string, EnumTable>> = {
  Role: ROLE,
  StakeholderStatus: STAKEHOLDER_STATUS,
  PackState: PACK_STATE,
  ProductStatus: PRODUCT_STATUS,
  LotStatus: LOT_STATUS,
  ShipmentStatus: SHIPMENT_STATUS,
  Verdict: VERDICT,
  OrderStatus: ORDER_STATUS,
  OfferStatus: OFFER_STATUS,
};

/** The reasons of Solidity's `Panic(uint256)` codes. */
const PANIC_REASONS: Readonly<Record<number, string>> = {
  0x00: "a generic compiler panic",
  0x01: "a failed internal assertion",
  0x11: "an arithmetic overflow or underflow",
  0x12: "a division or modulo by zero",
  0x21: "a value out of an enum's range",
  0x22: "a corrupt storage byte array",
  0x31: "a pop from an empty array",
  0x32: "an array index out of bounds",
  0x41: "too much memory requested",
  0x51: "a call to an uninitialised function",
};

/** Argument names that hold unix seconds, shown as ISO dates in the details too. */
const TIMESTAMP_ARGS: ReadonlySet<string> = new Set([
  "expiresAt",
  "validUntil",
  "deadline",
  "closedAt",
  "schedule",
  "deliverBy",
]);

// ------------------------------------------------------------------------------------------------ formatting

/** A decoded argument was missing or not of the expected type: the sentence falls back to a generic one. */
class RevertFormatError extends Error {}

function bigintOf(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  throw new RevertFormatError(`expected an integer, got ${typeof value}`);
}

function stringOf(value: unknown): string {
  if (typeof value === "string") return value;
  throw new RevertFormatError(`expected a string, got ${typeof value}`);
}

function hexOf(value: unknown): string {
  const hex = stringOf(value);
  if (!isHexString(hex)) throw new RevertFormatError(`expected hex data, got "${hex}"`);
  return hex.toLowerCase();
}

/** A number, in decimal. */
function num(value: unknown): string {
  return bigintOf(value).toString();
}

function isZeroAddress(value: unknown): boolean {
  return /^0x0{40}$/.test(getAddress(hexOf(value)));
}

/** An account, checksummed; the zero address said as such. */
function account(value: unknown): string {
  const address = getAddress(hexOf(value));
  return isZeroAddress(address) ? `${address} (no account)` : address;
}

/** A lot id, shortened: `0x12ab34cd…9f0e` (the full id is in the details). */
function lot(value: unknown): string {
  const hex = hexOf(value);
  return hex.length > 16 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex;
}

/** A pack by its place in its lot's manifest. */
function pack(index: unknown, lotId: unknown): string {
  return `pack ${num(index)} of lot ${lot(lotId)}`;
}

/** The largest unix time a JavaScript `Date` can hold, in seconds. */
const MAX_DATE_SECONDS = 8_640_000_000_000n;

/** Unix seconds as an ISO date, `2026-11-22T10:00:00Z`. */
function date(value: unknown): string {
  const seconds = bigintOf(value);
  if (seconds < 0n || seconds > MAX_DATE_SECONDS) return `unix time ${seconds} (beyond any calendar date)`;
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** A GTIN as its 14 digits. */
function gtin(value: unknown): string {
  return `GTIN ${gtin14(bigintOf(value))}`;
}

/** A GLN as its 13 digits. */
function gln(value: unknown): string {
  return `GLN ${bigintOf(value).toString().padStart(13, "0")}`;
}

/** The characters of a short `bytesN` code (a country, a currency) when all are printable, else undefined. */
function codeText(hex: string): string | undefined {
  const chars = (hex.slice(2).match(/../g) ?? []).map((byte) => parseInt(byte, 16));
  const printable = chars.length > 0 && chars.every((c) => c >= 0x20 && c < 0x7f);
  return printable ? String.fromCharCode(...chars) : undefined;
}

/** A `bytes2` country code (or a `bytes3` currency code) as its characters when printable, with the raw bytes. */
function jurisdiction(value: unknown): string {
  const hex = hexOf(value);
  const text = codeText(hex);
  return text === undefined ? hex : `"${text}" (${hex})`;
}

/** Millionths of a currency unit as a decimal number: 1250000 → "1.25", 3000000 → "3", 5 → "0.000005". */
export function millionthsToDecimal(millionths: bigint): string {
  const sign = millionths < 0n ? "-" : "";
  const abs = millionths < 0n ? -millionths : millionths;
  const units = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${sign}${units}${fraction ? `.${fraction}` : ""}`;
}

/**
 * A price per pack as people read it, `1.25 USD`: `pricePerPack` in millionths of the currency unit, `currency` an
 * ISO 4217 code as text ("USD") or as the contracts' `bytes3` ("0x555344"). No currency (zero bytes): the number alone.
 */
export function formatPrice(pricePerPack: bigint, currency: string): string {
  let code = currency;
  if (isHexString(currency, 3))
    code = /^0x0{6}$/.test(currency) ? "" : (codeText(currency.toLowerCase()) ?? currency.toLowerCase());
  return code ? `${millionthsToDecimal(pricePerPack)} ${code}` : millionthsToDecimal(pricePerPack);
}

/** A price per pack in millionths of the order's currency unit, 0 for none: "at 1.25 a pack". */
function atPrice(value: unknown): string {
  const millionths = bigintOf(value);
  return millionths === 0n ? "without a contract price" : `at ${millionthsToDecimal(millionths)} a pack`;
}

/** A text argument, quoted. */
function quoted(value: unknown): string {
  return JSON.stringify(stringOf(value));
}

/** How a sentence says an enum value; an out-of-range value (never raised by the contracts) said as such. */
function enumWords(table: EnumTable, value: unknown): string {
  const n = bigintOf(value);
  const member = n < BigInt(table.length) ? table[Number(n)] : undefined;
  return member ? member[1] : `unknown (${n})`;
}

/** An AccessControl role hash: `DEFAULT_ADMIN_ROLE` is the regulator council's. */
function accessRole(value: unknown): string {
  const hex = hexOf(value);
  return /^0x0{64}$/.test(hex) ? "the regulator council's admin role" : `the role ${lot(hex)}`;
}

const role = (value: unknown): string => enumWords(ROLE, value);
const stakeholderStatus = (value: unknown): string => enumWords(STAKEHOLDER_STATUS, value);
const packState = (value: unknown): string => enumWords(PACK_STATE, value);
const productStatus = (value: unknown): string => enumWords(PRODUCT_STATUS, value);
const shipmentStatus = (value: unknown): string => enumWords(SHIPMENT_STATUS, value);
const orderStatus = (value: unknown): string => enumWords(ORDER_STATUS, value);
const offerStatus = (value: unknown): string => enumWords(OFFER_STATUS, value);

/** A count of things: "1 range", "3 ranges". */
function count(value: unknown, one: string, many = `${one}s`): string {
  const n = bigintOf(value);
  return `${n} ${n === 1n ? one : many}`;
}

/** "a regulator", "an active" ...: the article for `words`. */
function withArticle(words: string): string {
  return /^[aeiou]/i.test(words) ? `an ${words}` : `a ${words}`;
}

// ------------------------------------------------------------------------------------------------ the sentences

/** The decoded arguments of a revert, by name (`ContractRevertError.args`). */
export type RevertArgs = Readonly<Record<string, unknown>>;

/** Renders the sentence of one error from its decoded arguments; throws if an argument is missing or mistyped. */
export type RevertMessage = (args: RevertArgs) => string;

const PATHS =
  "manufacturer to distributor or pharmacy; distributor to distributor, pharmacy or back to the lot's manufacturer; " +
  "pharmacy to distributor or back to the lot's manufacturer";

/**
 * A sentence for every error the protocol can raise, keyed by error name, for a pharmacist or an operator. The
 * meanings follow the contracts' NatSpec and the places each error is raised (contracts/, contracts/interfaces/).
 */
export const REVERT_MESSAGES: Readonly<Record<string, RevertMessage>> = {
  // ---------------------------------------------------------------- shared (contracts/Common.sol)
  ProtocolPaused: () =>
    "The protocol is paused by the regulator council: no changes can be made until it is resumed. Checking packs still works.",
  UnauthorisedAccount: (a) =>
    bigintOf(a.neededRole) === 0n
      ? `Account ${account(a.account)} may not do this: it is not an active, licensed stakeholder in a role allowed to do it.`
      : `Account ${account(a.account)} may not do this: it is not ${withArticle(`active, licensed ${role(a.neededRole)}`)}. ` +
        "Its registration may be missing, pending, suspended or revoked, or its licence may have expired.",

  // ---------------------------------------------------------------- StakeholderRegistry
  RegistryInvalidRole: (a) =>
    `Nobody can apply for the role "${ROLE[Number(bigintOf(a.role))]?.[0] ?? num(a.role)}": apply as a manufacturer, ` +
    "distributor, transporter or dispenser. Regulators are appointed by the regulator council.",
  RegistryAlreadyRegistered: (a) =>
    `Account ${account(a.account)} is already registered: an account can hold only one registration.`,
  RegistryUnknownStakeholder: (a) => `Account ${account(a.account)} is not registered as a stakeholder.`,
  RegistryInvalidStatus: (a) =>
    `The registration of ${account(a.account)} is ${stakeholderStatus(a.status)}, which does not allow this change.`,
  RegistryInvalidValidity: (a) => `The licence end date ${date(a.validUntil)} is not in the future.`,
  RegistryInvalidGln: (a) =>
    `${gln(a.gln)} is not a valid location number: a GLN has 13 digits and a valid check digit.`,
  RegistryInvalidJurisdiction: (a) =>
    `${jurisdiction(a.jurisdiction)} is not a valid jurisdiction: use a two-letter country code in capitals, such as BD or US.`,
  RegistryNotAllowed: (a) =>
    `Account ${account(a.caller)} may not rule on the registration of ${account(a.account)}: nobody rules on their own ` +
    "registration, and only the regulator council rules on a regulator's.",
  RegistryZeroAddress: () => "The zero address cannot be registered: give a real account.",
  RegistrySameApprover: (a) =>
    `Account ${account(a.approver)} proposed revoking ${account(a.account)} and cannot also confirm it: a revocation ` +
    "needs a second key, another regulator or the regulator council.",

  // ---------------------------------------------------------------- OpenZeppelin, inherited by StakeholderRegistry
  AccessControlUnauthorizedAccount: (a) =>
    `Account ${account(a.account)} may not do this: it needs ${accessRole(a.neededRole)}.`,
  AccessControlBadConfirmation: () => "A role can only be given up by its holder, confirming its own address.",
  AccessControlEnforcedDefaultAdminDelay: (a) =>
    bigintOf(a.schedule) === 0n
      ? "No handover of the regulator council's admin role is scheduled."
      : `The handover of the regulator council's admin role can be completed only after ${date(a.schedule)}.`,
  AccessControlEnforcedDefaultAdminRules: () =>
    "The regulator council's admin role can only be handed over through the two-step, delayed transfer: it cannot be " +
    "granted or revoked directly.",
  AccessControlInvalidDefaultAdmin: (a) =>
    `Account ${account(a.defaultAdmin)} cannot take over the regulator council's admin role: it is not the pending new admin.`,
  EnforcedPause: () => "The protocol is already paused.",
  ExpectedPause: () => "The protocol is not paused, so there is nothing to resume.",
  SafeCastOverflowedUintDowncast: (a) => `The value ${num(a.value)} is too large: it must fit in ${num(a.bits)} bits.`,

  // ---------------------------------------------------------------- ProductLots: products
  ProductsInvalidGtin: (a) =>
    `${gtin(a.gtin)} is not a valid product code: a GTIN has at most 14 digits and a valid check digit.`,
  ProductsAlreadyRegistered: (a) => `Product ${gtin(a.gtin)} is already registered.`,
  ProductsUnknownProduct: (a) => `Product ${gtin(a.gtin)} is not registered.`,
  ProductsInvalidStatus: (a) =>
    `Product ${gtin(a.gtin)} is ${productStatus(a.status)}: only a product awaiting approval can be approved or rejected.`,
  ProductsManufacturerNotRevoked: (a) =>
    `Product ${gtin(a.gtin)} cannot move to a successor: its manufacturer ${account(a.manufacturer)} is not revoked.`,
  ProductsInvalidSuccessor: (a) =>
    `Product ${gtin(a.gtin)} cannot move to ${account(a.successor)}: the successor must be an active, licensed manufacturer.`,

  // ---------------------------------------------------------------- ProductLots: lots
  LotsZeroAddress: () => "An account is missing: the zero address was given.",
  LotsZeroUnits: () => "A lot must contain at least one pack.",
  LotsInvalidLotNumber: (a) =>
    `${quoted(a.lotNumber)} is not a valid lot number: use 1 to 20 letters, digits or GS1 punctuation characters.`,
  LotsInvalidLotId: (a) =>
    `The lot id ${lot(a.lotId)} does not match the product and lot number given, which make ${lot(a.expected)}.`,
  LotsAlreadyExpired: (a) => `The lot's expiry date ${date(a.expiresAt)} has already passed.`,
  LotsInvalidExpiry: (a) => `The expiry date ${date(a.expiresAt)} is too far in the future.`,
  LotsExpiredDeadline: (a) =>
    `The signatures expired on ${date(a.deadline)}: sign the lot's attestation again with a later deadline.`,
  LotsProductNotApproved: (a) =>
    `Product ${gtin(a.gtin)} is ${productStatus(a.status)}: lots can be recorded only for approved products.`,
  LotsWrongManufacturer: (a) =>
    `Product ${gtin(a.gtin)} belongs to manufacturer ${account(a.expected)}, not to ${account(a.manufacturer)} named for the lot.`,
  LotsAlreadyCommissioned: (a) => `Lot ${lot(a.lotId)} is already recorded.`,
  LotsMissingSignatures: () =>
    "A signature is missing: give the manufacturer's or the regulator's signature (both to release the lot).",
  LotsInvalidSigner: (a) =>
    (a.asRegulator === true
      ? `Account ${account(a.signer)} may not sign for the regulator: it must be an active, licensed regulator, other than ` +
        "the account that signed for the manufacturer."
      : `Account ${account(a.signer)} may not sign for the manufacturer: it must be the manufacturer or a signing key the ` +
        "manufacturer authorised, other than the account that signs for the regulator (a manufacturer need not authorise itself).") +
    " A lot is released only while both of its signers may still sign.",
  LotsInvalidSignature: (a) =>
    `The signature given for ${account(a.signer)} is not valid: it was made with another key, for other lot data, or for ` +
    "another network or contract.",
  LotsUnknownLot: (a) => `Lot ${lot(a.lotId)} is not recorded.`,
  LotsAttestationMismatch: (a) =>
    `The lot data given does not match lot ${lot(a.lotId)} as recorded (expiry, number of packs, manifest, batch record ` +
    "or manufacturer).",
  LotsAlreadyReleased: (a) => `Lot ${lot(a.lotId)} is already released: it has both signatures.`,
  LotsAlreadyRecalled: (a) => `Lot ${lot(a.lotId)} is already recalled.`,
  LotsNotPending: (a) => `Lot ${lot(a.lotId)} cannot be voided: only a lot still awaiting its second signature can be.`,
  LotsAttestationVoided: (a) =>
    `The lot attestation with digest ${hexOf(a.digest)} was voided, so it and its signatures can never record or release ` +
    "a lot: sign a corrected attestation (a new deadline will do) instead.",
  LotsNotCouncil: (a) =>
    `Account ${account(a.account)} is not the regulator council: only the council can lift a recall or move a product.`,
  LotsNotRecalled: (a) => `Lot ${lot(a.lotId)} is not recalled, so there is no recall to lift.`,

  // ---------------------------------------------------------------- OpenZeppelin, inherited by ProductLots (EIP-712)
  InvalidShortString: () => "The contract's name or version is not a valid short text.",
  StringTooLong: (a) => `The text ${quoted(a.str)} is too long.`,

  // ---------------------------------------------------------------- PackCustody
  CustodyZeroAddress: () => "A contract address is missing: the zero address was given.",
  CustodyInvalidRange: (a) =>
    `The range of packs from ${num(a.start)} up to, not including, ${num(a.end)} of lot ${lot(a.lotId)} is not valid: ` +
    "it must hold at least one pack and may not go past the lot's last pack.",
  CustodyUnknownPack: (a) => `Lot ${lot(a.lotId)} has no pack ${num(a.index)}.`,
  CustodyUnknownLot: (a) => `Lot ${lot(a.lotId)} is not recorded.`,
  CustodyLotNotReleased: (a) =>
    `Lot ${lot(a.lotId)} is not released yet: it still awaits its second signature (the manufacturer's or the regulator's).`,
  CustodyLotRecalled: (a) =>
    `Lot ${lot(a.lotId)} is recalled: its packs can only go back to the manufacturer or be destroyed.`,
  CustodyLotExpired: (a) =>
    `Lot ${lot(a.lotId)} expired on ${date(a.expiresAt)}: its packs can no longer move or be dispensed, only be destroyed.`,
  CustodyNotHolder: (a) => `You do not hold ${pack(a.index, a.lotId)}: it is held by ${account(a.holder)}.`,
  CustodyPackNotActive: (a) =>
    `${capitalise(pack(a.index, a.lotId))} is ${packState(a.state)}, not active: it cannot be moved or changed now.`,
  CustodyAlreadyDecommissioned: (a) =>
    `${capitalise(pack(a.index, a.lotId))} has already left the supply chain (${packState(a.state)}). A second scan of ` +
    "the same code may mean a cloned pack: do not hand it out, and report it.",
  CustodyInvalidBuyer: (a) =>
    isZeroAddress(a.buyer)
      ? "A shipment needs a buyer: none was given (the zero address)."
      : `${account(a.buyer)} cannot be the buyer: a seller cannot ship to itself.`,
  CustodyPathNotAllowed: (a) =>
    `Packs cannot be shipped from ${account(a.seller)} to ${account(a.buyer)}. The allowed paths are: ${PATHS}.`,
  CustodyEmptyShipment: () => "A shipment must contain at least one range of packs.",
  CustodyUnknownShipment: (a) => `Shipment ${num(a.shipmentId)} does not exist.`,
  CustodyInvalidShipmentStatus: (a) =>
    `Shipment ${num(a.shipmentId)} is ${shipmentStatus(a.status)}, which does not allow this step.`,
  CustodyNotParty: (a) =>
    `Account ${account(a.account)} may not do this for shipment ${num(a.shipmentId)}: only its buyer, seller or ` +
    "transporter, as the step requires, may.",
  CustodyNotInShipment: (a) =>
    `${capitalise(pack(a.index, a.lotId))} is not on its way in shipment ${num(a.shipmentId)}.`,
  CustodyInvalidDecommission: (a) =>
    `A pack cannot be taken out of the supply chain as "${packState(a.state)}": choose dispensed, destroyed, exported, ` +
    "sample, free sample, stolen or locked.",
  CustodyUnknownSerial: (a) =>
    `The serial number ${quoted(a.serial)} is not ${pack(a.index, a.lotId)} in the manufacturer's list. Check the scan; ` +
    "if it is right, the pack may be falsified: set it aside.",
  CustodyUndoNotAllowed: (a) =>
    `This cannot be undone for ${pack(a.index, a.lotId)}, which is ${packState(a.state)}: only packs dispensed, ` +
    "exported, taken as samples or locked can be made active again, one decommission at a time, never stolen or destroyed ones.",
  CustodyUndoWindowClosed: (a) =>
    `It is too late to undo this for ${pack(a.index, a.lotId)}: the 10-day window closed on ${date(a.closedAt)}.`,
  CustodyNotSuspect: (a) =>
    `${capitalise(pack(a.index, a.lotId))} is ${packState(a.state)}: only a pack quarantined as suspect can be cleared ` +
    "or confirmed illegitimate.",
  CustodyNotDecommissioned: (a) =>
    `${capitalise(pack(a.index, a.lotId))} is ${packState(a.state)}: a cloned code can only be reported for a pack ` +
    "that has already left the supply chain.",
  CustodyInvalidGln: (a) =>
    `${gln(a.gln)} is not a valid location: give a 13-digit GLN with a valid check digit, or none.`,
  CustodySameApprover: (a) =>
    `Account ${account(a.account)} proposed this ruling (${lot(a.proposalId)}) and cannot also complete it: ` +
    "confirming packs illegitimate needs a second key, another regulator or the regulator council.",
  CustodyNotIllegitimate: (a) =>
    `${capitalise(pack(a.index, a.lotId))} is ${packState(a.state)}: only packs confirmed illegitimate are destroyed ` +
    "this way; destroy other packs with decommission.",
  CustodyCloneAlreadyReported: (a) =>
    `Account ${account(a.reporter)} has already reported a clone of ${pack(a.index, a.lotId)}: one report per pack ` +
    "and reporter is kept.",
  CustodyNotRunStart: (a) =>
    `Pack ${num(a.index)} of lot ${lot(a.lotId)} does not start a run of packs: a page of runs starts at 0 or at the ` +
    "next run a previous page named.",
  CustodyShipmentIdsExhausted: () =>
    "Custody has made every shipment id a run's record can hold (4,294,967,295): no further shipment is possible.",
  CustodyHoldersExhausted: () =>
    "Custody has given every holder id (16,777,215 accounts have held packs): no new account can take custody.",

  // ---------------------------------------------------------------- TradeOrders, custody's order book
  TradeZeroAddress: () =>
    "The order book needs the registry's and the lots contract's addresses: the zero address was given.",
  TradeNotCustody: (a) =>
    `Account ${account(a.caller)} may not report shipments to the order book: only the custody contract does, when a ` +
    "seller ships for an order.",
  TradeInvalidCounterparty: (a) =>
    isZeroAddress(a.account)
      ? "An order or a price offer needs another party: none was given (the zero address)."
      : `${account(a.account)} cannot be the other party: nobody orders from or makes an offer to itself.`,
  TradePathNotAllowed: (a) =>
    `${account(a.seller)} cannot sell to ${account(a.buyer)}: orders and price offers go from manufacturer to ` +
    "distributor, distributor to distributor or pharmacy, and returns back from pharmacy to distributor and from " +
    "distributor to manufacturer.",
  TradeProductNotApproved: (a) =>
    `Product ${gtin(a.gtin)} is ${productStatus(a.status)}: orders and price offers can be made only for approved products.`,
  TradeNotProductManufacturer: (a) =>
    `Product ${gtin(a.gtin)} is not made by ${account(a.account)}: a manufacturer buys and sells only its own products.`,
  TradeRoutedToPrimaryDistributor: (a) =>
    `Manufacturer ${account(a.manufacturer)} sells product ${gtin(a.gtin)} to distributors such as you through its ` +
    `primary distributor ${account(a.primaryDistributor)} (named for the product, your region or all its products): ` +
    "order from that distributor instead.",
  TradeZeroQuantity: () => "An order must be for at least one pack.",
  TradeInvalidDeliveryDate: (a) => `The requested delivery date ${date(a.deliverBy)} is not in the future.`,
  TradeUnknownOrder: (a) => `Order ${num(a.orderId)} does not exist.`,
  TradeNotOrderParty: (a) =>
    `Account ${account(a.account)} may not do this for order ${num(a.orderId)}: its buyer amends it, its seller ` +
    "confirms, declines and ships it, and either of them may cancel it.",
  TradeInvalidOrderStatus: (a) =>
    `Order ${num(a.orderId)} is ${orderStatus(a.status)}, which does not allow this step.`,
  TradeOrderChanged: (a) =>
    `Order ${num(a.orderId)} is for ${count(a.quantity, "pack")} ${atPrice(a.pricePerPack)}, not the ` +
    `${count(a.expectedQuantity, "pack")} ${atPrice(a.expectedPricePerPack)} confirmed: ` +
    (bigintOf(a.quantity) !== bigintOf(a.expectedQuantity)
      ? "the buyer amended it after it was read. "
      : "its price is the one recorded when it was placed. ") +
    "Read the order again, then confirm it as it is or decline it.",
  TradeWrongBuyer: (a) =>
    `Order ${num(a.orderId)} was not placed by ${account(a.buyer)}: a shipment for an order goes to the order's buyer.`,
  TradeLotNumbersMismatch: (a) =>
    `Give one lot number for each range of packs: the shipment has ${count(a.ranges, "range")} and ` +
    `${count(a.lotNumbers, "lot number")}.`,
  TradeWrongProduct: (a) =>
    `Lot ${lot(a.lotId)} is not of the product of order ${num(a.orderId)}, or the lot number given for it is wrong: ` +
    "ship only packs of the product ordered.",
  TradeQuantityExceeded: (a) =>
    `The shipment has ${count(a.packs, "pack")} but order ${num(a.orderId)} has only ${count(a.open, "pack")} still ` +
    "open (ordered and not already on the way or received).",
  TradeUnknownOffer: (a) => `Price offer ${num(a.offerId)} does not exist.`,
  TradeNotOfferParty: (a) =>
    `Account ${account(a.account)} may not do this for price offer ${num(a.offerId)}: only the party it is addressed ` +
    "to may accept, decline or counter it, and only the party that made it may withdraw it.",
  TradeInvalidOfferStatus: (a) =>
    `Price offer ${num(a.offerId)} is ${offerStatus(a.status)}: only an open offer can be accepted, declined, ` +
    "countered or withdrawn.",
  TradeOfferExpired: (a) =>
    `Price offer ${num(a.offerId)} expired on ${date(a.validUntil)}: it can no longer be answered; ask for a new offer.`,
  TradeInvalidValidity: (a) =>
    `An offer valid until ${date(a.validUntil)} is not possible: the end of its validity must be in the future ` +
    "(and no later than the year 36812).",
  TradeInvalidCurrency: (a) =>
    `${jurisdiction(a.currency)} is not a valid currency: use a three-letter ISO 4217 code in capitals, such as USD or BDT.`,
  TradeInvalidRegion: (a) =>
    `${jurisdiction(a.region)} is not a valid region: use a two-letter country code in capitals, such as BD or US.`,
  TradeUnsortedLots: (a) =>
    `The lots of an inventory query must be listed once each, in increasing order of lot id: the one at position ` +
    `${num(a.index)} (counting from 0) is not after the one before it.`,
  TradeZeroPageSize: () => "An inventory page must read at least one run of packs: give a page size above zero.",

  // ---------------------------------------------------------------- PackRunsDense, custody's run store
  PackRunsDenseAuxTooLarge: (a) =>
    `The value ${num(a.aux)} does not fit a run's 32-bit field (a shipment id or a time in seconds before 2106): ` +
    "the custody record cannot hold it.",

  // ---------------------------------------------------------------- Solidity built-ins
  Error: (a) => {
    const reason = stringOf(a.reason).trim();
    return reason ? `The contract refused: ${reason}` : "The contract refused the operation without giving a reason.";
  },
  Panic: (a) => {
    const code = bigintOf(a.code);
    const reason = code <= 0xffn ? PANIC_REASONS[Number(code)] : undefined;
    return (
      `The contract stopped on an internal error (${reason ?? "an unknown panic"}, code 0x${code.toString(16)}). ` +
      "This is a fault in the contract: please report it."
    );
  },
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ------------------------------------------------------------------------------------------------ decoding

/** A decoded value as `ContractRevertError.args` holds it: ethers' `Result`s turned into plain arrays. */
function plain(value: unknown): unknown {
  return value instanceof Result ? value.toArray(true) : value;
}

/** One argument for the details: raw value, and the enum member or the date it stands for. */
function detailOf(name: string, type: string, internalType: string | undefined, value: unknown): string {
  if (typeof value === "bigint") {
    const enumName = internalType?.startsWith("enum ")
      ? internalType
          .split(".")
          .pop()
          ?.replace(/^enum /, "")
      : undefined;
    const table = enumName ? ENUMS[enumName] : undefined;
    if (table) return `${value} (${table[Number(value)]?.[0] ?? "out of range"})`;
    if (TIMESTAMP_ARGS.has(name) && type.startsWith("uint")) return `${value} (${date(value)})`;
    return value.toString();
  }
  if (typeof value === "string") return type === "string" ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return `[${value.map((v) => detailOf("", "", undefined, v)).join(", ")}]`;
  return String(value);
}

/** `CustodyNotHolder(lotId=0x…, index=17, holder=0x…)`: the raw name and arguments. */
function detailsOf(
  fragment: ErrorFragment,
  description: ErrorDescription,
  internalTypes: ReadonlyArray<string | undefined>,
): string {
  const parts = fragment.inputs.map(
    (input, i) =>
      `${input.name || `arg${i}`}=${detailOf(input.name, input.type, internalTypes[i], plain(description.args[i]))}`,
  );
  return `${description.name}(${parts.join(", ")})`;
}

/**
 * Decodes revert data (selector and arguments, as hex) into a {@link ContractRevertError} with its sentence;
 * `undefined` when the selector is not a known error or the arguments do not decode.
 */
export function decodeRevertData(data: string, options: { cause?: unknown } = {}): ContractRevertError | undefined {
  if (!isRevertHex(data) || data.length < 10) return undefined;
  let description: ErrorDescription | null;
  try {
    description = REVERT_INTERFACE.parseError(data);
  } catch {
    return undefined;
  }
  if (!description) return undefined;
  const known = KNOWN_ERRORS.get(description.selector);
  // ethers decodes Error and Panic with its own unnamed fragments: take the names from ours.
  const fragment = known?.fragment ?? description.fragment;
  const args: Record<string, unknown> = {};
  fragment.inputs.forEach((input, i) => {
    args[input.name || `arg${i}`] = plain(description.args[i]);
  });
  Object.freeze(args);
  const render = REVERT_MESSAGES[description.name];
  let sentence: string | undefined;
  if (render) {
    try {
      sentence = render(args);
    } catch {
      // an argument the sentence cannot read (an ABI changed under it): the generic sentence and the details say it
    }
  }
  sentence ??= `The contract refused the operation (${description.name}).`;
  return new ContractRevertError(sentence, description.name, args, data.toLowerCase(), {
    details: detailsOf(fragment, description, known?.internalTypes ?? []),
    cause: options.cause,
  });
}

// ------------------------------------------------------------------------------------------------ finding the data

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `0x` followed by whole bytes. */
function isRevertHex(value: unknown): value is string {
  return typeof value === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(value);
}

/** Where ethers 6, Hardhat and JSON-RPC nodes nest an error or its data. Never `transaction` or `payload` (calldata). */
const NESTED_KEYS = ["data", "error", "info", "cause", "errors", "reason", "body"] as const;
/** The keys whose hex string value is revert data (`Revert`: Hardhat's `data.reason.Revert`). */
const DATA_KEYS = ["data", "Revert"] as const;
/** How deep the search goes: ethers nests at most four levels (`e.info.error.data.data`). */
const MAX_DEPTH = 8;

/** `node[key]`, or `undefined` if reading it throws (a getter, an ethers `Result` holding an error). */
function read(node: Record<string, unknown>, key: string): unknown {
  try {
    return node[key];
  } catch {
    return undefined;
  }
}

/**
 * `error` and every object nested in it where ethers 6, Hardhat and JSON-RPC nodes put an error or its data, breadth
 * first: `data`, `error`, `info`, `cause` chains, `errors` lists, and JSON `body` strings.
 */
function nestedNodes(error: unknown): Record<string, unknown>[] {
  const nodes: Record<string, unknown>[] = [];
  const seen = new Set<object>();
  let level: unknown[] = [error];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      if (!isRecord(node) || seen.has(node)) continue;
      seen.add(node);
      nodes.push(node);
      for (const key of NESTED_KEYS) {
        const value = read(node, key);
        try {
          if (key === "body" && typeof value === "string" && value.trimStart().startsWith("{"))
            next.push(JSON.parse(value));
          else if (Array.isArray(value)) next.push(...value);
          else if (isRecord(value)) next.push(value);
        } catch {
          // not JSON, or an unreadable list: nothing to find in it
        }
      }
    }
    level = next;
  }
  return nodes;
}

/**
 * Every revert data candidate in `error`, best first: hex strings under `data` keys of the nested errors; then
 * ethers' decoded `revert` re-encoded; then `return data: 0x…` in messages (Hardhat's wording).
 */
function revertDataCandidates(error: unknown): string[] {
  const found: string[] = isRevertHex(error) ? [error] : [];
  const fromRevert: string[] = [];
  const fromMessages: string[] = [];
  for (const node of nestedNodes(error)) {
    for (const key of DATA_KEYS) {
      const value = read(node, key);
      if (isRevertHex(value)) found.push(value);
    }
    const revert = read(node, "revert");
    if (isRecord(revert) && typeof revert.signature === "string" && Array.isArray(revert.args)) {
      try {
        const args: unknown[] = revert.args instanceof Result ? revert.args.toArray() : [...revert.args];
        fromRevert.push(REVERT_INTERFACE.encodeErrorResult(revert.signature, args));
      } catch {
        // an error this SDK does not know: its data, if any, is found under `data`
      }
    }
    const message = read(node, "message");
    if (typeof message === "string") {
      const match = /return data: (0x[0-9a-fA-F]*)/.exec(message);
      if (match && isRevertHex(match[1])) fromMessages.push(match[1]);
    }
  }
  return [...found, ...fromRevert, ...fromMessages];
}

/**
 * The revert data carried by `error`, wherever ethers 6 put it: `e.data`, `e.info.error.data`, `e.error.data` (a
 * transaction sent over JSON-RPC, where `e.revert` stays empty), Hardhat's `e.data.data`, `e.cause` chains, `e.revert`.
 * Data of a known error is preferred to other data; `"0x"` means the contract reverted without data; `undefined`
 * that no revert data was found.
 */
export function findRevertData(error: unknown): string | undefined {
  const candidates = revertDataCandidates(error);
  return (
    candidates.find((data) => data.length >= 10 && KNOWN_ERRORS.has(data.slice(0, 10).toLowerCase())) ??
    candidates.find((data) => data.length >= 10) ??
    candidates.find((data) => data === "0x")
  );
}

/**
 * The protocol error that `error` carries, decoded, with a sentence for a pharmacist or an operator; `undefined`
 * when `error` carries no revert data or data of an unknown error. A {@link ContractRevertError} is returned as is.
 */
export function decodeRevert(error: unknown): ContractRevertError | undefined {
  if (error instanceof ContractRevertError) return error;
  const data = findRevertData(error);
  return data === undefined ? undefined : decodeRevertData(data, { cause: error });
}

// ------------------------------------------------------------------------------------------------ explaining

/** Sentences for the ethers error codes that are not a contract's refusal. */
const ETHERS_CODE_MESSAGES: Readonly<Record<string, string>> = {
  INSUFFICIENT_FUNDS: "The account does not have enough ether to pay for this transaction.",
  NONCE_EXPIRED: "The transaction clashed with another one sent from the same account: send it again.",
  REPLACEMENT_UNDERPRICED:
    "A transaction from the same account is still pending: wait for it, or send again with a higher fee.",
  TRANSACTION_REPLACED: "The transaction was replaced by another one from the same account.",
  ACTION_REJECTED: "The transaction was rejected in the wallet.",
  NETWORK_ERROR: "The blockchain node could not be reached: check the connection and try again.",
  SERVER_ERROR: "The blockchain node could not be reached: check the connection and try again.",
  TIMEOUT: "The blockchain node did not answer in time: try again.",
  CALL_EXCEPTION: "The contract refused the operation, and the blockchain node did not say why.",
};

/** Node wordings of failures that ethers reports as `UNKNOWN_ERROR` (say, from Hardhat's node), by ethers code. */
const MESSAGE_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/insufficient funds|doesn't have enough funds/i, "INSUFFICIENT_FUNDS"],
  [/nonce too low|nonce has already been used/i, "NONCE_EXPIRED"],
  [/replacement (?:transaction )?underpriced/i, "REPLACEMENT_UNDERPRICED"],
];

/** Whether `error` (or what it wraps) is a node's "insufficient funds": the sender cannot pay for gas and value. */
export function isInsufficientFunds(error: unknown): boolean {
  const cause = error instanceof PharmaChainError && error.cause !== undefined ? error.cause : error;
  return failureCode(cause) === "INSUFFICIENT_FUNDS";
}

/** The ethers code of the failure: the first known one in the nested errors, else one read from their messages. */
function failureCode(error: unknown): string | undefined {
  const nodes = nestedNodes(error);
  for (const node of nodes) {
    const code = read(node, "code");
    if (typeof code === "string" && code in ETHERS_CODE_MESSAGES) return code;
  }
  for (const node of nodes) {
    const message = read(node, "message");
    if (typeof message !== "string") continue;
    const known = MESSAGE_PATTERNS.find(([pattern]) => pattern.test(message));
    if (known) return known[1];
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (isRecord(error)) {
    if (typeof error.shortMessage === "string") return error.shortMessage;
    if (typeof error.message === "string") return error.message;
  }
  return String(error);
}

/**
 * Any error thrown around a contract call, as a {@link PharmaChainError}: a {@link ContractRevertError} for a known
 * contract error; a {@link TransactionError} (keeping `error` as its `cause`) for unknown revert data ("the contract
 * refused with unknown error data 0x…"), a revert without data, or a failure that is not a revert (funds, nonce,
 * network); `error` itself if it already is a {@link PharmaChainError}.
 */
export function explainError(error: unknown): PharmaChainError {
  if (error instanceof PharmaChainError) return error;
  const data = findRevertData(error);
  if (data !== undefined) {
    const decoded = decodeRevertData(data, { cause: error });
    if (decoded) return decoded;
    if (data !== "0x") {
      const shown = data.length > 74 ? `${data.slice(0, 74)}…` : data;
      return new TransactionError(`The transaction failed: the contract refused with unknown error data ${shown}`, {
        details: `selector ${data.slice(0, 10)}; revert data ${data}`,
        cause: error,
      });
    }
    return new TransactionError("The contract refused the operation without giving a reason.", {
      details: messageOf(error),
      cause: error,
    });
  }
  const code = failureCode(error);
  const sentence = code ? ETHERS_CODE_MESSAGES[code] : undefined;
  if (sentence) return new TransactionError(sentence, { details: messageOf(error), cause: error });
  return new TransactionError(`The transaction failed: ${messageOf(error)}`, { cause: error });
}
