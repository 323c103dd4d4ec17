/**
 * The same service on PostgreSQL: the test starts its own cluster (initdb and pg_ctl from Debian's `postgresql`
 * package, in a temporary folder, as the `postgres` user when run as root, since PostgreSQL refuses to run as root),
 * runs the migrations and the serial-list, verification, proof and sign-in paths against it, and stops the server by
 * its pid. Without a PostgreSQL server binary the test is skipped, saying so.
 */
import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { migrate, openDatabase, type Db } from "../src/db";
import type { Service } from "../src/app";
import { postgresBin, startPostgresCluster, type PostgresCluster } from "./postgres-cluster";
import { SCRIPT, ServiceWorld, serviceFor, serviceWorld, signIn } from "./helpers";

describe("Service on PostgreSQL", function () {
  const bin = postgresBin();
  let cluster: PostgresCluster | undefined;
  let db: Db | undefined;
  let service: Service | undefined;
  let sw: ServiceWorld;

  before(async function () {
    if (!bin) {
      console.log("      skipped: no PostgreSQL server binary (initdb); Debian's `postgresql` package provides it");
      this.skip();
    }
    cluster = await startPostgresCluster(bin!);
    db = await openDatabase(cluster.url);
    sw = await serviceWorld();
    service = await serviceFor(sw, db);
  });

  after(async function () {
    await service?.close();
    await db?.close();
    await cluster?.stop();
  });

  it("applies the same migrations, once", async function () {
    expect(db!.engine).to.equal("postgres");
    expect(await migrate(db!)).to.deep.equal([]);
    const names = (await db!.query<{ name: string }>("select name from schema_migrations order by name")).rows;
    expect(names.map((r) => r.name)).to.include.members(["001_serial_lists.sql", "002_auth.sql"]);
  });

  it("applies a migration script with a function body", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-migrations-"));
    try {
      fs.writeFileSync(path.join(dir, "900_script.sql"), SCRIPT);
      expect(await migrate(db!, dir)).to.deep.equal(["900_script.sql"]);
      expect((await db!.query("select answer_900() as a")).rows).to.deep.equal([{ a: 42 }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores a serial list, verifies and proves with it, and signs in once per nonce", async function () {
    const app = service!.app;
    const { token } = await signIn(service!, sw.w.manufacturer);
    const bad = await app.inject({
      method: "PUT",
      url: `/lots/${sw.main.lotId}/serials`,
      headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
      payload: sw.main.serials.slice(1).join("\n"),
    });
    expect(bad.statusCode).to.equal(422);
    expect((await db!.query("select count(*)::int as n from serial_lists")).rows[0].n).to.equal(0);
    const put = await app.inject({
      method: "PUT",
      url: `/lots/${sw.main.lotId}/serials`,
      headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
      payload: sw.main.serials.join("\n"),
    });
    expect(put.statusCode, put.body).to.equal(201);
    // a fresh service on the same database reads the list back from PostgreSQL
    const again = await serviceFor(sw, db!);
    try {
      const res = await again.app.inject({
        url: `/01/00614141123452/10/${sw.main.lotNumber}/21/${sw.main.serials[2]}`,
        headers: { accept: "application/json" },
      });
      expect(res.json().report.verdictName).to.equal("verified");
      const proof = await again.app.inject({
        url: `/lots/${sw.main.lotId}/proof?serial=${sw.main.serials[2]}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(proof.statusCode, proof.body).to.equal(200);
      expect(proof.json().index).to.equal(2);
    } finally {
      await again.close();
    }
    const { nonce } = (await app.inject({ url: "/auth/nonce" })).json();
    expect((await signIn(service!, sw.w.distributor, { nonce })).status).to.equal(200);
    expect((await signIn(service!, sw.w.distributor, { nonce })).status).to.equal(401);
  });
});
