/**
 * The alerts against a real Hardhat node (spawned on a free port, stopped by pid) and PGlite: the kinds raised by a
 * supply chain's events, subscription filters, the CloudEvents envelope and its Standard Webhooks signature, the
 * cursor and outbox in one transaction, retries and dead-letter, Server-Sent Events replay, a reorganisation deeper
 * than the confirmation count, licences and lots expiring, and the webhook network policy.
 * The API's account comes from a TEST preHandler (header `x-test-account`), standing in for the core's SIWE.
 */
import http from "http";
import { AddressInfo } from "net";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { Webhook } from "standardwebhooks";
import { PackState } from "@pharmachain/sdk";
import { alertsConfig, AlertsConfig, alertsConfigFromEnv } from "../src/alerts/config";
import { pruneDeliveries, Pruner } from "../src/alerts/prune";
import type { Db } from "../src/alerts/db";
import { Deliverer, postWebhook } from "../src/alerts/delivery";
import { ALL_KINDS, EVENT_KINDS, INTERFACES } from "../src/alerts/kinds";
import { checkWebhookUrl } from "../src/alerts/ssrf";
import { AlertWatcher } from "../src/alerts/watcher";
import { alertsStatus } from "../src/alerts/status";
import { openDb, Receiver, sharedChain, testApp, waitFor, World } from "./alerts-helpers";

