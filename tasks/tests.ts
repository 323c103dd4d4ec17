/**
 * `hardhat test` also runs the service's tests (`server/test/**\/*.test.ts`) when no files are named: they use the same
 * in-process network and the same mocha run. The alerts' tests (`alerts*.test.ts`) are left to their own script
 * (`npm run test:alerts --workspace @pharmachain/server`, mocha with --exit), as the alerts part set them up.
 */
import fs from "fs";
import path from "path";
import { subtask } from "hardhat/config";
import { TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";

function testFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFilesUnder(full);
    return entry.name.endsWith(".test.ts") && !entry.name.startsWith("alerts") ? [full] : [];
  });
}

subtask(TASK_TEST_GET_TEST_FILES).setAction(
  async ({ testFiles }: { testFiles: string[] }, hre, runSuper): Promise<string[]> => {
    const files: string[] = await runSuper({ testFiles });
    if (testFiles.length > 0) return files;
    return [...files, ...testFilesUnder(path.join(hre.config.paths.root, "server", "test")).sort()];
  },
);
