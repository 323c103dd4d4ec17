/**
 * One typed hierarchy for everything the SDK refuses or the chain reverts (after viem's `BaseError`): a short
 * sentence a pharmacist or an operator understands, optional details, and the original error kept as `cause`.
 */

export interface PharmaChainErrorOptions {
  /** More detail for an operator: values, where to look. */
  details?: string;
  /** The error this one explains (an ethers error, a schema error). */
  cause?: unknown;
}

/** The root of every error the SDK throws on purpose. */
export class PharmaChainError extends Error {
  /** The sentence without the details. */
  readonly shortMessage: string;
  readonly details?: string;

  constructor(shortMessage: string, options: PharmaChainErrorOptions = {}) {
    super(options.details ? `${shortMessage}\n${options.details}` : shortMessage, { cause: options.cause });
    this.name = new.target.name;
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** Bad input: a malformed identifier, a duplicate serial, a file that is not a manifest. Nothing was sent. */
export class InvalidInputError extends PharmaChainError {}

/** A GS1 key, element string, Digital Link or EPC URI that cannot be read. */
export class Gs1Error extends InvalidInputError {}

/** A manifest that cannot be built or loaded (duplicates, invalid serials, wrong root). */
export class ManifestError extends InvalidInputError {}

/** Wrong or missing configuration: addresses, deployment files, keys, network. */
export class ConfigurationError extends PharmaChainError {}

/** Something the caller asked for does not exist on-chain (a lot, a shipment, a pack). */
export class NotFoundError extends PharmaChainError {}

/** The contracts refused the operation with one of their custom errors. */
export class ContractRevertError extends PharmaChainError {
  /** The custom error's name, e.g. `CustodyNotHolder`. */
  readonly errorName: string;
  /** Its arguments by name, as the ABI decodes them. */
  readonly args: Readonly<Record<string, unknown>>;
  /** The raw revert data. */
  readonly data: string;

  constructor(
    shortMessage: string,
    errorName: string,
    args: Readonly<Record<string, unknown>>,
    data: string,
    options: PharmaChainErrorOptions = {},
  ) {
    super(shortMessage, options);
    this.errorName = errorName;
    this.args = args;
    this.data = data;
  }
}

/** The transaction failed for a reason that is not one of the protocol's errors (gas, nonce, network, unknown data). */
export class TransactionError extends PharmaChainError {}
