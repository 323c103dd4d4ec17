#!/usr/bin/env node
"use strict";
const path = require("path");
const fs = require("fs");

const entry = path.join(__dirname, "..", "dist", "cjs", "sdk", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  console.error(
    "pharmachain: the SDK is not built yet. Run `npm run build` in the repository (or install the published package).",
  );
  process.exit(4);
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error && error.stack ? error.stack : error);
      process.exitCode = 70;
    },
  );
