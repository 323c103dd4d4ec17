/**
 * The normative EIP-712 `LotAttestation` (DESIGN.md section 4): its typed data, signing with any ethers signer, and
 * offline recovery of an EOA signer.
 */
import { Signer, TypedDataDomain, verifyTypedData } from "ethers";

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
export function recoverAttestationSigner(domain: TypedDataDomain, attestation: LotAttestation, signature: string): string {
  return verifyTypedData(domain, LOT_ATTESTATION_TYPES, attestation, signature);
}
