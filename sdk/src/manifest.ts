/**
 * A lot's manifest: its serials in packing order, committed to by the normative Merkle tree (DESIGN.md section 3):
 * an OpenZeppelin `StandardMerkleTree` of `(uint32 index, string serial)` leaves.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { isAi82 } from "./gs1";

export const MANIFEST_LEAF_ENCODING = ["uint32", "string"] as const;

export type ManifestLeaf = [number, string];

export class Manifest {
  readonly serials: readonly string[];
  readonly tree: StandardMerkleTree<ManifestLeaf>;
  private readonly treeIndexOf: Map<string, number>;

  private constructor(serials: readonly string[], tree: StandardMerkleTree<ManifestLeaf>) {
    this.serials = serials;
    this.tree = tree;
    this.treeIndexOf = new Map();
    for (const [treeIndex, [index]] of tree.entries()) this.treeIndexOf.set(serials[index], treeIndex);
  }

  /**
   * Builds the manifest of `serials` (packing order). Refuses an empty list, a serial outside the AI 82 set and a
   * duplicate, naming its position.
   */
  static fromSerials(serials: readonly string[]): Manifest {
    if (serials.length === 0) throw new Error("a manifest needs at least one serial");
    if (serials.length > 0xffffffff) throw new Error("a manifest holds at most 2^32 - 1 serials");
    const seen = new Map<string, number>();
    serials.forEach((serial, index) => {
      if (!isAi82(serial)) throw new Error(`serial #${index} "${serial}" is not 1-20 characters of the GS1 AI 82 set`);
      const first = seen.get(serial);
      if (first !== undefined) throw new Error(`serial #${index} "${serial}" repeats serial #${first}`);
      seen.set(serial, index);
    });
    const tree = StandardMerkleTree.of<ManifestLeaf>(
      serials.map((serial, index) => [index, serial]),
      [...MANIFEST_LEAF_ENCODING],
    );
    return new Manifest([...serials], tree);
  }

  get root(): string {
    return this.tree.root;
  }

  get size(): number {
    return this.serials.length;
  }

  /** The index of `serial` in the lot, or undefined. */
  indexOf(serial: string): number | undefined {
    const treeIndex = this.treeIndexOf.get(serial);
    return treeIndex === undefined ? undefined : this.tree.at(treeIndex)![0];
  }

  /** The Merkle proof that `serial` is at its index. */
  proof(serial: string): { index: number; proof: string[] } {
    const treeIndex = this.treeIndexOf.get(serial);
    if (treeIndex === undefined) throw new Error(`serial "${serial}" is not in this manifest`);
    return { index: this.tree.at(treeIndex)![0], proof: this.tree.getProof(treeIndex) };
  }
}
