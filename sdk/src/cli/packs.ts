/**
 * Packs as an operator names them: by place (`LOT:INDEX`, the index counting from 0 in the lot's serial list), by
 * what is printed on them (`GTIN/LOT/SERIAL`), or by a scan (a GS1 Digital Link, an element string, a DataMatrix
 * payload); and the scanned packs of a shipment, grouped into ranges. A serial becomes an index through the lot's
 * manifest (`--manifest FILE`, repeatable, or `--manifest-dir DIR`).
 */
import fs from "fs";
import path from "path";
import { InvalidInputError, NotFoundError } from "../errors";
import { gtinToUint64, lotIdOf, parseScan } from "../gs1";
import { Manifest } from "../manifest";
import { Context, lotArg, str, strs } from "./common";
import { UsageError } from "./usage";

/** What the help of every command that takes a pack or a range says about them. */
export const PACK_FORMATS =
  "A pack is LOT:INDEX (LOT a lot id 0x… or GTIN/LOTNUMBER; INDEX from 0 in the lot's serial list), GTIN/LOT/SERIAL " +
  "as printed, or a scan (Digital Link, element string or DataMatrix payload); the last two need the lot's " +
  "--manifest FILE (or --manifest-dir DIR). A range is LOT:START-END with END excluded: 00614141123452/L1:0-100 is " +
  "packs 0 to 99.";

/** The options a command needs to name packs by serial. */
export const MANIFEST_OPTIONS = {
  manifest: { type: "string", multiple: true, format: "manifest-spec" },
  "manifest-dir": { type: "string" },
} as const;

/** A pack by lot and index. */
export interface PackAt {
  lotId: string;
  index: number;
  /** The serial, when the pack was named by it. */
  serial?: string;
}

/** The manifests given to a command (`--manifest`, `--manifest-dir`), loaded once, found by lot id. */
export class ManifestShelf {
  private loaded?: Manifest[];

  constructor(private readonly ctx: Context) {}

  private async all(): Promise<Manifest[]> {
    if (this.loaded) return this.loaded;
    // `LOT=FILE` (as `epcis export` takes it) names the lot too; the file is what is read here.
    const files = strs(this.ctx, "manifest").map((spec) =>
      spec.includes("=") && !fs.existsSync(spec) ? spec.slice(spec.indexOf("=") + 1) : spec,
    );
    const dir = str(this.ctx, "manifest-dir");
    if (dir) {
      if (!fs.existsSync(dir)) throw new NotFoundError(`no manifest folder at ${dir}`);
      for (const f of fs.readdirSync(dir).sort()) if (f.endsWith(".json")) files.push(path.join(dir, f));
    }
    const loaded: Manifest[] = [];
    for (const file of files) {
      if (!fs.existsSync(file)) throw new NotFoundError(`no manifest at ${file}`);
      loaded.push(await Manifest.fromFile(file));
    }
    this.loaded = loaded;
    return loaded;
  }

  /** The index of `serial` in lot `lotId`: from the manifest that knows the serial (lot numbers are not in them). */
  async indexOf(lotLabel: string, serial: string): Promise<number> {
    const manifests = await this.all();
    if (manifests.length === 0) {
      throw new UsageError(
        `to find serial ${serial} of lot ${lotLabel}, give the lot's --manifest FILE or --manifest-dir`,
      );
    }
    for (const m of manifests) {
      const index = m.indexOf(serial);
      if (index !== undefined) return index;
    }
    throw new NotFoundError(`serial ${serial} is in none of the manifests given (lot ${lotLabel})`);
  }
}

/** A pack as written, before any manifest is read: by index, or by serial (to find in the lot's manifest). */
export type PackName =
  { lotId: string; index: number } | { lotId: string; serial: string; /** GTIN/LOT, for messages */ label: string };

/** Reads how a pack is named (any of the three ways), without reading a manifest; refuses what is none of them. */
export function readPack(value: string): PackName {
  const text = value.trim();
  const GS = String.fromCharCode(29); // a DataMatrix payload may start with the group separator
  if (/^(https?:\/\/|urn:epc:|\(|\])/i.test(text) || text.startsWith(GS) || /^01\d{14}/.test(text)) {
    const read = parseScan(text);
    if (!read.serial || !read.lot)
      throw new InvalidInputError(`the scan "${value}" needs a serial (21) and a lot (10)`);
    return {
      lotId: lotIdOf(gtinToUint64(read.gtin), read.lot),
      serial: read.serial,
      label: `${read.gtin}/${read.lot}`,
    };
  }
  const byIndex = /^(.+):(\d+)$/.exec(text);
  if (byIndex) {
    const index = Number(byIndex[2]);
    if (index > 0xfffffffe) throw new InvalidInputError(`pack "${value}": index ${byIndex[2]} is beyond any lot`);
    return { lotId: lotArg(byIndex[1]), index };
  }
  const printed = /^(\d{8,14})\/(.+)\/([^/]+)$/.exec(text);
  if (printed) {
    const [, gtin, lot, serial] = printed;
    return { lotId: lotArg(`${gtin}/${lot}`), serial, label: `${gtin}/${lot}` };
  }
  throw new InvalidInputError(
    `pack "${value}" must be LOT:INDEX (e.g. 00614141123452/L1:10), GTIN/LOT/SERIAL or a scan of the pack`,
  );
}

/** Reads a pack named any of the three ways; a serial becomes its index through the manifests on `shelf`. */
export async function packAt(value: string, shelf: ManifestShelf): Promise<PackAt> {
  const pack = readPack(value);
  if ("index" in pack) return pack;
  return { lotId: pack.lotId, index: await shelf.indexOf(pack.label, pack.serial), serial: pack.serial };
}

/** Ranges covering `packs`: per lot, consecutive indexes together, in the order the lots first appear. */
export function rangesOf(packs: readonly PackAt[]): { lotId: string; start: number; end: number }[] {
  const byLot = new Map<string, number[]>();
  for (const p of packs) {
    const list = byLot.get(p.lotId) ?? [];
    list.push(p.index);
    byLot.set(p.lotId, list);
  }
  const ranges: { lotId: string; start: number; end: number }[] = [];
  for (const [lotId, indexes] of byLot) {
    const sorted = [...new Set(indexes)].sort((a, b) => a - b);
    if (sorted.length !== indexes.length) {
      const seen = new Set<number>();
      const twice = indexes.find((i) => (seen.has(i) ? true : (seen.add(i), false)));
      throw new InvalidInputError(`pack ${twice} of lot ${lotId} is scanned twice`);
    }
    let start = sorted[0];
    let end = start + 1;
    for (const i of sorted.slice(1)) {
      if (i === end) end++;
      else {
        ranges.push({ lotId, start, end });
        [start, end] = [i, i + 1];
      }
    }
    ranges.push({ lotId, start, end });
  }
  return ranges;
}
