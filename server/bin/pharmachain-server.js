#!/usr/bin/env node
"use strict";
const path = require("path");
const fs = require("fs");

const entry = path.join(__dirname, "..", "dist", "main.js");
if (!fs.existsSync(entry)) {
  console.error("pharmachain-server: the server is not built yet. Run `npm run build` in the repository.");
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
