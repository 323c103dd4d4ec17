/**
 * The same service on PostgreSQL: the test starts its own cluster (initdb and pg_ctl from Debian's `postgresql`
 * package, in a temporary folder, as the `postgres` user when run as root, since PostgreSQL refuses to run as root),
 * runs the migrations and the serial-list, verification, proof and sign-in paths against it, and stops the server by
 * its pid. Without a PostgreSQL server binary the test is skipped, saying so.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { freePort } from "../../test/helpers/node";
import { migrate, openDatabase, type Db } from "../src/db";
import type { Service } from "../src/app";
import { SCRIPT, ServiceWorld, serviceFor, serviceWorld, signIn } from "./helpers";

/** The folder of PostgreSQL's server binaries, if installed. */
function postgresBin(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return path.dirname(fs.realpathSync(onPath));
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (fs.existsSync(path.join(root, v, "bin", "initdb"))) return path.join(root, v, "bin");
  return undefined;
}

describe("Service on PostgreSQL", function () {
  const bin = postgresBin();
  let dir: string | undefined;
  let pid: number | undefined;
  let db: Db | undefined;
  let service: Service | undefined;
  let sw: ServiceWorld;

  before(async function () {
    if (!bin) {
      console.log("      skipped: no PostgreSQL server binary (initdb); Debian's `postgresql` package provides it");
      this.skip();
    }
    const asRoot = process.getuid?.() === 0;
    const run = (file: string, args: string[]): void => {
      const command = path.join(bin!, file);
      if (asRoot) execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { stdio: "pipe" });
      else execFileSync(command, args, { stdio: "pipe" });
    };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pharmachain-pg-"));
    if (asRoot) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
      fs.chownSync(dir, uid, gid);
    }
    const data = path.join(dir, "data");
    const port = await freePort();
    run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-w",
      "start",
    ]);
    pid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    db = await openDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`);
    sw = await serviceWorld();
    service = await serviceFor(sw, db);
  });

  after(async function () {
    await service?.close();
    await db?.close();
    if (pid) {
      process.kill(pid, "SIGINT"); // fast shutdown
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