describe("alerts", function () {
  this.timeout(120_000);
  let w: World;
  let db: Db;
  let config: AlertsConfig;
  let watcher: AlertWatcher;
  let deliverer: Deliverer;
  let app: FastifyInstance;
  let receiver: Receiver;
  let hookUrl: string;
  let lotId: string;
  let startBlock: number;

  const subscribe = async (who: string, body: Record<string, unknown>) => {
    const res = await app.inject({
      method: "POST",
      url: "/alerts/subscriptions",
      headers: { "x-test-account": who },
      payload: body,
    });
    return { status: res.statusCode, json: res.json() };
  };
  /** Polls the watcher until it is caught up, then delivers everything due. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) if ((await watcher.pollOnce()).alerts === 0 && !(await behind())) break;
    while ((await deliverer.deliverDue(50)) > 0);
  };
  const behind = async () => {
    const s = await alertsStatus(db, w.provider, { confirmations: config.confirmations });
    return s.lagBlocks > 0;
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);

  before(async () => {
    db = await openDb();
    w = (await sharedChain()).world;
    config = alertsConfig({
      confirmations: 0,
      fromBlock: w.deployBlock,
      expiryWarningDays: 30,
      webhook: {
        allowLoopback: true,
        backoffBaseMs: 20,
        backoffMaxMs: 200,
        maxAttempts: 4,
        maxAttemptsRefused: 2,
        timeoutMs: 1500,
        leaseMs: 3000,
      },
    });
    watcher = new AlertWatcher(db, w.chain, config, (e) => console.error(e));
    deliverer = new Deliverer(db, config, (e) => console.error(e));
    app = await testApp(db, w.chain, config);
    receiver = new Receiver();
    hookUrl = await receiver.start();
    // catch up on what happened before (the onboarding, other test files' events) before anyone subscribes
    await settle();
    startBlock = (await w.provider.getBlockNumber()) + 1;
  });

  after(async () => {
    await app?.close();
    await receiver?.stop();
    await db?.close();
  });

  describe("kinds, filters and the envelope", () => {
    it("maps each kind to an event of the contracts' ABIs", () => {
      for (const rule of EVENT_KINDS)
        expect(INTERFACES[rule.contract].getEvent(rule.event), rule.event).to.not.equal(null);
      expect(new Set(ALL_KINDS).size).to.equal(ALL_KINDS.length);
    });

    let shipmentId: bigint;

    before(async () => {
      // the pharmacy and distributor 2 watch before anything happens; the distributor watches GTIN and kind filters
      const mine = await subscribe(w.distributor.address, { url: hookUrl, concernsMe: true });
      expect(mine.status).to.equal(201);
      receiver.secrets.push(mine.json.secret);
      const other = await subscribe(w.distributor2.address, { url: hookUrl + "?d2", concernsMe: true });
      receiver.secrets.push(other.json.secret);
      const otherLot = await subscribe(w.distributor2.address, {
        url: hookUrl + "?lot",
        lotIds: ["0x" + "ab".repeat(32)],
      });
      receiver.secrets.push(otherLot.json.secret);
      const recalls = await subscribe(w.pharmacy.address, {
        url: hookUrl + "?recalls",
        kinds: ["lot.recalled"],
        gtins: ["300010123455"],
      });
      receiver.secrets.push(recalls.json.secret);

      lotId = await w.commission("LOTA");
      const placed = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: w.gtin, quantity: 4 });
      await w.as(w.manufacturer).confirmOrder(placed.orderId);
      const declined = await w
        .as(w.distributor)
        .placeOrder({ seller: w.manufacturer.address, gtin: w.gtin, quantity: 1 });
      await w.as(w.manufacturer).declineOrder(declined.orderId, "no stock");
      const shipped = await w
        .as(w.manufacturer)
        .shipForOrder({ orderId: placed.orderId, ranges: [{ lotId, start: 0, end: 4, lotNumber: "LOTA" }] });
      shipmentId = shipped.shipmentId;
      await w.as(w.distributor).receiveShipment(shipmentId);
      const second = await w
        .as(w.manufacturer)
        .ship({ buyer: w.distributor.address, ranges: [{ lotId, start: 4, end: 6 }] });
      await w.as(w.distributor).rejectShipment(second.shipmentId, "damaged");
      await w.as(w.distributor).quarantine([{ lotId, start: 0, end: 1 }], "torn seal");
      await w.as(w.pharmacy).reportSuspicion([{ lotId, start: 1, end: 2 }], "odd print");
      // two keys: the regulator proposes, the council completes
      await w.as(w.regulator).confirmIllegitimate([{ lotId, start: 0, end: 1 }], "lab report");
      await w.as(w.council).confirmIllegitimate([{ lotId, start: 0, end: 1 }], "lab report");
      await w.as(w.distributor).decommissionRange({ lotId, start: 2, end: 3 }, PackState.Destroyed);
      await w.as(w.pharmacy).reportClone({ lotId, ...w.manifests.get(lotId)!.proof("LOTAS2") });
      await w.as(w.manufacturer).recallLot(lotId, "contamination");
      await w.as(w.council).liftRecall(lotId, "mistaken");
      await settle();
    });

    it("raises each kind once, with the CloudEvent id txHash:logIndex, to the stakeholder it concerns", async () => {
      const kinds = (
        await db.query<{ kind: string }>("SELECT kind FROM alerts WHERE block_number >= $1 ORDER BY seq", [startBlock])
      ).rows.map((r) => r.kind);
      expect(kinds).to.deep.equal([
        "order.placed",
        "order.confirmed",
        "order.placed",
        "order.declined",
        "shipment.created",
        "shipment.received",
        "shipment.created",
        "shipment.rejected",
        "packs.quarantined",
        "packs.suspicion-reported",
        "packs.illegitimacy-proposed",
        "packs.illegitimate",
        "pack.clone-reported",
        "lot.recalled",
        "lot.recall-lifted",
      ]);
      const { rows } = await db.query<{ id: string; tx_hash: string; log_index: number }>(
        "SELECT id, tx_hash, log_index FROM alerts",
      );
      for (const r of rows) expect(r.id).to.equal(`${r.tx_hash}:${r.log_index}`);
      const recall = rows.find((r, i) => kinds[i] === "lot.recalled")!;
      const receipt = await w.provider.getTransactionReceipt(recall.tx_hash);
      expect(receipt!.logs.map((l) => l.index)).to.include(recall.log_index);
    });

    it("delivers to the distributor every alert that concerns it, and to distributor 2 none", async () => {
      const sub = async (owner: string) =>
        (await db.query<{ id: string }>("SELECT id FROM alert_subscriptions WHERE owner = $1", [owner.toLowerCase()]))
          .rows[0].id;
      const delivered = async (owner: string) =>
        (
          await db.query<{ kind: string }>(
            "SELECT a.kind FROM alert_deliveries d JOIN alerts a ON a.seq = d.alert_seq WHERE d.subscription_id = $1 AND d.status = 'delivered' ORDER BY a.seq",
            [await sub(owner)],
          )
        ).rows.map((r) => r.kind);
      expect(await delivered(w.distributor.address)).to.have.length(15);
      // distributor 2 never touched the lot: neither its "concerns me" nor its other lot's subscription gets anything
      expect(
        await count(
          "SELECT count(*) AS n FROM alert_deliveries d JOIN alert_subscriptions s ON s.id = d.subscription_id WHERE s.owner = $1",
          [w.distributor2.address.toLowerCase()],
        ),
      ).to.equal(0);
      expect(await delivered(w.pharmacy.address)).to.deep.equal(["lot.recalled"]);
      expect(receiver.badSignatures).to.equal(0);
    });

    it("sends a CloudEvents 1.0 envelope signed per Standard Webhooks", async () => {
      const recall = [...receiver.processed.values()].find((r) => r.event.type === "org.pharmachain.lot.recalled")!;
      expect(recall.headers["content-type"]).to.match(/^application\/cloudevents\+json/);
      expect(recall.event.specversion).to.equal("1.0");
      expect(recall.event.id).to.equal(recall.headers["webhook-id"]);
      expect(recall.event.source).to.equal(`urn:pharmachain:31337:${w.client.addresses.lots.toLowerCase()}`);
      expect(recall.event.subject).to.equal(lotId);
      expect(recall.event.data.lotIds).to.deep.equal([lotId]);
      expect(recall.event.data.gtins).to.deep.equal(["00300010123455"]);
      expect(recall.event.data.parties).to.include.members([w.manufacturer.address, w.distributor.address]);
      expect((recall.event.data.args as Record<string, unknown>).by).to.equal(w.manufacturer.address);
      // the signature is the receiver's proof: one byte changed and it fails
      const verifies = (body: string) =>
        receiver.secrets.filter((secret) => {
          try {
            new Webhook(secret).verify(body, recall.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        }).length;
      expect(verifies(recall.body)).to.equal(1);
      expect(verifies(recall.body.replace('"1.0"', '"1.1"'))).to.equal(0);
    });

    it("answers the subscriptions of their owner only, and refuses bad input with problem+json naming the field", async () => {
      const list = await app.inject({
        method: "GET",
        url: "/alerts/subscriptions",
        headers: { "x-test-account": w.pharmacy.address },
      });
      expect(list.json()).to.have.length(1);
      expect(list.json()[0]).not.to.have.property("secret");
      const id = list.json()[0].id;
      const stranger = await app.inject({
        method: "GET",
        url: `/alerts/subscriptions/${id}`,
        headers: { "x-test-account": w.distributor.address },
      });
      expect(stranger.statusCode).to.equal(404);
      const badKind = await subscribe(w.pharmacy.address, { url: hookUrl, kinds: ["lot.eaten"] });
      expect(badKind.status).to.equal(400);
      expect(badKind.json.field).to.equal("body/kinds/0");
      const suspended = await app.inject({
        method: "POST",
        url: "/alerts/subscriptions",
        headers: { "x-test-account": w.pharmacy.address, "x-test-standing": "suspended" },
        payload: { url: hookUrl },
      });
      expect(suspended.statusCode).to.equal(403);
      const none = await app.inject({ method: "POST", url: "/alerts/subscriptions", payload: { url: hookUrl } });
      expect(none.statusCode).to.equal(401);
    });
  });

  describe("reliability", () => {
    it("writes the alerts, their outbox rows and the cursor in one transaction", async () => {
      const failing: Db = {
        query: (sql, params) => db.query(sql, params),
        close: () => db.close(),
        transaction: (fn) =>
          db.transaction((tx) =>
            fn({
              ...tx,
              query: async (sql, params) => {
                if (sql.startsWith("UPDATE alert_cursor")) throw new Error("disk full");
                return tx.query(sql, params);
              },
            }),
          ),
      };
      const broken = new AlertWatcher(failing, w.chain, config);
      await w.as(w.manufacturer).recallLot(lotId, "second look");
      const before = [
        await count("SELECT count(*) AS n FROM alerts"),
        await count("SELECT count(*) AS n FROM alert_deliveries"),
      ];
      const cursor = await count("SELECT block_number AS n FROM alert_cursor");
      let error: Error | undefined;
      await broken.pollOnce().catch((e) => (error = e));
      expect(error?.message).to.equal("disk full");
      expect([
        await count("SELECT count(*) AS n FROM alerts"),
        await count("SELECT count(*) AS n FROM alert_deliveries"),
      ]).to.deep.equal(before);
      expect(await count("SELECT block_number AS n FROM alert_cursor")).to.equal(cursor);
      const ok = await watcher.pollOnce();
      expect(ok.alerts).to.equal(1);
      expect(await count("SELECT count(*) AS n FROM alerts")).to.equal(before[0] + 1);
      expect(await count("SELECT count(*) AS n FROM alert_deliveries")).to.equal(before[1] + 2); // distributor, pharmacy
      await w.as(w.council).liftRecall(lotId, "still mistaken");
      await settle();
    });

    it("delivers to a receiver that was down once it is back", async () => {
      const down = new Receiver();
      const url = await down.start();
      const { json } = await subscribe(w.distributor.address, { url, kinds: ["lot.recalled"] });
      down.answer = (_r, res) => void res.writeHead(503).end();
      await w.as(w.manufacturer).recallLot(lotId, "third look");
      await watcher.pollOnce();
      await deliverer.deliverDue(50);
      const row = async () =>
        (
          await db.query<{ status: string; attempts: number; last_status: number; due_in_ms: number }>(
            `SELECT status, attempts, last_status,
                    EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000 AS due_in_ms
               FROM alert_deliveries WHERE subscription_id = $1`,
            [json.id],
          )
        ).rows[0];
      const first = await row();
      expect(first).to.include({ status: "pending", attempts: 1, last_status: 503 });
      expect(Number(first.due_in_ms)).to.be.greaterThan(-1000); // scheduled, backing off (base 20 ms here)
      await waitFor(async () => (await deliverer.deliverDue(50)) >= 0 && (await row()).attempts >= 2, 5000, "a retry");
      expect(await row()).to.include({ status: "pending", last_status: 503 });
      down.answer = (_r, res) => void res.writeHead(200).end("ok");
      await waitFor(
        async () => (await deliverer.deliverDue(50)) >= 0 && (await row()).status === "delivered",
        5000,
        "delivery",
      );
      expect(down.processed.size).to.equal(1);
      expect(down.requests.length).to.be.greaterThanOrEqual(3);
      await down.stop();
      await w.as(w.council).liftRecall(lotId, "again mistaken");
      await settle();
    });

    it("dead-letters a receiver that refuses for good, visible in the API, and retries it on request", async () => {
      const refusing = new Receiver();
      const url = await refusing.start();
      refusing.answer = (_r, res) => void res.writeHead(422).end("no");
      const { json } = await subscribe(w.pharmacy.address, { url, kinds: ["lot.recalled"] });
      await w.as(w.manufacturer).recallLot(lotId, "fourth look");
      await watcher.pollOnce();
      await waitFor(
        async () =>
          (await deliverer.deliverDue(50)) >= 0 &&
          (await count("SELECT count(*) AS n FROM alert_deliveries WHERE subscription_id = $1 AND status = 'dead'", [
            json.id,
          ])) === 1,
        5000,
        "dead-letter",
      );
      expect(refusing.requests).to.have.length(config.webhook.maxAttemptsRefused);
      const dead = await app.inject({
        method: "GET",
        url: "/alerts/dead-letter",
        headers: { "x-test-account": w.pharmacy.address },
      });
      expect(dead.json()).to.have.length(1);
      expect(dead.json()[0]).to.include({
        kind: "lot.recalled",
        status: "dead",
        attempts: 2,
        lastStatus: 422,
        lastError: "HTTP 422",
      });
      refusing.answer = (_r, res) => void res.writeHead(204).end();
      const retry = await app.inject({
        method: "POST",
        url: `/alerts/subscriptions/${json.id}/deliveries/${dead.json()[0].id}/retry`,
        headers: { "x-test-account": w.pharmacy.address },
      });
      expect(retry.statusCode).to.equal(202);
      await deliverer.deliverDue(50);
      expect(refusing.processed.size).to.equal(1);
      await refusing.stop();
      await w.as(w.council).liftRecall(lotId, "mistaken once more");
      await settle();
    });

    it("streams Server-Sent Events and replays after Last-Event-ID", async () => {
      await app.listen({ port: 0, host: "127.0.0.1" });
      const port = (app.server.address() as AddressInfo).port;
      const { rows } = await db.query<{ id: string }>("SELECT id FROM alerts WHERE kind = 'order.declined'");
      const read = (headers: Record<string, string>, until: (text: string) => boolean) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            req.destroy();
            reject(new Error(`no such events in time; got:\n${text}`));
          }, 10_000);
          let text = "";
          const req = http.get(
            { host: "127.0.0.1", port, path: "/events?kinds=lot.recalled,lot.recall-lifted", headers },
            (res) => {
              res.on("data", (c: Buffer) => {
                text += c.toString();
                if (until(text)) {
                  clearTimeout(timer);
                  req.destroy();
                  resolve(text);
                }
              });
            },
          );
          req.on("error", (e) => (e.message === "socket hang up" ? undefined : reject(e)));
        });
      const replay = await read(
        { "x-test-account": w.distributor.address, "last-event-id": rows[0].id },
        (t) => (t.match(/^id: /gm) ?? []).length >= 8,
      );
      const ids = [...replay.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
      const events = [...replay.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
      expect(events.slice(0, 4)).to.deep.equal([
        "org.pharmachain.lot.recalled",
        "org.pharmachain.lot.recall-lifted",
        "org.pharmachain.lot.recalled",
        "org.pharmachain.lot.recall-lifted",
      ]);
      const data = JSON.parse(/^data: (.*)$/m.exec(replay)![1]);
      expect(data.id).to.equal(ids[0]);
      // live: a new recall arrives on an open stream
      const live = read({ "x-test-account": w.distributor.address }, (t) => t.includes("id: 0x"));
      await new Promise((r) => setTimeout(r, 200));
      await w.as(w.manufacturer).recallLot(lotId, "live");
      await watcher.pollOnce();
      const text = await live;
      expect(text).to.include("event: org.pharmachain.lot.recalled");
      const unknown = await app.inject({
        method: "GET",
        url: "/events",
        headers: { "x-test-account": w.distributor.address, "last-event-id": "0xabc:1" },
      });
      expect(unknown.statusCode).to.equal(400);
      expect(unknown.json().field).to.equal("Last-Event-ID");
      await w.as(w.council).liftRecall(lotId, "live mistaken");
      await settle();
    });

    it("prunes delivered outbox rows past their retention once past the reorg window, and nothing else", async () => {
      await settle();
      const DAY_MS = 86_400_000;
      const delivered = (
        await db.query<{ id: string | number }>(
          "SELECT id FROM alert_deliveries WHERE status = 'delivered' ORDER BY id",
        )
      ).rows.map((r) => String(r.id));
      expect(delivered.length).to.be.at.least(3);
      const recent = delivered[delivered.length - 1];
      await db.query(
        "UPDATE alert_deliveries SET delivered_at = now() - interval '2 days' WHERE status = 'delivered' AND id <> $1",
        [recent],
      );
      const notDelivered = await count("SELECT count(*) AS n FROM alert_deliveries WHERE status <> 'delivered'");
      const alerts = await count("SELECT count(*) AS n FROM alerts");
      const cursor = await count("SELECT block_number AS n FROM alert_cursor");
      // kept: blocks a reorg could still reach, a retention longer than their age, a retention of 0 (for ever)
      expect(await pruneDeliveries(db, { deliveredRetentionMs: DAY_MS, reorgWindow: cursor })).to.equal(0);
      expect(await pruneDeliveries(db, { deliveredRetentionMs: 3 * DAY_MS, reorgWindow: 0 })).to.equal(0);
      expect(await pruneDeliveries(db, { deliveredRetentionMs: 0, reorgWindow: 0 })).to.equal(0);
      // pruned, in batches of 2
      const n = await pruneDeliveries(db, { deliveredRetentionMs: DAY_MS, reorgWindow: 0 }, { batch: 2 });
      expect(n).to.equal(delivered.length - 1);
      const left = (
        await db.query<{ id: string | number }>("SELECT id FROM alert_deliveries WHERE status = 'delivered'")
      ).rows;
      expect(left.map((r) => String(r.id))).to.deep.equal([recent]);
      expect(await count("SELECT count(*) AS n FROM alert_deliveries WHERE status <> 'delivered'")).to.equal(
        notDelivered,
      );
      expect(await count("SELECT count(*) AS n FROM alerts")).to.equal(alerts);

      // the pruner of startWatcher runs on its interval
      await db.query("UPDATE alert_deliveries SET delivered_at = now() - interval '2 days' WHERE id = $1", [recent]);
      const pruner = new Pruner(
        db,
        alertsConfig({ deliveredRetentionMs: DAY_MS, pruneIntervalMs: 50, reorgWindow: 0 }),
        (e) => console.error(e),
      );
      pruner.start();
      await waitFor(() => pruner.pruned === 1, 5000, "the pruner");
      await pruner.stop();
      expect(await count("SELECT count(*) AS n FROM alert_deliveries WHERE status = 'delivered'")).to.equal(0);
      expect(alertsConfigFromEnv({ ALERTS_KEEP_DELIVERED_DAYS: "7" }).deliveredRetentionMs).to.equal(7 * DAY_MS);
    });

    it("detects a reorganisation deeper than the confirmations, reports it and rewinds", async () => {
      const snapshot = await w.provider.send("evm_snapshot", []);
      await w.as(w.manufacturer).recallLot(lotId, "on the abandoned branch");
      await w.provider.send("evm_mine", []);
      await settle();
      const orphan = (
        await db.query<{ id: string; seq: number }>(
          "SELECT id, seq FROM alerts WHERE kind = 'lot.recalled' ORDER BY seq DESC LIMIT 1",
        )
      ).rows[0];
      const cursorBefore = await count("SELECT block_number AS n FROM alert_cursor");
      await w.provider.send("evm_revert", [snapshot]);
      for (let i = 0; i < 4; i++) await w.provider.send("evm_mine", []);
      const result = await watcher.pollOnce();
      expect(result.reorg).to.include({ oldCursor: cursorBefore, orphanedAlerts: 1, beyondWindow: false });
      expect(result.reorg!.ancestor).to.be.lessThan(cursorBefore - 1);
      const status = await app.inject({ method: "GET", url: "/alerts/status" });
      expect(status.json().lastReorg).to.include({ oldCursor: cursorBefore, ancestor: result.reorg!.ancestor });
      expect((await db.query("SELECT orphaned FROM alerts WHERE id = $1", [orphan.id])).rows[0].orphaned).to.equal(
        true,
      );
      await settle();
      expect(
        await count("SELECT count(*) AS n FROM alerts WHERE block_number > $1 AND NOT orphaned", [
          result.reorg!.ancestor,
        ]),
      ).to.equal(0);
      expect(await count("SELECT block_number AS n FROM alert_cursor")).to.equal(await w.provider.getBlockNumber());
      // the new branch's events are alerts again
      await w.as(w.manufacturer).recallLot(lotId, "on the new branch");
      expect((await watcher.pollOnce()).alerts).to.equal(1);
      await w.as(w.council).liftRecall(lotId, "new branch mistaken");
      await settle();
    });

    it("alerts once when a lot and the licences come within the warning period", async () => {
      const soon = await w.commission("LOTSOON", 4, 340);
      await settle();
      expect(
        await count("SELECT count(*) AS n FROM alerts WHERE kind IN ('lot.expiring', 'licence.expiring')"),
      ).to.equal(0);
      await w.provider.send("evm_increaseTime", [338 * 86_400]);
      await w.provider.send("evm_mine", []);
      await settle();
      await w.provider.send("evm_mine", []);
      await settle();
      const lots = (await db.query<{ lot_ids: string[] }>("SELECT lot_ids FROM alerts WHERE kind = 'lot.expiring'"))
        .rows;
      expect(lots.map((r) => r.lot_ids[0])).to.deep.equal([soon]);
      // the regulator and the four stakeholders approved until licenceUntil, 365 days on
      expect(await count("SELECT count(*) AS n FROM alerts WHERE kind = 'licence.expiring'")).to.equal(5);
      const pharmacyAlert = (
        await db.query<{ id: string }>("SELECT id FROM alerts WHERE kind = 'licence.expiring' AND $1 = ANY (parties)", [
          w.pharmacy.address.toLowerCase(),
        ])
      ).rows;
      expect(pharmacyAlert.map((r) => r.id)).to.deep.equal([
        `licence.expiring:${w.pharmacy.address.toLowerCase()}:${w.licenceUntil}`,
      ]);
    });
  });

  describe("webhook network policy", () => {
    const policy = { allowLoopback: false, allowPrivate: false, allowLinkLocal: false };

    it("refuses loopback, private and link-local addresses unless configured", async () => {
      for (const url of [
        "http://127.0.0.1/h",
        "http://[::1]/h",
        "http://10.1.2.3/h",
        "http://192.168.0.1/h",
        "http://172.20.0.1/h",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/h",
        "http://[::ffff:127.0.0.1]/h",
        "http://0.0.0.0/h",
        "http://localhost/h",
      ]) {
        let refused = false;
        await checkWebhookUrl(url, policy).catch(() => (refused = true));
        expect(refused, url).to.equal(true);
      }
      await checkWebhookUrl("http://127.0.0.1/h", { ...policy, allowLoopback: true });
      await checkWebhookUrl("http://10.1.2.3/h", { ...policy, allowPrivate: true });
      await checkWebhookUrl("https://93.184.215.14/h", policy);
      let refused = "";
      await checkWebhookUrl("ftp://93.184.215.14/h", policy).catch((e) => (refused = e.message));
      expect(refused).to.match(/http or https/);
      const res = await app.inject({
        method: "POST",
        url: "/alerts/subscriptions",
        headers: { "x-test-account": w.pharmacy.address },
        payload: { url: "http://169.254.169.254/latest" },
      });
      expect(res.statusCode).to.equal(400);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(res.json()).to.include({ field: "body/url" });
      expect(res.json().detail).to.match(/link-local/);
    });

    it("does not follow redirects, and limits the time and the response size of a delivery", async () => {
      const target = new Receiver();
      const targetUrl = await target.start();
      const r = new Receiver();
      const url = await r.start();
      const limits = { ...config.webhook, timeoutMs: 300, maxResponseBytes: 1024 };
      r.answer = (_x, res) => void res.writeHead(302, { location: targetUrl }).end();
      expect(await postWebhook(url, "{}", {}, limits)).to.deep.equal({
        status: 302,
        error: `redirect to ${targetUrl} not followed`,
      });
      expect(target.requests).to.have.length(0);
      r.answer = (_x, res) => void setTimeout(() => res.writeHead(204).end(), 1000);
      const started = Date.now();
      expect(await postWebhook(url, "{}", {}, limits)).to.deep.equal({ error: "no complete answer within 300 ms" });
      expect(Date.now() - started).to.be.lessThan(900);
      r.answer = (_x, res) => void res.writeHead(200).end(Buffer.alloc(1_000_000, 97));
      expect(await postWebhook(url, "{}", {}, limits)).to.deep.equal({
        status: 200,
        error: "response larger than 1024 bytes",
      });
      expect(await postWebhook(url, "{}", {}, { ...limits, allowLoopback: false })).to.have.property("permanent", true);
      // a name is checked at connect time, on the address it resolves to
      const byName = await postWebhook(
        url.replace("127.0.0.1", "localhost"),
        "{}",
        {},
        { ...limits, allowLoopback: false },
      );
      expect(byName.permanent).to.equal(true);
      expect(byName.error).to.match(/^localhost: address .* is in a loopback range/);
      r.answer = (_x, res) => void res.writeHead(204).end();
      const before = r.requests.length;
      expect(await postWebhook(url.replace("127.0.0.1", "localhost"), "{}", {}, limits)).to.deep.equal({ status: 204 });
      expect(r.requests.length).to.equal(before + 1);
      await r.stop();
      await target.stop();
    });
  });
});
