/**
 * The normative EIP-712 `LotAttestation` (docs/ARCHITECTURE.md section 5): its typed data, signing with any ethers signer, and
 * offline recovery of an EOA signer, and on-chain checks of contract wallets (ERC-1271).
 */
import {
  Interface,
  Provider,
  Signature,
  Signer,
  TypedDataDomain,
  TypedDataEncoder,
  getAddress,
  getBytes,
  isAddress,
  isHexString,
  sha256,
  toUtf8Bytes,
  verifyTypedData,
} from "ethers";
import { InvalidInputError } from "./errors";
import { lotIdOf } from "./gs1";

export const LOT_ATTESTATION_TYPES = {
  LotAttestation: [
    { name: "lotId", type: "bytes32" },
    { name: "gtin", type: "uint64" },
    { name: "lotNumber", type: "string" },
    { name: "expiresAt", type: "uint64" },
    { name: "unitCount", type: "uint32" },
    { name: "serialsRoot", type: "bytes32" },
    { name: "dataHash", type: "bytes32" },
    { name: "manufacturer", type: "address" },
    { name: "deadline", type: "uint64" },
  ],
};

export interface LotAttestation {
  lotId: string;
  gtin: bigint;
  lotNumber: string;
  expiresAt: bigint;
  unitCount: number;
  serialsRoot: string;
  dataHash: string;
  manufacturer: string;
  deadline: bigint;
}

/** The protocol's EIP-712 domain on `chainId` for the lots contract at `verifyingContract`. */
export function pharmaChainDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: "PharmaChain", version: "1", chainId, verifyingContract };
}

/** Signs `attestation` with any ethers signer (a Wallet, a JSON-RPC signer, a browser wallet). */
export async function signLotAttestation(
  signer: Pick<Signer, "signTypedData">,
  domain: TypedDataDomain,
  attestation: LotAttestation,
): Promise<string> {
  return signer.signTypedData(domain, LOT_ATTESTATION_TYPES, attestation);
}

/** Recovers the EOA that signed `attestation` (offline; contract wallets are checked on-chain with ERC-1271). */
export function recoverAttestationSigner(
  domain: TypedDataDomain,
  attestation: LotAttestation,
  signature: string,
): string {
  return verifyTypedData(domain, LOT_ATTESTATION_TYPES, attestation, signature);
}

/** What a manufacturer states about a lot, from which the attestation is built. */
export interface LotAttestationInput {
  gtin: bigint;
  lotNumber: string;
  /** Unix seconds; from AI 17 with `expiryToTimestamp`. */
  expiresAt: bigint;
  unitCount: number;
  /** The manifest's Merkle root. */
  serialsRoot: string;
  /** SHA-256 of the off-chain batch record (use `batchRecordHash`). */
  dataHash: string;
  manufacturer: string;
  /** Unix seconds after which the signatures may no longer be submitted. */
  deadline: bigint;
}

/** The attestation of a lot, its `lotId` derived as docs/ARCHITECTURE.md section 4 fixes it. */
export function buildLotAttestation(input: LotAttestationInput): LotAttestation {
  if (!Number.isInteger(input.unitCount) || input.unitCount < 1 || input.unitCount > 0xffffffff) {
    throw new InvalidInputError(`unitCount ${input.unitCount} must be a whole number of packs from 1 to 2^32 - 1`);
  }
  for (const [name, value] of [
    ["serialsRoot", input.serialsRoot],
    ["dataHash", input.dataHash],
  ] as const) {
    if (!isHexString(value, 32)) throw new InvalidInputError(`${name} must be 32 bytes of hex, got "${value}"`);
  }
  if (!isAddress(input.manufacturer))
    throw new InvalidInputError(`manufacturer "${input.manufacturer}" is not an address`);
  return {
    lotId: lotIdOf(input.gtin, input.lotNumber),
    gtin: input.gtin,
    lotNumber: input.lotNumber,
    expiresAt: input.expiresAt,
    unitCount: input.unitCount,
    serialsRoot: input.serialsRoot,
    dataHash: input.dataHash,
    manufacturer: getAddress(input.manufacturer),
    deadline: input.deadline,
  };
}

/** The paper's batch hash: SHA-256 of the batch record's stored bytes. */
export function batchRecordHash(record: Uint8Array | string): string {
  return sha256(typeof record === "string" ? toUtf8Bytes(record) : record);
}

/** The EIP-712 digest both parties sign. */
export function attestationDigest(domain: TypedDataDomain, attestation: LotAttestation): string {
  return TypedDataEncoder.hash(domain, LOT_ATTESTATION_TYPES, attestation);
}

const ERC1271_MAGIC = "0x1626ba7e";
const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);

/**
 * Whether `signature` by `signer` is valid for `attestation`, as the contract will judge it: an EOA by recovery
 * (offline), a contract wallet (a Safe) by ERC-1271 `isValidSignature` through `provider`. High-s signatures, which
 * the contract refuses, are refused here too.
 */
export async function verifyAttestationSignature(
  domain: TypedDataDomain,
  attestation: LotAttestation,
  signer: string,
  signature: string,
  provider?: Pick<Provider, "getCode" | "call">,
): Promise<boolean> {
  if (provider && (await provider.getCode(signer)) !== "0x") {
    try {
      const data = ERC1271.encodeFunctionData("isValidSignature", [attestationDigest(domain, attestation), signature]);
      const result = await provider.call({ to: signer, data });
      // as OpenZeppelin's SignatureChecker: at least 32 bytes, the first word the magic value left-aligned
      return result.length >= 66 && result.slice(0, 66).toLowerCase() === ERC1271_MAGIC + "0".repeat(56);
    } catch {
      return false;
    }
  }
  try {
    // the contract's ECDSA takes 65 bytes with v 27 or 28 only (ethers also reads 64-byte EIP-2098 and v 0/1)
    const bytes = getBytes(signature);
    if (bytes.length !== 65 || (bytes[64] !== 27 && bytes[64] !== 28)) return false;
    const sig = Signature.from(signature);
    if (BigInt(sig.s) > SECP256K1_HALF_N) return false;
    return getAddress(recoverAttestationSigner(domain, attestation, signature)) === getAddress(signer);
  } catch {
    return false;
  }
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
