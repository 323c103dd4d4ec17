/** The contracts' enums, value for value (contracts/Common.sol and contracts/interfaces). */

export enum Role {
  None,
  Regulator,
  Manufacturer,
  Distributor,
  Transporter,
  Dispenser,
}

export enum StakeholderStatus {
  None,
  Applied,
  Active,
  Suspended,
  Revoked,
}

export enum PackState {
  Active,
  InTransit,
  Suspect,
  Illegitimate,
  Dispensed,
  Destroyed,
  Exported,
  Sample,
  FreeSample,
  Stolen,
  Locked,
}

export enum ProductStatus {
  None,
  Proposed,
  Approved,
  Rejected,
}

export enum LotStatus {
  None,
  Pending,
  Released,
}

export enum ShipmentStatus {
  None,
  Created,
  PickedUp,
  HandedOver,
  Received,
  Rejected,
  Cancelled,
  Voided,
}

/** `ITradeOrders.OrderStatus`: `Placed`, `Confirmed`, `Declined`, `Cancelled` are set by the parties, the rest follows the shipments. */
export enum OrderStatus {
  None,
  Placed,
  Confirmed,
  PartlyShipped,
  Shipped,
  Delivered,
  Declined,
  Cancelled,
}

/** `ITradeOrders.OfferStatus`: `Expired` is how an `Open` offer reads once its `validUntil` has passed. */
export enum OfferStatus {
  None,
  Open,
  Countered,
  Accepted,
  Declined,
  Withdrawn,
  Expired,
}

/** The normative verification verdict (docs/ARCHITECTURE.md section 7), in the order the checks are made. */
export enum Verdict {
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
  Decommissioned,
}

/** The decommission states of the EU FMD that a holder may set. */
export const DECOMMISSION_STATES = [
  PackState.Dispensed,
  PackState.Destroyed,
  PackState.Exported,
  PackState.Sample,
  PackState.FreeSample,
  PackState.Stolen,
  PackState.Locked,
] as const;

/** Reads an enum member by name, case-insensitively (`"dispensed"` → `PackState.Dispensed`); undefined if none. */
export function enumByName<E extends Record<string, string | number>>(e: E, name: string): E[keyof E] | undefined {
  const key = Object.keys(e).find((k) => Number.isNaN(Number(k)) && k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : e[key as keyof E];
}
