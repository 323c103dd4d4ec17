/**
 * GS1 identifiers as the protocol encodes them (DESIGN.md section 3): GTINs as the numeric value of their GTIN-14,
 * lot numbers and serials in the AI 82 character set, lot ids derived from both.
 */
import { AbiCoder, keccak256 } from "ethers";

/** The GS1 mod-10 check digit of `body` (the digits before the check digit). */
export function gs1CheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new Error(`a GS1 key has digits only, got "${body}"`);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether `key` (digits, check digit last) has a valid GS1 check digit. */
export function hasValidCheckDigit(key: string): boolean {
  return /^\d{2,}$/.test(key) && gs1CheckDigit(key.slice(0, -1)) === Number(key[key.length - 1]);
}

/**
 * A GTIN-8, -12, -13 or -14 as the protocol's `uint64`: the value of its GTIN-14 form. Throws on a wrong length or
 * check digit, saying which.
 */
export function gtinToUint64(gtin: string): bigint {
  const digits = gtin.trim();
  if (!/^\d+$/.test(digits)) throw new Error(`GTIN "${gtin}" must contain digits only`);
  if (![8, 12, 13, 14].includes(digits.length)) {
    throw new Error(`GTIN "${gtin}" has ${digits.length} digits; a GTIN has 8, 12, 13 or 14`);
  }
  if (!hasValidCheckDigit(digits)) {
    const expected = gs1CheckDigit(digits.slice(0, -1));
    throw new Error(`GTIN "${gtin}" has check digit ${digits[digits.length - 1]}, expected ${expected}`);
  }
  return BigInt(digits);
}

/** The GTIN-14 string of a protocol `uint64` GTIN. */
export function gtin14(gtin: bigint): string {
  return gtin.toString().padStart(14, "0");
}

const AI82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

/** Whether `value` is 1 to 20 characters of the GS1 AI 82 set (lot numbers, serials). */
export function isAi82(value: string): boolean {
  return AI82.test(value);
}

/** `lotId = keccak256(abi.encode(uint64 gtin, string lotNumber))`. */
export function lotIdOf(gtin: bigint, lotNumber: string): string {
  if (!isAi82(lotNumber)) throw new Error(`lot number "${lotNumber}" must be 1-20 characters of the GS1 AI 82 set`);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "string"], [gtin, lotNumber]));
}
