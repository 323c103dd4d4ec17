#!/usr/bin/env node
"use strict";
require("../dist/cjs/sdk/src/cli/main.js")
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
