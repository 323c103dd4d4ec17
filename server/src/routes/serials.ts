/**
 * Serial lists: `PUT /lots/{lotId}/serials` (the lot's manufacturer; accepted only when the list's Merkle root is the
 * lot's on-chain `serialsRoot`) and `GET /lots/{lotId}/proof?serial=` (the pack's current holder only). Nobody reads a
 * list back.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from "fastify";
import { Type } from "@sinclair/typebox";
import { InvalidInputError, Manifest, ManifestError, PackState } from "@pharmachain/sdk";
import { ProblemError } from "../problem";
import type { CustodyMirror } from "../mirror";
import type { SerialStore } from "../serials";

export interface SerialRouteOptions {
  mirror: CustodyMirror;
  serials: SerialStore;
  requireAccount: preHandlerAsyncHookHandler;
  /** The largest list accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
}

const LotId = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "the lot id (bytes32)" });

export function serialRoutes(app: FastifyInstance, options: SerialRouteOptions): void {
  const { mirror, serials } = options;
  const bodyLimit = options.maxBytes ?? 64 * 1024 * 1024;

  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string", bodyLimit }, (_request, body, done) =>
    done(null, body),
  );

  app.put<{ Params: { lotId: string }; Querystring: { column?: string }; Body: unknown }>(
    "/lots/:lotId/serials",
    {
      bodyLimit,
      preHandler: options.requireAccount,
      schema: {
        tags: ["serial lists"],
        summary: "Uploads a lot's serial list (its manufacturer only)",
        description:
          "CSV (text/csv, text/plain: one serial a line, or a header with a serial column) or JSON (an array of " +
          "serials, or an object with a `serials` array), as the SDK reads manifests. Accepted only when its Merkle " +
          "root equals the lot's on-chain serialsRoot (else 422, nothing stored). The list is never served back.",
        params: Type.Object({ lotId: LotId }),
        querystring: Type.Object({ column: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: {
          201: Type.Object({ lotId: Type.String(), root: Type.String(), count: Type.Integer(), block: Type.Integer() }),
        },
      },
    },
    async (request, reply) => {
      const lotId = request.params.lotId.toLowerCase();
      await mirror.sync();
      const { block, value: lot } = await mirror.atOneBlock(() => mirror.lot(lotId));
      if (!lot) throw new ProblemError(404, "unknown-lot", `lot ${lotId} is not on chain`, "lotId");
      const account = request.account!;
      if (account.address.toLowerCase() !== lot.manufacturer.toLowerCase()) {
        throw new ProblemError(
          403,
          "not-the-manufacturer",
          `only the lot's manufacturer ${lot.manufacturer} uploads its serial list`,
          "authorization",
        );
      }
      const body = request.body;
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const json = typeof body !== "string";
      let manifest: Manifest;
      try {
        const column = request.query.column;
        manifest = Manifest.fromText(text, {
          format: json ? "json" : "csv",
          source: "the uploaded list",
          ...(column === undefined ? {} : { column: /^\d+$/.test(column) ? Number(column) : column }),
        });
      } catch (error) {
        if (error instanceof ManifestError || error instanceof InvalidInputError) {
          throw new ProblemError(400, "invalid-serial-list", error.message, "body");
        }
        throw error;
      }
      if (manifest.root.toLowerCase() !== lot.serialsRoot) {
        throw new ProblemError(
          422,
          "serials-root-mismatch",
          `the list's Merkle root ${manifest.root} is not the lot's serialsRoot ${lot.serialsRoot}: nothing stored`,
          "body",
          { expectedRoot: lot.serialsRoot, root: manifest.root },
        );
      }
      await serials.put(lotId, manifest, account.address);
      return reply.code(201).send({ lotId, root: lot.serialsRoot, count: manifest.size, block: block.number });
    },
  );

  app.get<{ Params: { lotId: string }; Querystring: { serial: string } }>(
    "/lots/:lotId/proof",
    {
      preHandler: options.requireAccount,
      schema: {
        tags: ["serial lists"],
        summary: "The Merkle proof of a pack, for its current holder (what dispensing needs)",
        params: Type.Object({ lotId: LotId }),
        querystring: Type.Object({ serial: Type.String({ minLength: 1, maxLength: 20 }) }),
        response: {
          200: Type.Object({
            lotId: Type.String(),
            serial: Type.String(),
            index: Type.Integer(),
            proof: Type.Array(Type.String()),
            root: Type.String(),
            hint: Type.Integer(),
            holder: Type.String(),
            state: Type.String(),
            block: Type.Integer(),
          }),
        },
      },
    },
    async (request) => {
      const lotId = request.params.lotId.toLowerCase();
      const serial = request.query.serial;
      const account = request.account!;
      const { block, value } = await mirror.atOneBlock(async () => {
        const lot = await mirror.lot(lotId);
        if (!lot) throw new ProblemError(404, "unknown-lot", `lot ${lotId} is not on chain`, "lotId");
        const manifest = await serials.manifest(lotId, lot.serialsRoot);
        if (!manifest) {
          throw new ProblemError(404, "no-serial-list", `this service holds no serial list of lot ${lotId}`, "lotId");
        }
        const index = manifest.indexOf(serial);
        if (index === undefined) {
          throw new ProblemError(404, "unknown-serial", `serial ${serial} is not in lot ${lotId}`, "serial");
        }
        const status = (await mirror.packStatus(lotId, index))!;
        return { lot, manifest, index, status };
      });
      if (value.status.holder.toLowerCase() !== account.address.toLowerCase()) {
        throw new ProblemError(403, "not-the-holder", `the pack is not held by ${account.address}`, "serial");
      }
      const proof = value.manifest.proofAt(value.index);
      return {
        lotId,
        serial,
        index: value.index,
        proof: proof.proof,
        root: value.lot.serialsRoot,
        hint: value.status.runStart,
        holder: value.status.holder,
        state: PackState[value.status.state],
        block: block.number,
      };
    },
  );
}
