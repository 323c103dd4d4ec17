/**
 * The serial lists of lots, as their manufacturers uploaded them: stored in the database, never served back, and
 * kept in memory as built Merkle trees (by lot and by root) to prove scanned serials.
 */
import { Manifest } from "@pharmachain/sdk";
import type { Db } from "./db";

interface Stored {
  root: string;
  manifest?: Manifest;
  building?: Promise<Manifest>;
}

export class SerialStore {
  private readonly byLot = new Map<string, Stored>();
  private readonly byRoot = new Map<string, Manifest>();

  constructor(private readonly db: Db) {}

  /** Learns which lots have a list (not the lists: those are read when first needed). */
  async init(): Promise<void> {
    const { rows } = await this.db.query<{ lot_id: string; root: string }>("select lot_id, root from serial_lists");
    for (const r of rows) if (!this.byLot.has(r.lot_id)) this.byLot.set(r.lot_id, { root: r.root });
  }

  /** The lots with a stored list. */
  get size(): number {
    return this.byLot.size;
  }

  /** The root of the lot's stored list, if any. */
  rootOf(lotId: string): string | undefined {
    return this.byLot.get(lotId.toLowerCase())?.root;
  }

  /**
   * The lot's list, when its root is `root` (the lot's on-chain `serialsRoot`): from memory, or built once from the
   * database. Undefined when there is none with that root.
   */
  manifest(lotId: string, root: string): Manifest | Promise<Manifest | undefined> | undefined {
    const key = lotId.toLowerCase();
    const stored = this.byLot.get(key);
    if (!stored || stored.root !== root.toLowerCase()) return undefined;
    if (stored.manifest) return stored.manifest;
    const cached = this.byRoot.get(stored.root);
    if (cached) return (stored.manifest = cached);
    stored.building ??= this.db
      .query<{ serials: string }>("select serials from serial_lists where lot_id = $1", [key])
      .then(({ rows }) => {
        const manifest = Manifest.fromSerials(rows[0].serials.split("\n"));
        this.byRoot.set(manifest.root.toLowerCase(), manifest);
        stored.manifest = manifest;
        return manifest;
      })
      .finally(() => (stored.building = undefined));
    return stored.building;
  }

  /** Builds every stored list's tree now rather than at its first scan. */
  async warm(): Promise<void> {
    for (const [lotId, stored] of this.byLot) await this.manifest(lotId, stored.root);
  }

  /** Stores a lot's list (the caller checked its root against the chain); replaces a previous one in one statement. */
  async put(lotId: string, manifest: Manifest, uploadedBy: string): Promise<void> {
    const key = lotId.toLowerCase();
    const root = manifest.root.toLowerCase();
    const serials: string[] = new Array(manifest.size);
    for (let i = 0; i < manifest.size; i++) serials[i] = manifest.serialAt(i);
    await this.db.query(
      `insert into serial_lists (lot_id, root, unit_count, serials, uploaded_by) values ($1, $2, $3, $4, $5)
       on conflict (lot_id) do update set root = excluded.root, unit_count = excluded.unit_count,
         serials = excluded.serials, uploaded_by = excluded.uploaded_by, uploaded_at = now()`,
      [key, root, manifest.size, serials.join("\n"), uploadedBy.toLowerCase()],
    );
    this.byRoot.set(root, manifest);
    this.byLot.set(key, { root, manifest });
  }
}
