/**
 * The documents suite (documents-suite.ts) on PostgreSQL: its own cluster from Debian's server binaries, as in
 * postgres.test.ts; skipped, saying so, where PostgreSQL is not installed.
 */
import { openDatabase } from "../src/db";
import { documentsSuite } from "./documents-suite";
import { postgresBin, startPostgresCluster } from "./postgres-cluster";

documentsSuite("PostgreSQL", async () => {
  const bin = postgresBin();
  if (!bin) {
    console.log("      skipped: no PostgreSQL server binary (initdb); Debian's `postgresql` package provides it");
    return undefined;
  }
  const cluster = await startPostgresCluster(bin);
  const db = await openDatabase(cluster.url).catch(async (error) => {
    await cluster.stop();
    throw error;
  });
  return {
    db,
    close: async () => {
      await db.close();
      await cluster.stop();
    },
  };
});
