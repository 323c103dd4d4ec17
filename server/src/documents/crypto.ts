/**
 * Encryption at rest: every document has its own random 256-bit data key; its content (and its redacted view) are
 * AES-256-GCM ciphertexts under that key, bound to the document's id and hash as additional data; the data key is kept
 * only wrapped (AES-256-GCM) by the key-encryption key, which lives outside the database (an environment variable or a
 * key file). A copy of the database alone reveals neither the documents nor their keys.
 */
import crypto from "crypto";
import fs from "fs";

export interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class DocumentKey {
  /** The key's id: the first 8 bytes of its SHA-256, stored with each wrapped key to tell a wrong key from tampering. */
  readonly id: string;

  constructor(private readonly kek: Buffer) {
    if (kek.length !== 32) throw new Error(`the document key is 32 bytes (256 bits), not ${kek.length}`);
    this.id = crypto.createHash("sha256").update(kek).digest("hex").slice(0, 16);
  }

  /** A key from text: 64 hex digits (0x optional) or base64 of 32 bytes. */
  static parse(text: string, source = "the document key"): DocumentKey {
    const t = text.trim();
    const hex = /^(0x)?([0-9a-fA-F]{64})$/.exec(t);
    const bytes = hex ? Buffer.from(hex[2], "hex") : Buffer.from(t, "base64");
    if (bytes.length !== 32) throw new Error(`${source} is 32 bytes as 64 hex digits or base64`);
    return new DocumentKey(bytes);
  }

  static fromFile(file: string): DocumentKey {
    return DocumentKey.parse(fs.readFileSync(file, "utf8"), `the key file ${file}`);
  }

  /** A new random key (the embedded `npm run serve` uses one, and says so: its documents die with it). */
  static ephemeral(): DocumentKey {
    return new DocumentKey(crypto.randomBytes(32));
  }

  /** A new data key and its wrapped form. */
  newDataKey(documentId: string): { key: Buffer; wrapped: Buffer } {
    const key = crypto.randomBytes(32);
    const s = seal(this.kek, key, Buffer.from(`pharmachain-document-key:${documentId}`));
    return { key, wrapped: Buffer.concat([s.iv, s.tag, s.ciphertext]) };
  }

  unwrap(documentId: string, wrapped: Buffer, keyId: string): Buffer {
    if (keyId !== this.id) throw new Error(`the document was sealed under key ${keyId}, not this service's ${this.id}`);
    return open(
      this.kek,
      { iv: wrapped.subarray(0, 12), tag: wrapped.subarray(12, 28), ciphertext: wrapped.subarray(28) },
      Buffer.from(`pharmachain-document-key:${documentId}`),
    );
  }
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

export function open(key: Buffer, sealed: Sealed, aad: Buffer): Buffer {
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, sealed.iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
